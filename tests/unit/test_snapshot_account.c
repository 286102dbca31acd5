/*
 * test_snapshot_account.c — the account-chain sections of the snapshot (engine/snapshot.c:
 * ft_snapshot_account_sections / ft_snapshot_account_graph) on the real account graph of the
 * bundled Ethereum sample (datasets/sample/ethereum indexed into a fresh store, loaded with
 * ft_graph_load_account).
 *
 * Round trip: every array read back from the mapping equals the loaded graph byte for byte
 * (transfers, kinds, flags, assets, 128-bit amounts, address bytes, token contracts, tx
 * hashes), the counts too, the lookup arrays are absent, the graph is borrowed; an amount
 * above 2^64 survives. Lazy: nothing is verified at open, loading the chain verifies its 12
 * sections and not another section. Another chain byte is FT_ERR_NOTFOUND. Damage: a flipped
 * byte in each of the 12 sections is FT_ERR_CORRUPT naming that section; a missing section
 * names it; valid checksums with impossible contents (a recipient, tx, asset, kind or flag
 * out of range, no native asset) are FT_ERR_CORRUPT "impossible";
 * every proper prefix of the file is refused at open.
 * The end-to-end comparison with tracing from the index is tests/cli/snapshot_eth.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chains/ethereum/etl.h"
#include "chains/ethereum/params.h"
#include "engine/account.h"
#include "engine/graph.h"
#include "engine/snapshot.h"
#include "engine/store.h"
#include "ft_test.h"

#include "engine/banned.h"

static char dir[64];

static const char *tmp_path(const char *name)
{
    static char p[4][256];
    static int k;
    char *o = p[k++ & 3];
    snprintf(o, 256, "%s/%s", dir, name);
    return o;
}

/* The sample's account graph (the store is closed again). 0 on failure. */
static int load_sample(ft_graph *g, const ft_eth_params **pp)
{
    static int calls;
    if (!dir[0]) {
        ft_test_tmpl(dir, sizeof dir, "ft_test_snapshot_account");
        if (!mkdtemp(dir)) {
            dir[0] = '\0';
            return 0;
        }
    }
    char db[16];
    snprintf(db, sizeof db, "db%d", calls++);
    ft_store *st = NULL;
    ft_err err;
    ft_err_clear(&err);
    if (ft_store_open(&st, tmp_path(db), FT_STORE_WRITE, &err) != FT_OK)
        return 0;
    const ft_eth_params *p = ft_eth_params_by_name("dev");
    ft_eth_index_stats stats;
    int ok = p &&
             ft_eth_index_etl(st, p, ft_test_path("source", "datasets/sample/ethereum"), &stats,
                              &err) == FT_OK &&
             ft_graph_load_account(g, st, p->chain_byte, &err) == FT_OK;
    if (!ok)
        fprintf(stderr, "  sample: %s\n", err.msg);
    ft_store_close(st);
    *pp = p;
    return ok;
}

/* Writes g's sections (plus one unrelated section) to path. */
static void write_graph(const char *path, const ft_graph *g, const char *skip)
{
    ft_snapshot_account_buf buf;
    ft_snapshot_input in[FT_SNAPSHOT_ACCOUNT_SECTIONS + 1];
    size_t n = 0;
    ft_snapshot_account_sections(g, &buf, in, &n);
    CHECK(n == FT_SNAPSHOT_ACCOUNT_SECTIONS);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!skip || strcmp(in[i].name, skip) != 0)
            in[k++] = in[i];
    static const char other[] = "another section";
    in[k++] = (ft_snapshot_input){"other", 1, sizeof other, other};
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_snapshot_write(path, in, k, &err) == FT_OK);
}

static int same(const void *a, const void *b, size_t n)
{
    return n == 0 || (a && b && memcmp(a, b, n) == 0);
}

static void check_equal(const ft_graph *a, const ft_graph *b)
{
    CHECK(b->model == FT_GRAPH_ACCOUNT && b->chain == a->chain && b->borrowed == 1);
    CHECK_EQ_U64(b->n_addr, a->n_addr);
    CHECK_EQ_U64(b->n_xfer, a->n_xfer);
    CHECK_EQ_U64(b->n_asset, a->n_asset);
    CHECK_EQ_U64(b->n_atx, a->n_atx);
    size_t nx = a->n_xfer;
    CHECK(same(a->xfer_from, b->xfer_from, nx * 4));
    CHECK(same(a->xfer_to, b->xfer_to, nx * 4));
    CHECK(same(a->xfer_tx, b->xfer_tx, nx * 4));
    CHECK(same(a->xfer_time, b->xfer_time, nx * 8));
    CHECK(same(a->xfer_kind, b->xfer_kind, nx));
    CHECK(same(a->xfer_flags, b->xfer_flags, nx));
    CHECK(same(a->xfer_asset, b->xfer_asset, nx * 4));
    CHECK(same(a->xfer_amount, b->xfer_amount, nx * 16));
    CHECK(same(a->addr_bytes, b->addr_bytes, (size_t)a->n_addr * 20));
    CHECK(same(a->asset_addr, b->asset_addr, (size_t)a->n_asset * 20));
    CHECK(same(a->atx_hash, b->atx_hash, (size_t)a->n_atx * 32));
    CHECK(b->addr_sorted == NULL && b->atx_sorted == NULL && b->atx_first == NULL);
}

static void test_round_trip(void)
{
    ft_graph g;
    const ft_eth_params *p = NULL;
    CHECK(load_sample(&g, &p));
    if (!p)
        return;
    /* the sample as test_graph_account knows it: 16 txs, ETH and one token */
    CHECK(g.n_atx == 16 && g.n_asset == 2 && g.n_xfer == 45);
    const char *path = tmp_path("a.ftsnap");
    write_graph(path, &g, NULL);
    ft_snapshot s;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    char amt[FT_SNAPSHOT_NAME_MAX];
    ft_snapshot_account_name(amt, p->chain_byte, "xfer_amount");
    CHECK(ft_snapshot_has(&s, amt) && !ft_snapshot_verified(&s, amt));
    ft_graph h;
    CHECK(ft_snapshot_account_graph(&s, p->chain_byte, &h, &err) == FT_OK);
    check_equal(&g, &h);
    CHECK(ft_snapshot_verified(&s, amt) && !ft_snapshot_verified(&s, "other"));
    ft_graph_release(&h); /* borrowed: frees nothing */
    CHECK(ft_snapshot_account_graph(&s, (uint8_t)(p->chain_byte + 1), &h, &err) == FT_ERR_NOTFOUND);
    ft_snapshot_close(&s);

    /* an amount above 2^64 (a token's) survives */
    ft_u128 *big = malloc((size_t)g.n_xfer * sizeof *big);
    CHECK(big != NULL);
    if (big) {
        memcpy(big, g.xfer_amount, (size_t)g.n_xfer * sizeof *big);
        big[g.n_xfer - 1] = ((ft_u128)1 << 100) + 12345;
        ft_graph gb = g;
        gb.xfer_amount = big;
        write_graph(path, &gb, NULL);
        CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
        CHECK(ft_snapshot_account_graph(&s, p->chain_byte, &h, &err) == FT_OK);
        CHECK(h.xfer_amount && h.xfer_amount[g.n_xfer - 1] == ((ft_u128)1 << 100) + 12345);
        ft_snapshot_close(&s);
        free(big);
    }
    ft_graph_release(&g);
}

/* Expects chain's graph in path to be refused with `want` in the message. */
static void expect_refused(const char *path, uint8_t chain, const char *want)
{
    ft_snapshot s;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    ft_graph h;
    ft_status st = ft_snapshot_account_graph(&s, chain, &h, &err);
    CHECK(st == FT_ERR_CORRUPT);
    CHECK(h.xfer_to == NULL && h.n_xfer == 0);
    if (!strstr(err.msg, want) || !strstr(err.msg, path)) {
        fprintf(stderr, "  message '%s' lacks '%s'\n", err.msg, want);
        CHECK(0);
    }
    ft_snapshot_close(&s);
}

static void test_damage(void)
{
    ft_graph g;
    const ft_eth_params *p = NULL;
    CHECK(load_sample(&g, &p));
    if (!p)
        return;
    uint8_t b = p->chain_byte;
    const char *path = tmp_path("d.ftsnap"), *bad = tmp_path("bad.ftsnap");
    write_graph(path, &g, NULL);
    size_t n = 0;
    uint8_t *file = ft_test_read(path, &n);
    CHECK(file != NULL);
    if (!file)
        return;
    /* a flipped byte in each section */
    ft_snapshot s;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    for (uint32_t i = 0; i < s.n_sections; i++) {
        const ft_snapshot_section *x = &s.sec[i];
        if (strcmp(x->name, "other") == 0 || x->bytes == 0)
            continue;
        size_t at = (size_t)(x->offset + x->bytes / 2);
        file[at] ^= 0x10;
        FILE *f = fopen(bad, "wb");
        CHECK(f && fwrite(file, 1, n, f) == n);
        if (f)
            fclose(f);
        file[at] ^= 0x10;
        char want[128];
        snprintf(want, sizeof want, "section '%s' checksum mismatch", x->name);
        expect_refused(bad, b, want);
    }
    ft_snapshot_close(&s);
    /* every proper prefix is refused at open */
    int refused = 1;
    for (size_t cut = 0; cut < n; cut += cut < 256 ? 1 : 61) {
        FILE *f = fopen(bad, "wb");
        CHECK(f && fwrite(file, 1, cut, f) == cut);
        if (f)
            fclose(f);
        ft_snapshot t;
        if (ft_snapshot_open(&t, bad, &err) != FT_ERR_CORRUPT)
            refused = 0;
    }
    CHECK(refused);
    free(file);

    /* a missing section */
    char miss[FT_SNAPSHOT_NAME_MAX];
    ft_snapshot_account_name(miss, b, "atx_hash");
    write_graph(bad, &g, miss);
    expect_refused(bad, b, "has no section 'acct");

    /* valid checksums, impossible contents */
    size_t nx = g.n_xfer;
    uint32_t *u = malloc(nx * 4);
    uint8_t *k = malloc(nx);
    CHECK(u && k);
    if (u && k) {
        static const struct {
            int field; /* 0 to, 1 tx, 2 asset, 3 kind, 4 flags */
            uint32_t value;
        } cases[] = {{0, 0}, {1, 0}, {2, 0}, {3, FT_XFER_REWARD + 1}, {4, 0x80}};
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            ft_graph h = g;
            uint32_t v = cases[c].value;
            switch (cases[c].field) {
            case 0:
                memcpy(u, g.xfer_to, nx * 4);
                u[nx / 2] = g.n_addr;
                h.xfer_to = u;
                break;
            case 1:
                memcpy(u, g.xfer_tx, nx * 4);
                u[nx / 2] = g.n_atx;
                h.xfer_tx = u;
                break;
            case 2:
                memcpy(u, g.xfer_asset, nx * 4);
                u[nx / 2] = g.n_asset;
                h.xfer_asset = u;
                break;
            case 3:
                memcpy(k, g.xfer_kind, nx);
                k[nx / 2] = (uint8_t)v;
                h.xfer_kind = k;
                break;
            default:
                memcpy(k, g.xfer_flags, nx);
                k[nx / 2] = (uint8_t)v;
                h.xfer_flags = k;
                break;
            }
            write_graph(bad, &h, NULL);
            expect_refused(bad, b, "impossible account graph");
        }
        /* no native asset */
        ft_graph h = g;
        h.n_asset = 0;
        write_graph(bad, &h, NULL);
        expect_refused(bad, b, "impossible account graph");
    }
    free(u);
    free(k);
    ft_graph_release(&g);
}

static void cleanup(void)
{
    if (!dir[0])
        return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
    dir[0] = '\0';
}

static void test_cleanup(void)
{
    cleanup();
}

FT_TEST_MAIN({"round_trip", test_round_trip}, {"damage", test_damage}, {"cleanup", test_cleanup})
