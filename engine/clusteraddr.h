/*
 * clusteraddr.h — the address → graph id map of a clustered account chain (record type 0x33).
 *
 * Account chains have no stored address ids: the account graph (engine/graph_account.c)
 * numbers addresses 1.. at first sight when it is loaded, and `cluster` stores their clusters
 * under those ids (engine/clusterstore.h). So that `address 0x…` finds its cluster with a few
 * point reads instead of loading the graph, `cluster` also stores, per account chain,
 *     0x33 chain              -> 0x01 n_addr:compact run_sha256:32
 *     0x33 chain addr:20      -> 0x01 id:compact            (every address of the graph)
 * run_sha256 is the SHA-256 of the chain's cluster run record value (0x3f chain) written by
 * the same `cluster` run: a map whose digest does not match the current run record belongs to
 * another run (a `cluster` interrupted between its two batches) and is not used.
 */
#ifndef FT_CLUSTERADDR_H
#define FT_CLUSTERADDR_H

#include <stdint.h>

#include "engine/status.h"
#include "engine/store.h"

/* Replaces the chain's map with addr_bytes[1 .. n_addr-1] → their index, in one synced
 * batch. Call after ft_clusterstore_write of the same run (the run record must exist). */
ft_status ft_clusteraddr_write(ft_store *st, uint8_t chain, const uint8_t (*addr_bytes)[20],
                               uint32_t n_addr, ft_err *err) FT_WARN_UNUSED;

/* The graph id of addr in the chain's last clustering run. FT_ERR_NOTFOUND (no message) when
 * the chain was never clustered, its map is missing or stale, or the address is not in it. */
ft_status ft_clusteraddr_lookup(ft_store *st, uint8_t chain, const uint8_t addr[20],
                                uint64_t *id, ft_err *err) FT_WARN_UNUSED;

#endif
