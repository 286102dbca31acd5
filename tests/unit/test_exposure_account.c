/*
 * test_exposure_account.c — engine/exposure rows of account chains (issue 6): token rows
 * carry their asset in the key, several chains are replaced in one batch.
 *
 * - encode: a Bitcoin row written through ft_exposure_replace_parts has exactly the key of the
 *   original layout (0x50 chain klen addr ilen incident model, no asset part), a native ETH
 *   row too, and a token row ends its key with alen:u8 contract; the by-incident entries the
 *   same; values 0x01 ‖ u128v (an amount above 2^64, as wei amounts are);
 * - decode: ft_exposure_get returns an address's rows in incident, model, asset order (native
 *   first, then tokens by key), each with its asset key (len 0 = native);
 * - one batch: a part with a bad asset index (or a chain given twice) fails with FT_ERR_ARG
 *   and writes nothing, not even the valid part before it;
 * - a re-run of the ETH part drops a token row the new run no longer has, keeps the Bitcoin
 *   rows, and leaves the same records as an index given only the final runs (digest);
 * - a token row whose asset part is malformed (alen 0, trailing bytes) is FT_ERR_CORRUPT.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exposure.h"
#include "engine/keys.h"
#include "engine/store.h"
#include "heuristics/taint.h"
#include "tests/unit/ft_test.h"

#include "engine/banned.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

typedef struct scratch {
    char dir[256];
} scratch;

static void scratch_new(scratch *s)
{
    ft_test_tmpl(s->dir, sizeof s->dir, "ft_test_exposure_account");
    if (!mkdtemp(s->dir)) {
        perror("mkdtemp");
        exit(1);
    }
}

static void scratch_drop(scratch *s)
{
    nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static ft_store *open_in(const scratch *s, const char *name)
{
    char db[300];
    snprintf(db, sizeof db, "%s/%s", s->dir, name);
    ft_store *st = NULL;
    ft_err err;
    if (ft_store_open(&st, db, FT_STORE_WRITE, &err) != FT_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        exit(1);
    }
    return st;
}

static ft_addr_key key20(uint8_t fill)
{
    ft_addr_key k;
    memset(&k, 0, sizeof k);
    k.len = 20;
    memset(k.bytes, fill, 20);
    return k;
}

static ft_exposure_item item(ft_addr_key a, uint32_t inc, uint8_t model, uint32_t asset,
                             ft_u128 amount)
{
    ft_exposure_item x;
    memset(&x, 0, sizeof x);
    x.addr = a;
    x.incident = inc;
    x.model = model;
    x.asset = asset;
    x.amount = amount;
    return x;
}

/* The row key of the grammar, built by hand: as = NULL for no asset part. */
static size_t row_key(uint8_t *k, uint8_t chain, const ft_addr_key *a, const char *inc,
                      uint8_t model, const ft_addr_key *as)
{
    size_t n = 0, il = strlen(inc);
    k[n++] = FT_KEY_EXPOSURE;
    k[n++] = chain;
    k[n++] = a->len;
    memcpy(k + n, a->bytes, a->len);
    n += a->len;
    k[n++] = (uint8_t)il;
    memcpy(k + n, inc, il);
    n += il;
    k[n++] = model;
    if (as) {
        k[n++] = as->len;
        memcpy(k + n, as->bytes, as->len);
        n += as->len;
    }
    return n;
}

static size_t inc_key(uint8_t *k, uint8_t chain, const ft_addr_key *a, const char *inc,
                      uint8_t model, const ft_addr_key *as)
{
    size_t n = 0, il = strlen(inc);
    k[n++] = FT_KEY_EXPOSURE_BY_INC;
    k[n++] = chain;
    k[n++] = (uint8_t)il;
    memcpy(k + n, inc, il);
    n += il;
    k[n++] = a->len;
    memcpy(k + n, a->bytes, a->len);
    n += a->len;
    k[n++] = model;
    if (as) {
        k[n++] = as->len;
        memcpy(k + n, as->bytes, as->len);
        n += as->len;
    }
    return n;
}

/* 1 when the store holds key with exactly the value want[0..wl). */
static int has_value(ft_store *st, const uint8_t *key, size_t kl, const uint8_t *want, size_t wl)
{
    uint8_t *v = NULL;
    size_t vl = 0;
    ft_err err;
    if (ft_store_get(st, key, kl, &v, &vl, &err) != FT_OK)
        return 0;
    int ok = vl == wl && memcmp(v, want, wl) == 0;
    free(v);
    return ok;
}

/* 1 when the store holds key (any value). */
static int has_key(ft_store *st, const uint8_t *key, size_t kl)
{
    uint8_t *v = NULL;
    size_t vl = 0;
    ft_err err;
    ft_status rc = ft_store_get(st, key, kl, &v, &vl, &err);
    free(v);
    return rc == FT_OK;
}

static const ft_u128 BIG = ((ft_u128)1 << 64) + 0x0102; /* 1 0000000000000102 (17 digits hex) */

/* The runs used below: Bitcoin (one incident, rows of two addresses) and dev (two incidents,
 * native and token rows; tokens T1 = 0x11…, T2 = 0x0f…: T2 sorts first, same length). */
static ft_addr_key BTC_A, BTC_B, ETH_A, ETH_B, T1, T2;
static const char *const btc_names[] = {"btc-1"};
static const char *const eth_names[] = {"eth-b", "eth-a"};

static void setup_keys(void)
{
    memset(&BTC_A, 0, sizeof BTC_A);
    BTC_A.len = 21;
    BTC_A.bytes[0] = 1;
    memset(BTC_A.bytes + 1, 0xaa, 20);
    BTC_B = BTC_A;
    memset(BTC_B.bytes + 1, 0xbb, 20);
    ETH_A = key20(0xaa); /* same 20 bytes as BTC_A's hash: other chain, other length */
    ETH_B = key20(0xbb);
    T1 = key20(0x11);
    T2 = key20(0x0f);
}

static ft_status write_both(ft_store *st, const ft_exposure_item *eth_items, size_t n_eth,
                            ft_err *err)
{
    ft_exposure_item btc[] = {item(BTC_A, 0, FT_TAINT_HAIRCUT, 0, 700),
                              item(BTC_B, 0, FT_TAINT_FIFO, 0, 42)};
    ft_exposure_run brun = {.models = 7, .max_hops = UINT32_MAX, .min_value = 0};
    ft_exposure_run erun = {.models = 7, .max_hops = 5, .min_value = BIG};
    const ft_addr_key assets[] = {T1, T2};
    ft_exposure_part p[2];
    memset(p, 0, sizeof p);
    p[0].chain = FT_CHAIN_BTC;
    p[0].names = btc_names;
    p[0].n_names = 1;
    p[0].run = &brun;
    p[0].items = btc;
    p[0].n_items = 2;
    p[1].chain = FT_CHAIN_EVMDEV;
    p[1].names = eth_names;
    p[1].n_names = 2;
    p[1].run = &erun;
    p[1].assets = assets;
    p[1].n_assets = 2;
    p[1].items = eth_items;
    p[1].n_items = n_eth;
    return ft_exposure_replace_parts(st, p, 2, err);
}

static void test_encode_decode(void)
{
    setup_keys();
    scratch sc;
    scratch_new(&sc);
    ft_store *st = open_in(&sc, "db");
    ft_err err;
    /* items out of order on purpose; asset 1 = T1, 2 = T2 */
    ft_exposure_item eth[] = {
        item(ETH_A, 1, FT_TAINT_POISON, 1, 5),  item(ETH_A, 1, FT_TAINT_POISON, 0, BIG),
        item(ETH_A, 1, FT_TAINT_POISON, 2, 7),  item(ETH_A, 0, FT_TAINT_FIFO, 1, 9),
        item(ETH_A, 1, FT_TAINT_HAIRCUT, 0, 3), item(ETH_B, 0, FT_TAINT_FIFO, 2, 0), /* zero */
        item(ETH_B, 0, FT_TAINT_POISON, 2, 11),
    };
    CHECK(write_both(st, eth, sizeof eth / sizeof eth[0], &err) == FT_OK);

    uint8_t k[200];
    /* Bitcoin: the original layout, byte for byte */
    const uint8_t v700[] = {0x01, 0x02, 0x02, 0xbc};
    CHECK(has_value(st, k, row_key(k, FT_CHAIN_BTC, &BTC_A, "btc-1", FT_TAINT_HAIRCUT, NULL), v700,
                    sizeof v700));
    const uint8_t one[] = {0x01};
    CHECK(has_value(st, k, inc_key(k, FT_CHAIN_BTC, &BTC_A, "btc-1", FT_TAINT_HAIRCUT, NULL), one,
                    1));
    /* native ETH row: no asset part; 2^64 + 0x0102 as 9 big-endian bytes */
    const uint8_t vbig[] = {0x01, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0x01, 0x02};
    CHECK(has_value(st, k, row_key(k, FT_CHAIN_EVMDEV, &ETH_A, "eth-a", FT_TAINT_POISON, NULL),
                    vbig, sizeof vbig));
    /* token rows: alen:u8 contract after the model */
    const uint8_t v5[] = {0x01, 0x01, 0x05};
    CHECK(has_value(st, k, row_key(k, FT_CHAIN_EVMDEV, &ETH_A, "eth-a", FT_TAINT_POISON, &T1), v5,
                    sizeof v5));
    CHECK(has_value(st, k, inc_key(k, FT_CHAIN_EVMDEV, &ETH_A, "eth-a", FT_TAINT_POISON, &T1), one,
                    1));
    /* the zero row is not stored */
    CHECK(!has_key(st, k, row_key(k, FT_CHAIN_EVMDEV, &ETH_B, "eth-b", FT_TAINT_FIFO, &T2)));
    CHECK(has_key(st, k, row_key(k, FT_CHAIN_EVMDEV, &ETH_B, "eth-b", FT_TAINT_POISON, &T2)));

    /* decode: ETH_A's rows in incident ("eth-a" < "eth-b"), model, asset order */
    ft_exposure_set s = {0};
    CHECK(ft_exposure_get(st, FT_CHAIN_EVMDEV, &ETH_A, &s, &err) == FT_OK);
    CHECK_EQ_U64(s.n, 5);
    if (s.n == 5) {
        static const char *const inc[] = {"eth-a", "eth-a", "eth-a", "eth-a", "eth-b"};
        static const uint8_t model[] = {FT_TAINT_POISON, FT_TAINT_POISON, FT_TAINT_POISON,
                                        FT_TAINT_HAIRCUT, FT_TAINT_FIFO};
        const ft_addr_key *asset[] = {NULL, &T2, &T1, NULL, &T1};
        const ft_u128 amount[] = {BIG, 7, 5, 3, 9};
        for (size_t i = 0; i < 5; i++) {
            CHECK_STR(s.v[i].incident, inc[i]);
            CHECK_EQ_U64(s.v[i].model, model[i]);
            CHECK(s.v[i].amount == amount[i]);
            if (asset[i])
                CHECK(s.v[i].asset.len == 20 &&
                      memcmp(s.v[i].asset.bytes, asset[i]->bytes, 20) == 0);
            else
                CHECK_EQ_U64(s.v[i].asset.len, 0);
        }
    }
    ft_exposure_set_release(&s);
    /* Bitcoin rows read back as before, native */
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &BTC_A, &s, &err) == FT_OK);
    CHECK(s.n == 1 && s.v[0].amount == 700 && s.v[0].asset.len == 0 &&
          s.v[0].model == FT_TAINT_HAIRCUT);
    ft_exposure_set_release(&s);
    /* the ETH bytes under the Bitcoin chain: nothing */
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &ETH_A, &s, &err) == FT_OK && s.n == 0);
    ft_exposure_set_release(&s);
    /* run records per chain, with their row counts */
    ft_exposure_run run;
    CHECK(ft_exposure_run_get(st, FT_CHAIN_EVMDEV, "eth-a", &run, &err) == FT_OK);
    CHECK(run.n_rows == 4 && run.max_hops == 5 && run.min_value == BIG);
    CHECK(ft_exposure_run_get(st, FT_CHAIN_EVMDEV, "eth-b", &run, &err) == FT_OK);
    CHECK_EQ_U64(run.n_rows, 2);
    CHECK(ft_exposure_run_get(st, FT_CHAIN_BTC, "btc-1", &run, &err) == FT_OK);
    CHECK_EQ_U64(run.n_rows, 2);
    ft_store_close(st);
    scratch_drop(&sc);
}

static void test_one_batch(void)
{
    setup_keys();
    scratch sc;
    scratch_new(&sc);
    ft_store *st = open_in(&sc, "db");
    ft_err err;
    uint8_t d0[32], d1[32];
    CHECK(ft_store_digest(st, d0, &err) == FT_OK);
    /* asset 3 of a part with 2 assets: the whole call fails, the Bitcoin part included */
    ft_exposure_item bad[] = {item(ETH_A, 0, FT_TAINT_FIFO, 3, 1)};
    CHECK(write_both(st, bad, 1, &err) == FT_ERR_ARG);
    CHECK(strstr(err.msg, "asset") != NULL);
    /* the same (address, incident, model, asset) twice */
    ft_exposure_item dup[] = {item(ETH_A, 0, FT_TAINT_FIFO, 1, 1),
                              item(ETH_A, 0, FT_TAINT_FIFO, 1, 2)};
    CHECK(write_both(st, dup, 2, &err) == FT_ERR_ARG);
    /* one chain in two parts */
    ft_exposure_part p[2];
    memset(p, 0, sizeof p);
    p[0].chain = p[1].chain = FT_CHAIN_EVMDEV;
    p[0].names = p[1].names = eth_names;
    p[0].n_names = p[1].n_names = 1;
    CHECK(ft_exposure_replace_parts(st, p, 2, &err) == FT_ERR_ARG);
    /* an asset key of length 0 */
    ft_addr_key none;
    memset(&none, 0, sizeof none);
    p[0].assets = &none;
    p[0].n_assets = 1;
    CHECK(ft_exposure_replace_parts(st, p, 1, &err) == FT_ERR_ARG);
    CHECK(ft_store_digest(st, d1, &err) == FT_OK);
    CHECK(memcmp(d0, d1, 32) == 0);
    ft_store_close(st);
    scratch_drop(&sc);
}

static void test_rerun(void)
{
    setup_keys();
    scratch sc;
    scratch_new(&sc);
    ft_store *st = open_in(&sc, "db");
    ft_err err;
    ft_exposure_item first[] = {
        item(ETH_A, 1, FT_TAINT_POISON, 0, BIG), item(ETH_A, 1, FT_TAINT_POISON, 1, 5),
        item(ETH_A, 1, FT_TAINT_POISON, 2, 7), item(ETH_B, 0, FT_TAINT_FIFO, 2, 11)};
    CHECK(write_both(st, first, 4, &err) == FT_OK);
    /* the second run: eth-a's T1 row is gone, its T2 row changed, eth-b's row kept as is */
    ft_exposure_item second[] = {item(ETH_A, 1, FT_TAINT_POISON, 0, BIG),
                                 item(ETH_A, 1, FT_TAINT_POISON, 2, 8),
                                 item(ETH_B, 0, FT_TAINT_FIFO, 2, 11)};
    CHECK(write_both(st, second, 3, &err) == FT_OK);
    ft_exposure_set s = {0};
    CHECK(ft_exposure_get(st, FT_CHAIN_EVMDEV, &ETH_A, &s, &err) == FT_OK);
    CHECK_EQ_U64(s.n, 2);
    if (s.n == 2) {
        CHECK(s.v[0].asset.len == 0 && s.v[0].amount == BIG);
        CHECK(s.v[1].asset.len == 20 && s.v[1].asset.bytes[0] == 0x0f && s.v[1].amount == 8);
    }
    ft_exposure_set_release(&s);
    uint8_t k[200];
    CHECK(!has_key(st, k, inc_key(k, FT_CHAIN_EVMDEV, &ETH_A, "eth-a", FT_TAINT_POISON, &T1)));
    CHECK(!has_key(st, k, row_key(k, FT_CHAIN_EVMDEV, &ETH_A, "eth-a", FT_TAINT_POISON, &T1)));
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &BTC_B, &s, &err) == FT_OK);
    CHECK(s.n == 1 && s.v[0].amount == 42);
    ft_exposure_set_release(&s);
    uint8_t d1[32], d2[32];
    CHECK(ft_store_digest(st, d1, &err) == FT_OK);
    ft_store_close(st);
    /* the final state written into an empty index: the same records */
    ft_store *st2 = open_in(&sc, "db2");
    CHECK(write_both(st2, second, 3, &err) == FT_OK);
    CHECK(ft_store_digest(st2, d2, &err) == FT_OK);
    CHECK(memcmp(d1, d2, 32) == 0);
    ft_store_close(st2);
    scratch_drop(&sc);
}

static void test_corrupt(void)
{
    setup_keys();
    scratch sc;
    scratch_new(&sc);
    ft_store *st = open_in(&sc, "db");
    ft_err err;
    uint8_t k[200];
    const uint8_t v5[] = {0x01, 0x01, 0x05};
    /* alen 0 after the model */
    size_t n = row_key(k, FT_CHAIN_EVMDEV, &ETH_A, "eth-a", FT_TAINT_FIFO, NULL);
    k[n++] = 0;
    ft_store_batch *b = ft_store_batch_new();
    ft_store_batch_put(b, k, n, v5, sizeof v5);
    CHECK(ft_store_batch_commit(st, b, 0, &err) == FT_OK);
    ft_exposure_set s = {0};
    CHECK(ft_exposure_get(st, FT_CHAIN_EVMDEV, &ETH_A, &s, &err) == FT_ERR_CORRUPT && s.n == 0);
    CHECK(strstr(err.msg, "corrupt exposure record") != NULL);
    ft_exposure_set_release(&s);
    /* a token part with a byte after it */
    n = row_key(k, FT_CHAIN_EVMDEV, &ETH_B, "eth-a", FT_TAINT_FIFO, &T1);
    k[n++] = 0x00;
    ft_store_batch_clear(b);
    ft_store_batch_put(b, k, n, v5, sizeof v5);
    CHECK(ft_store_batch_commit(st, b, 0, &err) == FT_OK);
    CHECK(ft_exposure_get(st, FT_CHAIN_EVMDEV, &ETH_B, &s, &err) == FT_ERR_CORRUPT && s.n == 0);
    ft_exposure_set_release(&s);
    /* a by-incident entry with a short asset part: replacing that incident fails */
    n = inc_key(k, FT_CHAIN_EVMDEV, &ETH_A, "eth-b", FT_TAINT_FIFO, &T1);
    n -= 3;
    const uint8_t one[] = {0x01};
    ft_store_batch_clear(b);
    ft_store_batch_put(b, k, n, one, 1);
    CHECK(ft_store_batch_commit(st, b, 0, &err) == FT_OK);
    ft_store_batch_free(b);
    ft_exposure_item none[1];
    memset(none, 0, sizeof none);
    CHECK(write_both(st, none, 0, &err) == FT_ERR_CORRUPT);
    CHECK(strstr(err.msg, "incident 'eth-b'") != NULL);
    ft_store_close(st);
    scratch_drop(&sc);
}

FT_TEST_MAIN({"encode_decode", test_encode_decode}, {"one_batch", test_one_batch},
             {"rerun", test_rerun}, {"corrupt", test_corrupt})
