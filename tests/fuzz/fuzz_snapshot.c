/*
 * fuzz_snapshot.c — libFuzzer target for the snapshot container (engine/snapshot.c): the
 * header and section table checks of ft_snapshot_open, lazy checksum verification, section
 * lookup, and the graph loader's invariant checks (ft_snapshot_graph), which guard the tracer
 * against a file whose checksums are right but whose contents are impossible.
 *
 * The first input byte picks a mode:
 *   even  the rest is a snapshot file as is (written to a temp file and opened): exercises the
 *         header, bounds and checksum checks; random bytes rarely get past the table checksum;
 *   odd   the rest describes graph sections, written with ft_snapshot_write so that every
 *         checksum is right and the graph checks see arbitrary arrays: 64 bytes of graph_meta,
 *         then for each other graph section (ft_snapshot_graph_sections' order) a u32le count
 *         and count elements (cut to the bytes left); the input ends where it ends (sections
 *         not reached are absent).
 * Properties (abort on violation): no read outside the file or any buffer (a bad bound shows
 * as SIGBUS/SEGV on the mapping, or ASan); failures carry a message and leave nothing mapped;
 * every section ft_snapshot_find returns lies inside the file and has count × elem_size bytes
 * that can all be read; a graph that ft_snapshot_graph accepts really has monotonic prefix sums
 * ending at the counts, inputs that spend earlier outputs of the tx they name as spender,
 * address ids below n_addr, and no output spent twice (checked again here, independently).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/graph.h"
#include "engine/snapshot.h"
#include "tests/fuzz/fuzz_sections.h"
#include "tests/fuzz/fuzz_util.h"

#include "engine/banned.h"

static volatile uint8_t sink;

static void check_graph(const ft_graph *g)
{
    if (g->n_addr == 0)
        abort();
    if (g->model == FT_GRAPH_UTXO) {
        uint32_t nt = g->n_tx;
        if (g->in_off[0] != 0 || g->out_off[0] != 0 || g->in_off[nt] != g->n_in ||
            g->out_off[nt] != g->n_out)
            abort();
        uint8_t *seen = calloc(g->n_out ? g->n_out : 1, 1);
        if (!seen)
            abort();
        for (uint32_t t = 0; t < nt; t++) {
            if (g->in_off[t + 1] < g->in_off[t] || g->out_off[t + 1] < g->out_off[t])
                abort();
            for (uint32_t i = g->in_off[t]; i < g->in_off[t + 1]; i++) {
                uint32_t o = g->in_out[i];
                if (o >= g->out_off[t] || g->out_spent_by[o] != t || seen[o]++)
                    abort();
                sink ^= (uint8_t)g->out_value[o];
            }
            for (uint32_t o = g->out_off[t]; o < g->out_off[t + 1]; o++) {
                if (g->out_addr[o] >= g->n_addr)
                    abort();
                uint32_t sb = g->out_spent_by[o];
                if (sb != FT_GRAPH_NONE && (sb <= t || sb >= nt))
                    abort();
                sink ^= g->out_type[o];
            }
            sink ^= g->tx_flags[t] ^ (uint8_t)g->tx_time[t] ^ (uint8_t)g->tx_addr_new[t];
        }
        free(seen);
    } else {
        for (uint32_t i = 0; i < g->n_xfer; i++) {
            if (g->xfer_from[i] >= g->n_addr || g->xfer_to[i] >= g->n_addr)
                abort();
            sink ^= (uint8_t)(g->xfer_tx[i] ^ (uint32_t)g->xfer_time[i]);
        }
    }
}

static void open_and_check(const char *path)
{
    ft_snapshot s;
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_snapshot_open(&s, path, &err);
    if (st != FT_OK) {
        if (s.base != NULL || err.msg[0] == '\0')
            abort();
        return;
    }
    /* the graph first (only its sections are verified), then everything */
    ft_graph g;
    if (ft_snapshot_graph(&s, &g, &err) == FT_OK) {
        if (!g.borrowed)
            abort();
        check_graph(&g);
        ft_graph_release(&g);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    if (ft_snapshot_verify_all(&s, &err) != FT_OK && err.msg[0] == '\0')
        abort();
    for (uint32_t i = 0; i < s.n_sections; i++) {
        const ft_snapshot_section *x = &s.sec[i];
        if (x->offset > s.len || x->bytes > s.len - x->offset || x->offset % FT_SNAPSHOT_ALIGN)
            abort();
        const void *d = NULL;
        uint64_t count = 0;
        if (!ft_snapshot_has(&s, x->name))
            abort();
        if (ft_snapshot_find(&s, x->name, x->elem_size, FT_SNAPSHOT_ANY, &d, &count, &err) ==
            FT_OK) {
            if (count != x->count || !ft_snapshot_verified(&s, x->name))
                abort();
            const uint8_t *b = d;
            for (uint64_t k = 0; k < x->bytes; k++)
                sink ^= b[k];
        }
    }
    ft_snapshot_close(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char dir[4200], path[4352];
    ft_fuzz_subdir(dir, sizeof dir, "snap");
    snprintf(path, sizeof path, "%s/s.ftsnap", dir);
    if ((data[0] & 1) == 0) {
        ft_fuzz_write(dir, "s.ftsnap", data + 1, size - 1);
        open_and_check(path);
        ft_fuzz_rmtree(dir);
        return 0;
    }
    /* sections mode */
    ft_graph empty;
    memset(&empty, 0, sizeof empty);
    uint64_t meta[8];
    ft_snapshot_input in[FT_SNAPSHOT_GRAPH_SECTIONS];
    size_t n = 0;
    ft_snapshot_graph_sections(&empty, meta, in, &n);
    size_t m = ft_fuzz_fill_sections(in, n, data + 1, size - 1);
    ft_err err;
    ft_err_clear(&err);
    if (ft_snapshot_write(path, in, m, &err) != FT_OK)
        abort(); /* valid names and sizes: writing cannot fail */
    open_and_check(path);
    ft_fuzz_rmtree(dir);
    return 0;
}
