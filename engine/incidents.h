/*
 * incidents.h — theft incidents and their seeds: parsing the incidents CSV and keeping the
 * rows in the store (record types 0x40..0x4f; docs/store-format.md, "Incidents").
 *
 *     incident,date,chain,seed,asset,amount,attribution,source        (RFC 4180, header)
 *
 * One row per seed: on UTXO chains `txid:vout` or `txid`, on account chains `txid` or
 * `txid:N`, on any chain an address. engine/ knows no address format: a seed that is not a
 * txid form is kept as address text and resolved by the tracer. Parsing is all or nothing:
 * the first broken row fails the file with "'FILE' line N: what is wrong" (FT_ERR_PARSE).
 *
 *     key   = 0x40 chain ilen:u8 incident slen:u8 seed
 *     value = 0x01 (len:compact text){5}: date, asset, amount, attribution, source
 * so importing the same row twice changes nothing and one incident is one prefix scan.
 */
#ifndef FT_INCIDENTS_H
#define FT_INCIDENTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"
#include "engine/store.h"

#define FT_INCIDENT_NAME_MAX 128 /* incident id, seed: at most 127 bytes */
#define FT_INCIDENT_TEXT_MAX 256 /* attribution, source: at most 255 bytes */

typedef struct ft_incident_row {
    uint32_t line;   /* line in the file (0 if from the store) */
    uint8_t chain;   /* engine/keys.h chain byte */
    char incident[FT_INCIDENT_NAME_MAX];
    char date[11];   /* YYYY-MM-DD */
    char seed[FT_INCIDENT_NAME_MAX];
    char asset[64];
    char amount[48]; /* exact decimal in asset units, or "" */
    char attribution[FT_INCIDENT_TEXT_MAX];
    char source[FT_INCIDENT_TEXT_MAX];
} ft_incident_row;

typedef struct ft_incident_set {
    ft_incident_row *v;
    size_t n, cap;
} ft_incident_set;

void ft_incident_set_release(ft_incident_set *s);

/* "bitcoin"/"btc" → FT_CHAIN_BTC, "ethereum"/"eth" → FT_CHAIN_ETH, and the other EVM chains
 * of chains/ethereum/params.c (bsc, polygon, arbitrum, avalanche, dev, with their aliases);
 * 0 if unknown. */
uint8_t ft_incidents_chain_parse(const char *s);
const char *ft_incidents_chain_name(uint8_t chain);

/* Seed forms: 1 = txid (64 hex digits), 2 = txid:N (*n set), 0 = anything else (an
 * address, to be resolved by the chain). */
int ft_incidents_seed_kind(const char *seed, uint32_t *n);

/* Parses an incidents CSV (header required). fname is for messages. Appends to out; on
 * failure out is left as it was. */
ft_status ft_incidents_parse_csv(const char *text, size_t len, const char *fname,
                                 ft_incident_set *out, ft_err *err) FT_WARN_UNUSED;

/* Writes every row in one atomic batch; *n_new counts rows not stored before. */
ft_status ft_incidents_store(ft_store *st, const ft_incident_set *set, size_t *n_new,
                             ft_err *err) FT_WARN_UNUSED;

/* Appends every stored row of chain (key order: incident, then seed) to out. */
ft_status ft_incidents_scan(ft_store *st, uint8_t chain, ft_incident_set *out,
                            ft_err *err) FT_WARN_UNUSED;

#endif
