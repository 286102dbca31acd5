/*
 * ledger.h — writing and rolling back a UTXO chain in the store, block by block.
 *
 * A chain adapter hands chain-neutral blocks (engine/utxo.h) in height order; the ledger
 * assigns dense ids (tx in chain order, out = first out of its tx + vout, addr at first
 * sight), resolves every input to the output it spends (address, value), records for every
 * output the input that spent it and for every address its history, and stages all of it.
 * ft_ledger_commit writes the staged blocks and the chain's checkpoint (tip height, tip hash,
 * next ids) in ONE LevelDB WriteBatch: a kill at any moment leaves the index at one
 * checkpoint or the next.
 *
 * Ordering rules enforced: a block's height is tip+1 and its prev is the tip's hash
 * (FT_ERR_STATE otherwise, so adapters detect reorganisations before appending); an input
 * that spends an unknown or already-spent output is FT_ERR_STATE (the chain is not valid or
 * not complete). Exception, the PARTIAL index: when the first block appended to an empty
 * chain has height N > 0, the checkpoint records N (first_height) and an input spending a tx
 * the index does not hold at all (older than N) is recorded unresolved (out id
 * FT_QUERY_OUT_UNRESOLVED, engine/query.h: no spend record, no history row, value unknown);
 * a known tx's missing or already-spent output still fails. An index started at genesis
 * stays strict. Duplicate txids (BIP 30: the coinbases of blocks 91842 and 91880) are handled
 * as Bitcoin Core does: the later tx's outputs replace the earlier one's, which stay unspent.
 *
 * On any error the staged blocks are dropped (ft_ledger_abort) and nothing reaches the store.
 */
#ifndef FT_LEDGER_H
#define FT_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"
#include "engine/store.h"
#include "engine/utxo.h"

typedef struct ft_ledger ft_ledger;

typedef struct ft_ledger_tip {
    int empty;        /* 1: no block indexed yet for this chain */
    uint32_t height;  /* of the last block staged or committed */
    uint8_t hash[32]; /* internal byte order */
    uint32_t first_height; /* first indexed block; > 0: a partial index (0 when empty) */
} ft_ledger_tip;

/* Opens the UTXO ledger of `chain` (engine/keys.h) in st for network `network` (a name such
 * as "main" or "regtest"). An index that already holds this chain for another network is
 * refused with FT_ERR_STATE ("index holds 'main' blocks, not 'regtest'"). */
ft_status ft_ledger_open(ft_ledger **out, ft_store *st, uint8_t chain, const char *network,
                         ft_err *err) FT_WARN_UNUSED;
/* Drops anything staged and frees the ledger (the store stays open). */
void ft_ledger_close(ft_ledger *lg);

/* The tip including staged blocks. (Named ft_ledger_get_tip, not ft_ledger_tip: C does not
 * allow a function and the type above to share a name.) */
ft_status ft_ledger_get_tip(ft_ledger *lg, ft_ledger_tip *tip, ft_err *err) FT_WARN_UNUSED;

/* The hash of the indexed (committed or staged) block at height; FT_ERR_NOTFOUND if none. */
ft_status ft_ledger_block_hash(ft_ledger *lg, uint32_t height, uint8_t hash[32],
                               ft_err *err) FT_WARN_UNUSED;

/* Stages one block (see the ordering rules above). */
ft_status ft_ledger_append(ft_ledger *lg, const ft_utxo_block *b, ft_err *err) FT_WARN_UNUSED;

/* Bytes staged so far (callers commit every few tens of MB). */
size_t ft_ledger_staged_bytes(const ft_ledger *lg);

/* Writes everything staged plus the checkpoint atomically (synced). */
ft_status ft_ledger_commit(ft_ledger *lg, ft_err *err) FT_WARN_UNUSED;

/* The same, pipelined: hands the staged batch (with its checkpoint) to a commit thread and
 * returns at once, so that the next blocks are staged while the batch is sorted into
 * LevelDB's WriteBatch and the one before it is written (batches are written one at a time,
 * in order; each carries its own checkpoint). Up to two commits are in flight: with two,
 * commit_async first waits for the older one to be durable. The blocks are durable only
 * after a later commit_async that waited for them, or commit or flush, returns FT_OK; a
 * failed write is reported there (and drops everything after the last durable commit: the
 * commits in flight after a failed one are never written). Lookups stay correct meanwhile:
 * the caches keep everything not yet durable. */
ft_status ft_ledger_commit_async(ft_ledger *lg, ft_err *err) FT_WARN_UNUSED;
/* Waits for a commit_async in flight; FT_OK when nothing is in flight. */
ft_status ft_ledger_flush(ft_ledger *lg, ft_err *err) FT_WARN_UNUSED;

/* Drops everything staged since the last commit (a commit in flight completes first). */
void ft_ledger_abort(ft_ledger *lg);

/* Removes every block above `height` (reorganisation: roll back to the fork point), undoing
 * spends, address history and ids, in one atomic batch with the moved checkpoint. Nothing may
 * be staged. */
ft_status ft_ledger_rollback(ft_ledger *lg, uint32_t height, ft_err *err) FT_WARN_UNUSED;

/* Budget in bytes for the in-memory caches (unspent outputs, address ids); default 2 GiB.
 * Checked after each commit: the older half is dropped until the caches fit (0: keep no
 * cache across commits, every lookup of a committed output goes to the store). */
void ft_ledger_set_cache_limit(ft_ledger *lg, size_t bytes);

#endif
