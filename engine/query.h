/*
 * query.h — the read side of the UTXO ledger: record codecs, key builders and the views the
 * CLI shows (a transaction with its resolved inputs and spenders, an address summary, a
 * block summary, the chain's tip).
 *
 * The records are written by engine/ledger.c; docs/store-format.md is their grammar. Values
 * read back from LevelDB are untrusted: every decoder goes through ft_reader and reports
 * FT_ERR_CORRUPT ("corrupt tx record 12 in index 'db'") on anything that does not parse,
 * never reads out of bounds and never allocates more than the value's length justifies.
 *
 * Ownership: every *_release frees what the matching getter allocated; getters zero their
 * output first, so releasing after a failed getter is safe.
 */
#ifndef FT_QUERY_H
#define FT_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/amount.h"
#include "engine/status.h"
#include "engine/store.h"
#include "engine/utxo.h"

#define FT_QUERY_NETWORK_MAX 32

/* ---- keys (type ‖ chain ‖ fields, integers big-endian) ------------------------------------- */

#define FT_QUERY_KEY_MAX (2 + FT_ADDR_KEY_MAX + 8)
#define FT_QUERY_HIST_KEY_LEN 23 /* type chain addr:8 tx:8 dir:1 index:4 */

size_t ft_query_key_chain(uint8_t *k, uint8_t chain);
size_t ft_query_key_block(uint8_t *k, uint8_t chain, uint32_t height);
size_t ft_query_key_block_hash(uint8_t *k, uint8_t chain, const uint8_t hash[32]);
size_t ft_query_key_tx(uint8_t *k, uint8_t chain, uint64_t tx_id);
size_t ft_query_key_txid(uint8_t *k, uint8_t chain, const uint8_t txid[32]);
size_t ft_query_key_spend(uint8_t *k, uint8_t chain, uint64_t out_id);
size_t ft_query_key_addr(uint8_t *k, uint8_t chain, const ft_addr_key *addr);
size_t ft_query_key_addr_id(uint8_t *k, uint8_t chain, uint64_t addr_id);
size_t ft_query_key_hist(uint8_t *k, uint8_t chain, uint64_t addr_id, uint64_t tx_id, uint8_t dir,
                         uint32_t index);

/* History row directions. */
#define FT_HIST_RECV 0 /* an output paid to the address: index = vout */
#define FT_HIST_SENT 1 /* an input spent the address's output: index = vin */

/* ---- records ------------------------------------------------------------------------------ */

/* The chain's meta record and checkpoint. */
typedef struct ft_query_chainrec {
    char network[FT_QUERY_NETWORK_MAX]; /* "main", "regtest", … */
    int has_tip;
    uint32_t tip_height;
    uint8_t tip_hash[32];
    uint64_t next_tx; /* ids the next block will use */
    uint64_t next_out;
    uint64_t next_addr; /* address ids start at 1; 0 means "no address" */
    uint32_t first_height; /* first indexed block: 0 = full index; > 0 = partial index, whose
                            * inputs spending outputs it never saw are unresolved */
} ft_query_chainrec;

/* One block. next_out and next_addr are the counters when the block began (its first output
 * id and the first address id it may assign), kept so that a rollback can restore them. */
typedef struct ft_query_blockrec {
    uint8_t hash[32];
    uint8_t prev[32];
    int64_t time;
    uint64_t first_tx;
    uint32_t n_tx;
    uint64_t next_out;
    uint64_t next_addr;
} ft_query_blockrec;

/* The out id of an UNRESOLVED input: in a partial index (first_height > 0), an input that
 * spends an output of a transaction the index never saw (created before first_height). Such
 * an input has no spend record and no history row; its prev_tx, value and addr_id are 0 (the
 * value is unknown) and prev_txid names the spent output's transaction. */
#define FT_QUERY_OUT_UNRESOLVED UINT64_MAX

typedef struct ft_query_txrec_in {
    uint64_t prev_tx; /* tx id of the spent output's transaction */
    uint32_t prev_vout;
    uint64_t out_id; /* the spent output, or FT_QUERY_OUT_UNRESOLVED */
    uint64_t value;
    uint64_t addr_id;       /* 0: no address */
    uint8_t prev_txid[32]; /* only for an unresolved input (internal byte order) */
} ft_query_txrec_in;

typedef struct ft_query_txrec_out {
    uint64_t value;
    uint64_t addr_id;
    uint8_t script_type;
} ft_query_txrec_out;

/* One transaction as stored. A coinbase has n_in (the serialised count) but no in[] entries. */
typedef struct ft_query_txrec {
    uint64_t tx_id;
    uint8_t txid[32];
    uint32_t height;
    int64_t time;
    int coinbase;
    int has_dup; /* BIP 30: this tx's txid was already used by tx dup_of */
    uint64_t dup_of;
    uint64_t first_out;
    uint32_t n_in;
    uint32_t n_out;
    ft_query_txrec_in *in; /* NULL for a coinbase */
    ft_query_txrec_out *out;
} ft_query_txrec;

ft_status ft_query_chainrec_decode(ft_query_chainrec *rec, const uint8_t *val, size_t vlen,
                                   ft_err *err) FT_WARN_UNUSED;
ft_status ft_query_blockrec_decode(ft_query_blockrec *rec, const uint8_t *val, size_t vlen,
                                   ft_err *err) FT_WARN_UNUSED;
/* Decodes a tx record (in/out arrays malloc()ed; ft_query_txrec_release frees them). */
ft_status ft_query_txrec_decode(ft_query_txrec *rec, uint64_t tx_id, const uint8_t *val,
                                size_t vlen, ft_err *err) FT_WARN_UNUSED;
void ft_query_txrec_release(ft_query_txrec *rec);

/* Point lookups. Each returns FT_ERR_NOTFOUND (err set to a message naming what is missing)
 * when the record is absent, FT_ERR_CORRUPT when it does not decode, FT_ERR_IO on LevelDB
 * errors. */
ft_status ft_query_chain_get(ft_store *st, uint8_t chain, ft_query_chainrec *rec,
                             ft_err *err) FT_WARN_UNUSED;
ft_status ft_query_block_get(ft_store *st, uint8_t chain, uint32_t height, ft_query_blockrec *rec,
                             ft_err *err) FT_WARN_UNUSED;
ft_status ft_query_block_height(ft_store *st, uint8_t chain, const uint8_t hash[32],
                                uint32_t *height, ft_err *err) FT_WARN_UNUSED;
ft_status ft_query_txrec_get(ft_store *st, uint8_t chain, uint64_t tx_id, ft_query_txrec *rec,
                             ft_err *err) FT_WARN_UNUSED;
ft_status ft_query_tx_id(ft_store *st, uint8_t chain, const uint8_t txid[32], uint64_t *tx_id,
                         ft_err *err) FT_WARN_UNUSED;
ft_status ft_query_spend_get(ft_store *st, uint8_t chain, uint64_t out_id, uint64_t *tx_id,
                             uint32_t *vin, ft_err *err) FT_WARN_UNUSED;
ft_status ft_query_addr_id(ft_store *st, uint8_t chain, const ft_addr_key *key, uint64_t *addr_id,
                           ft_err *err) FT_WARN_UNUSED;
ft_status ft_query_addr_key(ft_store *st, uint8_t chain, uint64_t addr_id, ft_addr_key *key,
                            ft_err *err) FT_WARN_UNUSED;

/* ---- views for the CLI -------------------------------------------------------------------- */

typedef struct ft_query_input {
    ft_addr_key addr; /* len 0: no address */
    uint8_t script_type;
    uint64_t value;
    uint8_t prev_txid[32]; /* the spent output: prev_txid:prev_vout */
    uint32_t prev_vout;
    int unresolved; /* 1: spends an output a partial index never saw: address, type and
                     * value unknown (addr.len 0, value 0, script_type 0xff) */
} ft_query_input;

typedef struct ft_query_output {
    ft_addr_key addr;
    uint8_t script_type;
    uint64_t value;
    int spent; /* 1: spent_by_txid:spent_by_vin spent it */
    uint8_t spent_by_txid[32];
    uint32_t spent_by_vin;
} ft_query_output;

typedef struct ft_query_txview {
    uint64_t tx_id;
    uint8_t txid[32];
    uint32_t height;
    uint8_t block_hash[32];
    int64_t time;
    int coinbase;
    uint64_t fee;         /* 0 for a coinbase, and when n_unresolved > 0 (fee unknown) */
    uint64_t input_total; /* 0 for a coinbase; the resolved inputs only when n_unresolved */
    uint32_t n_unresolved; /* inputs whose value is unknown (partial index): fee unknown */
    uint64_t output_total;
    uint32_t n_in;     /* serialised input count (a coinbase has 1 and no inputs[]) */
    uint32_t n_inputs; /* entries in inputs[] */
    ft_query_input *inputs;
    uint32_t n_out;
    ft_query_output *outputs;
} ft_query_txview;

/* The transaction txid (internal byte order) with every input resolved to the output it
 * spends and every output's spender. FT_ERR_NOTFOUND when the index does not hold it. */
ft_status ft_query_tx_view(ft_store *st, uint8_t chain, const uint8_t txid[32],
                           ft_query_txview *view, ft_err *err) FT_WARN_UNUSED;
void ft_query_txview_release(ft_query_txview *view);

typedef struct ft_query_hist_row {
    uint64_t tx_id;
    uint8_t txid[32];
    uint32_t height;
    int64_t time;
    uint8_t dir;    /* FT_HIST_RECV or FT_HIST_SENT */
    uint32_t index; /* vout or vin */
    uint64_t value;
} ft_query_hist_row;

typedef struct ft_query_addrview {
    int found; /* 0: the address never appeared (every figure is 0) */
    uint64_t addr_id;
    ft_u128 received;   /* sum of outputs paid to it */
    ft_u128 sent;       /* sum of its outputs spent */
    ft_u128 balance;    /* received - sent */
    uint64_t n_rows;    /* history rows (outputs received + inputs spent) */
    uint64_t tx_count;  /* distinct transactions */
    int64_t first_seen; /* block time of its first and last transaction */
    int64_t last_seen;
    size_t n_listed; /* rows[] holds the first min(n_rows, max_rows) rows, oldest first */
    ft_query_hist_row *rows;
} ft_query_addrview;

/* Summary of an address: one prefix scan over its history rows, plus one tx lookup for each
 * listed row and for the first and last. An address never seen gives found = 0 and FT_OK. */
ft_status ft_query_address_view(ft_store *st, uint8_t chain, const ft_addr_key *key,
                                size_t max_rows, ft_query_addrview *view,
                                ft_err *err) FT_WARN_UNUSED;
void ft_query_addrview_release(ft_query_addrview *view);

typedef struct ft_query_blockview {
    uint32_t height;
    ft_query_blockrec rec;
    uint64_t n_inputs; /* serialised inputs, the coinbase's included */
    uint64_t n_outputs;
    ft_u128 total_output;
    uint64_t coinbase_output;
    uint8_t (*txids)[32]; /* n_tx txids in block order */
} ft_query_blockview;

/* A block by height with its figures (reads every tx record of the block). */
ft_status ft_query_block_view(ft_store *st, uint8_t chain, uint32_t height,
                              ft_query_blockview *view, ft_err *err) FT_WARN_UNUSED;
void ft_query_blockview_release(ft_query_blockview *view);

#endif
