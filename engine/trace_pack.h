/*
 * trace_pack.h — a trace result (engine/trace.h) as one flat byte buffer, and the merge of
 * several partial results into one: what the MPI path needs to gather every rank's share of
 * the incidents on rank 0 and write exactly the files a single process writes.
 *
 * Buffer (little-endian; every field of ft_trace_result, amounts as two u64 halves):
 *     version:u8 (2)  n_incidents:u64  tx_visited:u64
 *     summary: n_incidents * FT_TAINT_MODELS * 9 u128 (stolen .. hop_limit)
 *     n_flows:u64  then per flow: incident:u32 model:u32 addr:u32 category:u8 entity:u32
 *         amount:u128 hops:u32 first_time:i64 last_time:i64 tx_count:u64 amount_usd:u128
 *         usd_known:u8
 *     n_exposure:u64  then per row: addr:u32 incident:u32 model:u32 amount:u128
 *     has_paths:u8  when 1: n_path:u64  path_off: (n_flows + 1) u64
 *         then per step: out:u32 tx:u32 taint:u64
 * Unpacking goes through ft_reader: a short or inconsistent buffer is FT_ERR_PARSE.
 */
#ifndef FT_TRACE_PACK_H
#define FT_TRACE_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"
#include "engine/trace.h"

/* Packs res into a malloc()ed buffer (*buf, *len). */
ft_status ft_trace_pack(const ft_trace_result *res, uint8_t **buf, size_t *len,
                        ft_err *err) FT_WARN_UNUSED;

/* Unpacks a buffer of ft_trace_pack into res (zeroed first; release with
 * ft_trace_result_release in every case). */
ft_status ft_trace_unpack(ft_trace_result *res, const uint8_t *buf, size_t len,
                          ft_err *err) FT_WARN_UNUSED;

/* Merges n_parts results whose incidents are subsets of n_incidents global ones: part p's
 * local incident k is global incident inc_map[p][k]. Every global incident must come from
 * exactly one part. The result is what one ft_trace_run over all incidents gives: summary
 * rows at the global index, flows ordered by (incident, model, addr) with their evidence
 * paths, exposure by (addr, incident, model), tx_visited summed. out is zeroed first. */
ft_status ft_trace_merge(ft_trace_result *out, size_t n_incidents, const ft_trace_result *parts,
                         const uint32_t *const *inc_map, size_t n_parts,
                         ft_err *err) FT_WARN_UNUSED;

#endif
