/*
 * fuzz_snapshot_account.c — libFuzzer target for the account-chain sections of the snapshot
 * (engine/snapshot.c: ft_snapshot_account_graph), which guard the account tracer against ids
 * out of range in a file whose checksums are valid. First byte selects the mode:
 *   even  the rest is a snapshot file as is, opened, then the graph of chain 37 (dev) loaded;
 *   odd   the rest describes the 12 account sections of chain 37 (ft_snapshot_account_sections'
 *         order), each as a u32le element count then its bytes (meta: always 8 words), written
 *         with ft_snapshot_write so that every checksum is valid and the contents reach the
 *         invariant checks.
 * Whatever the input: a refused graph has an error message and nothing pointed at; an
 * accepted one is borrowed, has at least one address and one asset, and every transfer's
 * sender, recipient, tx (or none), asset, kind and flags are in range (checked again here,
 * independently), and every byte of every array can be read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/account.h"
#include "engine/graph.h"
#include "engine/snapshot.h"
#include "tests/fuzz/fuzz_sections.h"
#include "tests/fuzz/fuzz_util.h"

#include "engine/banned.h"

#define CHAIN 37

static volatile uint8_t sink;

static void touch(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        sink ^= b[i];
}

static void open_and_check(const char *path)
{
    ft_snapshot s;
    ft_err err;
    ft_err_clear(&err);
    if (ft_snapshot_open(&s, path, &err) != FT_OK) {
        if (s.base != NULL || err.msg[0] == '\0')
            abort();
        return;
    }
    ft_graph g;
    ft_status st = ft_snapshot_account_graph(&s, CHAIN, &g, &err);
    if (st != FT_OK) {
        if (err.msg[0] == '\0' || g.xfer_from != NULL || g.n_xfer != 0)
            abort();
    } else {
        if (!g.borrowed || g.model != FT_GRAPH_ACCOUNT || g.chain != CHAIN || g.n_addr == 0 ||
            g.n_asset == 0)
            abort();
        for (uint32_t i = 0; i < g.n_xfer; i++)
            if (g.xfer_from[i] >= g.n_addr || g.xfer_to[i] >= g.n_addr ||
                (g.xfer_tx[i] != FT_GRAPH_NONE && g.xfer_tx[i] >= g.n_atx) ||
                g.xfer_asset[i] >= g.n_asset || g.xfer_kind[i] > FT_XFER_REWARD ||
                (g.xfer_flags[i] & ~FT_XFER_FLAGS_MASK))
                abort();
        touch(g.xfer_time, (size_t)g.n_xfer * 8);
        touch(g.xfer_amount, (size_t)g.n_xfer * 16);
        touch(g.addr_bytes, (size_t)g.n_addr * 20);
        touch(g.asset_addr, (size_t)g.n_asset * 20);
        touch(g.atx_hash, (size_t)g.n_atx * 32);
        ft_graph_release(&g);
    }
    ft_snapshot_close(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char dir[4200], path[4352];
    ft_fuzz_subdir(dir, sizeof dir, "snapacct");
    snprintf(path, sizeof path, "%s/s.ftsnap", dir);
    if ((data[0] & 1) == 0) {
        ft_fuzz_write(dir, "s.ftsnap", data + 1, size - 1);
        open_and_check(path);
        ft_fuzz_rmtree(dir);
        return 0;
    }
    /* sections mode: the names and element sizes of a real account graph's sections */
    ft_graph empty;
    memset(&empty, 0, sizeof empty);
    empty.chain = CHAIN;
    ft_snapshot_account_buf buf;
    ft_snapshot_input in[FT_SNAPSHOT_ACCOUNT_SECTIONS];
    size_t n = 0;
    ft_snapshot_account_sections(&empty, &buf, in, &n);
    size_t m = ft_fuzz_fill_sections(in, n, data + 1, size - 1);
    ft_err err;
    ft_err_clear(&err);
    if (ft_snapshot_write(path, in, m, &err) != FT_OK)
        abort(); /* valid names and sizes: writing cannot fail */
    open_and_check(path);
    ft_fuzz_rmtree(dir);
    return 0;
}
