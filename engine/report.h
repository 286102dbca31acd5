/*
 * report.h — the appendix tables of `fundtrace report` (ARCHITECTURE.md section 6,
 * docs/methodology.md "Report figures"): pure aggregation of one trace result
 * (engine/trace.h) into by_incident, by_year, by_exchange, by_channel and overlaps.
 *
 *     ft_trace_result ──build──► ft_report (figures per group, low/high across models)
 *                                   └──write──► CSV text on a FILE* the caller opened
 *
 * Low and high: every figure is first computed under each model that was run (a group's sum
 * over its incidents under that model), then low = the minimum and high = the maximum over
 * those models. poison is an exposure upper bound (it does not conserve), so with poison in
 * the run the high figures are upper bounds; haircut and fifo conserve.
 *
 * USD figures come from the flows' amount_usd (valued by the trace at the day of each
 * delivery) and from the caller's stolen_usd per incident; a figure is "known" only when every
 * value it sums is known, else its cell is empty (never zero). Amounts are exact decimal
 * strings in asset units, USD has two decimals (cents, rounded half up once per cell).
 * The library writes CSV only to the FILE*s it is given; the caller makes them atomic.
 */
#ifndef FT_REPORT_H
#define FT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/amount.h"
#include "engine/status.h"
#include "engine/trace.h"

/* The channels of a summary row, in summary.csv order. */
enum {
    FT_REPORT_TO_EXCHANGE = 0,
    FT_REPORT_TO_MIXER,
    FT_REPORT_TO_BRIDGE,
    FT_REPORT_TO_OTHER,
    FT_REPORT_UNSPENT,
    FT_REPORT_FEES,
    FT_REPORT_BELOW_THRESHOLD,
    FT_REPORT_HOP_LIMIT,
    FT_REPORT_CHANNELS,
    FT_REPORT_USD_CHANNELS = 4 /* the first four: valued through their flows */
};

/* The rows of by_channel.csv (terminal categories split out of to_other). */
enum {
    FT_REPORT_CH_EXCHANGE = 0,
    FT_REPORT_CH_OTC,
    FT_REPORT_CH_PAYMENT,
    FT_REPORT_CH_MIXER,
    FT_REPORT_CH_BRIDGE,
    FT_REPORT_CH_OTHER_TERMINAL,
    FT_REPORT_CH_UNSPENT,
    FT_REPORT_CH_FEES,
    FT_REPORT_CH_BELOW_THRESHOLD,
    FT_REPORT_CH_HOP_LIMIT,
    FT_REPORT_CH_COUNT
};

/* Names of the above: "to_exchange" … and "exchange" … "hop_limit". */
const char *ft_report_channel_name(int channel);
const char *ft_report_ch_name(int ch);

typedef struct ft_report_incident {
    const char *name;  /* incident id */
    const char *date;  /* YYYY-MM-DD of the incident (its first row) */
    const char *chain; /* "bitcoin" */
    const char *asset; /* "BTC" */
    unsigned decimals;
    ft_u128 stolen_usd; /* micro-USD at the price of the incident date */
    int stolen_usd_known;
} ft_report_incident;

/* Text of a dense address id (Bitcoin address, 0x…). out has cap bytes. */
typedef ft_status (*ft_report_addr_fn)(void *ctx, uint32_t addr, char *out, size_t cap,
                                       ft_err *err);

typedef struct ft_report_input {
    const ft_trace_result *res; /* with res->exposure for overlaps (may be empty) */
    unsigned models;            /* bit m: model m was run */
    int usd;                    /* 1: the trace valued flows (opts.prices set); 0: no USD */
    const ft_report_incident *inc; /* res->n_incidents */
    const char *const *entity_name; /* the entity ids of flows and labels */
    size_t n_entities;
    uint32_t n_addr;
    const uint32_t *addr_cluster;     /* n_addr: cluster id (smallest member), NULL: none */
    const uint32_t *addr_entity;      /* n_addr: own label entity or FT_GRAPH_NONE, or NULL */
    const uint8_t *addr_entity_cat;   /* n_entities: category of each entity, or NULL */
    const uint32_t *addr_term_entity; /* n_addr: terminal entity via the cluster, or NULL */
    ft_report_addr_fn addr_text;      /* for overlap addresses */
    void *addr_ctx;
} ft_report_input;

/* Per-model values of one figure, reduced to low/high over the models run. */
typedef struct ft_report_range {
    ft_u128 low, high;
} ft_report_range;

typedef struct ft_report_usd {
    ft_u128 low, high; /* micro-USD */
    uint8_t known;     /* 1: every summed value had a price under every model */
} ft_report_usd;

typedef struct ft_report_figures {
    size_t n_incidents;
    ft_u128 stolen;
    ft_u128 stolen_usd;
    uint8_t stolen_usd_known;
    ft_report_range ch[FT_REPORT_CHANNELS];
    ft_report_usd usd[FT_REPORT_USD_CHANNELS];
} ft_report_figures;

typedef struct ft_report_year {
    int year;
    const char *chain, *asset;
    unsigned decimals;
    ft_report_figures fig;
} ft_report_year;

typedef struct ft_report_entity {
    uint32_t entity; /* id into entity_name */
    uint8_t category; /* FT_CAT_EXCHANGE, FT_CAT_OTC or FT_CAT_PAYMENT */
    const char *chain, *asset;
    unsigned decimals;
    size_t n_incidents;
    ft_report_range amount;
    ft_report_usd usd;
    int64_t first_time, last_time;
} ft_report_entity;

typedef struct ft_report_channel {
    int ch; /* FT_REPORT_CH_* */
    const char *chain, *asset;
    unsigned decimals;
    size_t n_incidents;
    ft_report_range amount;
    ft_report_usd usd;
    uint8_t has_usd; /* a terminal channel (flows carry USD) */
} ft_report_channel;

typedef struct ft_report_overlap {
    uint8_t is_cluster; /* 0: an address row, 1: a cluster row */
    uint32_t addr;      /* the address (address rows) */
    uint32_t cluster, cluster_size, n_addrs; /* n_addrs: members that received taint */
    uint32_t entity;    /* FT_GRAPH_NONE when none */
    size_t n_inc;
    uint32_t *inc;      /* incident indexes, ascending */
    ft_u128 *amount;    /* taint from each, under overlap_model */
    ft_u128 total;
} ft_report_overlap;

typedef struct ft_report {
    ft_report_input in;
    ft_report_figures *incident; /* res->n_incidents, same order */
    ft_report_year *year;
    size_t n_year;
    ft_report_entity *entity;
    size_t n_entity;
    ft_report_channel *channel;
    size_t n_channel;
    int overlap_model; /* poison if run, else the first model run */
    ft_report_overlap *overlap; /* address rows (by address id), then cluster rows (by id) */
    size_t n_overlap;
} ft_report;

/* Aggregates in. in (and what it points to) must outlive rep. rep is zeroed first; release it
 * in every case. Errors: FT_ERR_ARG (no model, missing arrays), FT_ERR_LIMIT (a sum beyond
 * 128 bits), FT_ERR_NOMEM. */
ft_status ft_report_build(ft_report *rep, const ft_report_input *in, ft_err *err) FT_WARN_UNUSED;

/* Write one table, header first. FT_ERR_IO when f fails (name is for the message);
 * overlaps also fail as the address text callback does. */
ft_status ft_report_write_by_incident(const ft_report *rep, FILE *f, const char *name,
                                      ft_err *err) FT_WARN_UNUSED;
ft_status ft_report_write_by_year(const ft_report *rep, FILE *f, const char *name,
                                  ft_err *err) FT_WARN_UNUSED;
ft_status ft_report_write_by_exchange(const ft_report *rep, FILE *f, const char *name,
                                      ft_err *err) FT_WARN_UNUSED;
ft_status ft_report_write_by_channel(const ft_report *rep, FILE *f, const char *name,
                                     ft_err *err) FT_WARN_UNUSED;
ft_status ft_report_write_overlaps(const ft_report *rep, FILE *f, const char *name,
                                   ft_err *err) FT_WARN_UNUSED;

/* Formats micro-USD as dollars with two decimals, rounded half up ("1234.57"). out needs
 * FT_AMOUNT_STR_MAX bytes. */
void ft_report_format_usd(char *out, ft_u128 micro_usd);

void ft_report_release(ft_report *rep);

#endif
