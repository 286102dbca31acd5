/*
 * exposure.h — per-address exposure kept in the store: how much of each incident's stolen
 * funds an address received, per taint model, as the last trace run of that incident
 * computed it. `fundtrace trace` writes it (cli/trace_job.c), `fundtrace address` reads it.
 *
 * Records (docs/store-format.md, "Exposure"; type bytes in engine/keys.h):
 *
 *     row       0x50 chain klen:u8 addr_key ilen:u8 incident model:u8 [asset]
 *                                              -> 0x01 amount:u128v
 *     by-inc    0x51 chain ilen:u8 incident klen:u8 addr_key model:u8 [asset] -> 0x01
 *     run       0x52 chain ilen:u8 incident -> 0x01 models:compact max_hops:compact
 *                                              min_value:u128v n_rows:compact
 *     asset     alen:u8 asset_key (1..48 bytes): a row of a token (account chains: the
 *               20-byte contract); absent for the chain's native asset (BTC, ETH, …), so every
 *               Bitcoin row keeps its original layout and a native row sorts before the token
 *               rows of the same (address, incident, model)
 *     u128v     len:u8 ‖ big-endian bytes (len ≤ 16, no leading zero byte; zero is len 0)
 *
 * Reading all exposure of one address is one prefix scan over `0x50 chain klen addr_key`
 * (rows come sorted by incident id, then model code, then asset: native first). The
 * by-incident index exists only so that a new run can find and delete the old rows of the
 * incidents it traced: replacing is one atomic synced batch (delete the old rows of those
 * incidents, write the new ones and their run records), so a reader sees the old exposure
 * of an incident or the new one, never a mix, and a re-run never duplicates. Rows of
 * incidents the run did not trace stay.
 * One run can replace several chains at once (ft_exposure_replace_parts: Bitcoin and the
 * EVM chains of a `trace` in the same batch).
 *
 * Addresses are store address keys (engine/utxo.h: the chain adapter's bytes, 1..48), as
 * for labels, so that the engine knows no address format and an account chain can use its
 * 20-byte addresses. Amounts are base units; zero amounts are not stored.
 */
#ifndef FT_EXPOSURE_H
#define FT_EXPOSURE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/amount.h"
#include "engine/incidents.h"
#include "engine/status.h"
#include "engine/store.h"
#include "engine/utxo.h"

/* One row to store: address, incident (an index into the incident names given to
 * ft_exposure_replace), model (heuristics/taint.h code), asset (0: the chain's native asset,
 * the only one of ft_exposure_replace; k > 0: assets[k - 1] of its ft_exposure_part),
 * amount in base units. A zeroed field is the native asset, so older callers need no change. */
typedef struct ft_exposure_item {
    ft_addr_key addr;
    uint32_t incident;
    uint8_t model;
    uint32_t asset;
    ft_u128 amount;
} ft_exposure_item;

/* The parameters of the run that computed an incident's rows. */
typedef struct ft_exposure_run {
    unsigned models;   /* bit m: model m was run */
    uint32_t max_hops; /* as ft_trace_opts (UINT32_MAX: no limit) */
    ft_u128 min_value; /* base units, 0: none */
    uint64_t n_rows;   /* rows stored for the incident (filled by ft_exposure_replace) */
} ft_exposure_run;

/* One row read back for an address. */
typedef struct ft_exposure_row {
    char incident[FT_INCIDENT_NAME_MAX];
    uint8_t model;
    ft_u128 amount;
    ft_addr_key asset; /* len 0: the chain's native asset; else the token's key (a contract) */
} ft_exposure_row;

typedef struct ft_exposure_set {
    ft_exposure_row *v;
    size_t n, cap;
} ft_exposure_set;

void ft_exposure_set_release(ft_exposure_set *s);

/* Replaces the stored exposure of the incidents names[0..n_names) of chain by items (each
 * item's incident indexes names; zero amounts are skipped) and writes a run record per
 * incident (run: models, max_hops, min_value; n_rows is counted here), all in one synced
 * batch, then compacts the exposure key range (ft_store_compact). Old rows of every named incident
 * are deleted, whatever their model. Errors: FT_ERR_ARG (a name empty or over 127 bytes, an item
 * with a bad incident index, model or address key, or the same (address, incident, model) twice;
 * nothing written), FT_ERR_CORRUPT (a malformed stored by-incident record), FT_ERR_IO,
 * FT_ERR_NOMEM. */
ft_status ft_exposure_replace(ft_store *st, uint8_t chain, const char *const *names, size_t n_names,
                              const ft_exposure_run *run, const ft_exposure_item *items,
                              size_t n_items, ft_err *err) FT_WARN_UNUSED;

/* The exposure of one chain's incidents, for ft_exposure_replace_parts: as the arguments of
 * ft_exposure_replace, plus the token assets its items name (item asset k > 0 is
 * assets[k - 1], a key of 1..48 bytes; NULL with n_assets 0 when every row is native). */
typedef struct ft_exposure_part {
    uint8_t chain;
    const char *const *names;
    size_t n_names;
    const ft_exposure_run *run; /* NULL: models 0, no limits */
    const ft_addr_key *assets;
    size_t n_assets;
    const ft_exposure_item *items;
    size_t n_items;
} ft_exposure_part;

/* ft_exposure_replace for several chains in ONE synced batch (then one compaction): the old
 * rows of every named incident of every part are deleted, the new rows and run records
 * written, or nothing at all on an error. Errors as ft_exposure_replace, plus FT_ERR_ARG for
 * a chain given in two parts, an item asset index above n_assets or a bad asset key. */
ft_status ft_exposure_replace_parts(ft_store *st, const ft_exposure_part *parts, size_t n_parts,
                                    ft_err *err) FT_WARN_UNUSED;

/* Appends every stored exposure row of the address key of chain to out (incident id order,
 * then model code, then asset: native first). FT_ERR_CORRUPT names the index when a record
 * does not decode. */
ft_status ft_exposure_get(ft_store *st, uint8_t chain, const ft_addr_key *key, ft_exposure_set *out,
                          ft_err *err) FT_WARN_UNUSED;

/* The run record of one incident: FT_ERR_NOTFOUND (no error text) when it was never traced
 * with exposure stored. */
ft_status ft_exposure_run_get(ft_store *st, uint8_t chain, const char *incident,
                              ft_exposure_run *run, ft_err *err) FT_WARN_UNUSED;

/* *any = 1 if chain has at least one run record (some incident's exposure was stored), else
 * 0. One iterator seek. */
ft_status ft_exposure_any(ft_store *st, uint8_t chain, int *any, ft_err *err) FT_WARN_UNUSED;

#endif
