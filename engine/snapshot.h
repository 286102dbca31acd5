/*
 * snapshot.h — a versioned, checksummed, mmap-able container of named arrays: the analysis
 * graph and whatever a batch job needs beside it, written once from the index and then read
 * by any number of processes (HPC ranks) that share one page-cached copy instead of LevelDB.
 *
 * Layout (all integers little-endian; docs/hpc.md has the grammar):
 *
 *     0    magic "FTSNAP\0\0"       8 bytes
 *     8    version:u32 (1)          n_sections:u32
 *     16   file_size:u64            the whole file, so a truncated copy is caught at once
 *     24   table_sha256[32]         SHA-256 of the section table below
 *     56   reserved:u64 (0)
 *     64   section table: n_sections entries of 96 bytes
 *              name[32] (NUL-padded, NUL-terminated)  elem_size:u32  flags:u32 (0)
 *              count:u64  offset:u64 (multiple of 64)  bytes:u64 (= elem_size * count)
 *              sha256[32]: SHA-256 over the SHA-256 of each 4 MiB chunk of the section
 *              (so that every core verifies a part of a big section)
 *     then the sections, each at its 64-byte aligned offset, zero padding between, in table
 *     order, never overlapping.
 *
 * Opening maps the file read-only (MAP_SHARED: every process on a node shares the pages) and
 * checks the cheap things at once: magic, version, file size, the table checksum, the bounds
 * and alignment of every section. Section checksums are verified lazily, once per section
 * and before any byte of it is handed out: ft_snapshot_find verifies the section it returns
 * on first access, ft_snapshot_verify verifies a group of sections in one parallel pass (all
 * their chunks over all cores), ft_snapshot_graph verifies only the graph's sections. So a
 * trace pays for the graph (a third of the file) at open and for the address/txid text only
 * when its output needs it; the unread bytes are never trusted because they are never read.
 * Any failure is FT_ERR_CORRUPT naming the file and the section, e.g.
 *     snapshot 'g.ftsnap': section 'out_value' checksum mismatch
 * (a failed open drops the mapping; a failed find/verify leaves the snapshot open, the bad
 * section marked bad, and the caller closes it). Verification is thread-safe: finds may run
 * from OpenMP threads (one critical section; states read with acquire loads). Writing goes to
 * FILE.tmp, fsync, rename, so a reader never sees half a snapshot.
 *
 * Arrays point into the mapping: valid until ft_snapshot_close. The graph sections
 * (ft_snapshot_graph_sections / ft_snapshot_graph) use the names of the ft_graph fields.
 *
 * Account chains (version 2): beside the one UTXO graph, any number of account-model graphs
 * (engine/graph_account.c), each in its own sections named "acct<chain byte>_<field>"
 * ("acct3_xfer_amount"): acct<b>_meta (8 x u64: format 1, chain byte, n_addr, n_xfer,
 * n_asset, n_atx, 0, 0), the transfers in execution order (xfer_from, xfer_to, xfer_tx,
 * xfer_time, xfer_kind, xfer_flags, xfer_asset, xfer_amount: 128-bit little-endian), the
 * 20 bytes of every address id (addr_bytes), every token contract (asset_addr) and every tx
 * hash (atx_hash). The lookup arrays (addr_sorted, atx_sorted, atx_first, atx_count) are
 * not stored: seeds are resolved when the snapshot is written, so a graph from
 * ft_snapshot_account_graph has them NULL (ft_graph_account_addr_id/_tx_id must not be
 * called on it).
 */
#ifndef FT_SNAPSHOT_H
#define FT_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "engine/graph.h"
#include "engine/status.h"

/* 2: account chains (ft_snapshot_account_*); a version 1 file is refused ("write it again") */
#define FT_SNAPSHOT_VERSION 2u
#define FT_SNAPSHOT_NAME_MAX 32   /* with the NUL */
#define FT_SNAPSHOT_ALIGN 64
#define FT_SNAPSHOT_MAX_SECTIONS 1024
#define FT_SNAPSHOT_ANY UINT64_MAX /* ft_snapshot_find: any element count */

/* One section to write: count elements of elem_size bytes at data (data may be NULL when
 * count is 0). */
typedef struct ft_snapshot_input {
    const char *name;
    uint32_t elem_size;
    uint64_t count;
    const void *data;
} ft_snapshot_input;

/* One section of an open snapshot. */
typedef struct ft_snapshot_section {
    char name[FT_SNAPSHOT_NAME_MAX];
    uint32_t elem_size;
    uint64_t count, offset, bytes;
    uint8_t sha256[32];
} ft_snapshot_section;

typedef struct ft_snapshot {
    char path[4096];
    const uint8_t *base; /* the mapping */
    size_t len;
    uint32_t n_sections;
    ft_snapshot_section *sec; /* malloc()ed copy of the checked table */
    uint8_t *state;           /* per section: 0 checksum not verified yet, 1 good, 2 bad */
} ft_snapshot;

/* Writes the sections to path (through path.tmp, fsync, rename). Names must be unique, 1..31
 * bytes. Returns FT_OK, FT_ERR_ARG (bad name or sizes), FT_ERR_IO (naming the file). */
ft_status ft_snapshot_write(const char *path, const ft_snapshot_input *secs, size_t n,
                            ft_err *err) FT_WARN_UNUSED;

/* Maps and checks path (header, table, bounds; the section checksums later, see above). *s is
 * zeroed first; on failure nothing stays mapped.
 * FT_ERR_IO when the file cannot be opened or mapped, FT_ERR_CORRUPT for anything wrong in
 * it (another format version included). Close with ft_snapshot_close. */
ft_status ft_snapshot_open(ft_snapshot *s, const char *path, ft_err *err) FT_WARN_UNUSED;

void ft_snapshot_close(ft_snapshot *s);

/* The section called name: its data and element count, after verifying its checksum if that
 * was not done yet. elem_size must match; count must equal expect_count unless that is
 * FT_SNAPSHOT_ANY. FT_ERR_NOTFOUND when there is no such section, FT_ERR_CORRUPT on a size or
 * checksum mismatch (naming file and section), FT_ERR_NOMEM. */
ft_status ft_snapshot_find(const ft_snapshot *s, const char *name, uint32_t elem_size,
                           uint64_t expect_count, const void **data, uint64_t *count,
                           ft_err *err) FT_WARN_UNUSED;

/* 1 when the snapshot has a section called name. */
int ft_snapshot_has(const ft_snapshot *s, const char *name);

/* Verifies the checksums of the named sections not verified yet, all of their chunks in one
 * OpenMP loop (names the file lacks are skipped: ft_snapshot_find reports them). FT_OK, or
 * FT_ERR_CORRUPT naming the first section (in names order) that does not match, FT_ERR_NOMEM.
 * ft_snapshot_verify_all does it for every section. */
ft_status ft_snapshot_verify(const ft_snapshot *s, const char *const *names, size_t n,
                             ft_err *err) FT_WARN_UNUSED;
ft_status ft_snapshot_verify_all(const ft_snapshot *s, ft_err *err) FT_WARN_UNUSED;

/* 1 when the section called name exists and its checksum was verified and matched. */
int ft_snapshot_verified(const ft_snapshot *s, const char *name);

/* The sections of graph g ("graph_meta" and one per array) appended to out (room for
 * FT_SNAPSHOT_GRAPH_SECTIONS entries); *n is advanced. meta must stay alive until the write
 * (8 u64 words). */
#define FT_SNAPSHOT_GRAPH_SECTIONS 15
void ft_snapshot_graph_sections(const ft_graph *g, uint64_t meta[8], ft_snapshot_input *out,
                                size_t *n);

/* Points g at the graph arrays of s (g->borrowed = 1: ft_graph_release frees nothing) after
 * verifying the checksums of the graph sections (only those) and checking every invariant the tracer and the heuristics rely on (prefix sums monotonic and
 * in range, inputs spending earlier outputs, spent-by links consistent, address ids below
 * n_addr): a file with valid checksums but impossible contents is FT_ERR_CORRUPT too.
 * *g is zeroed first. */
ft_status ft_snapshot_graph(const ft_snapshot *s, ft_graph *g, ft_err *err) FT_WARN_UNUSED;

/* ---- account chains ---- */

#define FT_SNAPSHOT_ACCOUNT_SECTIONS 12

/* Storage for the names and the meta words of one account graph's sections: must stay
 * alive until the write. */
typedef struct ft_snapshot_account_buf {
    char name[FT_SNAPSHOT_ACCOUNT_SECTIONS][FT_SNAPSHOT_NAME_MAX];
    uint64_t meta[8];
} ft_snapshot_account_buf;

/* The section name of field what for account chain chain: "acct<chain>_<what>" (what at
 * most 22 bytes; longer is cut). */
void ft_snapshot_account_name(char out[FT_SNAPSHOT_NAME_MAX], uint8_t chain, const char *what);

/* The sections of account graph g (loaded by ft_graph_load_account: amounts, kinds, assets
 * and hashes present) appended to out (room for FT_SNAPSHOT_ACCOUNT_SECTIONS); *n advanced.
 * Names and meta live in buf. */
void ft_snapshot_account_sections(const ft_graph *g, ft_snapshot_account_buf *buf,
                                  ft_snapshot_input *out, size_t *n);

/* Points g at the account graph of chain in s (g->borrowed = 1) after verifying the
 * checksums of that chain's graph sections (one parallel pass) and checking what the
 * account tracer and the output rely on: counts below 2^32-1, at least the native asset,
 * every transfer's addresses below n_addr, tx below n_atx (or FT_GRAPH_NONE: a block-level
 * row), asset below n_asset, a known kind and flags. *g is zeroed first. FT_ERR_NOTFOUND
 * when s has no such chain, FT_ERR_CORRUPT (naming file and section) for a missing section,
 * a checksum mismatch or impossible contents, FT_ERR_NOMEM. */
ft_status ft_snapshot_account_graph(const ft_snapshot *s, uint8_t chain, ft_graph *g,
                                    ft_err *err) FT_WARN_UNUSED;

#endif
