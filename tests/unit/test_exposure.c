/*
 * test_exposure.c — engine/exposure: stored per-address exposure.
 *
 * - replace then get: rows of an address in incident, model order with exact 128-bit
 *   amounts (one above 2^64), zero amounts not stored, run records with their row counts;
 * - a second replace of one incident removes that incident's old rows (also of models the
 *   new run did not produce) and leaves the other incident's rows alone; the store then
 *   holds exactly the records a fresh index given only the final runs would hold (same
 *   content digest), so re-running never duplicates;
 * - bad input (a duplicate row, a model out of range, an incident index out of range, an
 *   empty name) is FT_ERR_ARG and writes nothing;
 * - a damaged row value and a damaged by-incident record are FT_ERR_CORRUPT.
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

static char scratch[256];

static ft_store *fresh_store(const char *name)
{
    ft_test_tmpl(scratch, sizeof scratch, "ft_test_exposure");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        exit(1);
    }
    char db[300];
    snprintf(db, sizeof db, "%s/%s", scratch, name);
    ft_store *st = NULL;
    ft_err err;
    if (ft_store_open(&st, db, FT_STORE_WRITE, &err) != FT_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        exit(1);
    }
    return st;
}

static void drop_store(ft_store *st)
{
    ft_store_close(st);
    nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static ft_addr_key key_of(uint8_t kind, uint8_t fill)
{
    ft_addr_key k;
    memset(&k, 0, sizeof k);
    k.len = 21;
    k.bytes[0] = kind;
    memset(k.bytes + 1, fill, 20);
    return k;
}

static ft_exposure_item item(ft_addr_key a, uint32_t inc, uint8_t model, ft_u128 amount)
{
    ft_exposure_item x;
    memset(&x, 0, sizeof x);
    x.addr = a;
    x.incident = inc;
    x.model = model;
    x.amount = amount;
    return x;
}

static const char *const names2[] = {"inc-b", "inc-a"};

/* The first run: two incidents, two addresses. */
static void first_run(ft_store *st, ft_addr_key a, ft_addr_key b)
{
    const ft_u128 big = ((ft_u128)1 << 64) + 5; /* beyond 64 bits: wei-sized */
    ft_exposure_item items[] = {
        item(a, 0, FT_TAINT_HAIRCUT, 700), item(a, 0, FT_TAINT_POISON, 1000),
        item(a, 1, FT_TAINT_FIFO, big),    item(b, 0, FT_TAINT_POISON, 0), /* zero: skipped */
        item(b, 0, FT_TAINT_FIFO, 42),
    };
    ft_exposure_run run = {.models = 7, .max_hops = 9, .min_value = 1000};
    ft_err err;
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, names2, 2, &run, items, 5, &err) == FT_OK);
}

static void test_replace_and_get(void)
{
    ft_store *st = fresh_store("db");
    ft_addr_key a = key_of(1, 0xaa), b = key_of(1, 0xbb), c = key_of(2, 0xaa);
    ft_err err;
    int any = -1;
    CHECK(ft_exposure_any(st, FT_CHAIN_BTC, &any, &err) == FT_OK && any == 0);
    first_run(st, a, b);
    CHECK(ft_exposure_any(st, FT_CHAIN_BTC, &any, &err) == FT_OK && any == 1);
    CHECK(ft_exposure_any(st, FT_CHAIN_ETH, &any, &err) == FT_OK && any == 0);

    ft_exposure_set s = {0};
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &a, &s, &err) == FT_OK);
    CHECK_EQ_U64(s.n, 3);
    if (s.n == 3) {
        /* key order: incident text ("inc-a" < "inc-b"), then model code */
        CHECK_STR(s.v[0].incident, "inc-a");
        CHECK_EQ_U64(s.v[0].model, FT_TAINT_FIFO);
        CHECK(s.v[0].amount == ((ft_u128)1 << 64) + 5);
        CHECK_STR(s.v[1].incident, "inc-b");
        CHECK_EQ_U64(s.v[1].model, FT_TAINT_POISON);
        CHECK(s.v[1].amount == 1000);
        CHECK_STR(s.v[2].incident, "inc-b");
        CHECK_EQ_U64(s.v[2].model, FT_TAINT_HAIRCUT);
        CHECK(s.v[2].amount == 700);
    }
    ft_exposure_set_release(&s);
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &b, &s, &err) == FT_OK);
    CHECK(s.n == 1 && s.v[0].model == FT_TAINT_FIFO && s.v[0].amount == 42);
    ft_exposure_set_release(&s);
    /* same bytes after the kind byte, another key: nothing; another chain: nothing */
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &c, &s, &err) == FT_OK && s.n == 0);
    CHECK(ft_exposure_get(st, FT_CHAIN_ETH, &a, &s, &err) == FT_OK && s.n == 0);
    ft_exposure_set_release(&s);

    ft_exposure_run run;
    CHECK(ft_exposure_run_get(st, FT_CHAIN_BTC, "inc-b", &run, &err) == FT_OK);
    CHECK(run.models == 7 && run.max_hops == 9 && run.min_value == 1000);
    CHECK_EQ_U64(run.n_rows, 3);
    CHECK(ft_exposure_run_get(st, FT_CHAIN_BTC, "inc-a", &run, &err) == FT_OK);
    CHECK_EQ_U64(run.n_rows, 1);
    CHECK(ft_exposure_run_get(st, FT_CHAIN_BTC, "inc-c", &run, &err) == FT_ERR_NOTFOUND);
    drop_store(st);
}

static void test_rerun_replaces(void)
{
    ft_addr_key a = key_of(1, 0xaa), b = key_of(1, 0xbb), d = key_of(3, 0x01);
    ft_err err;
    /* index 1: the first run, then inc-b again with other figures and one model only */
    ft_store *st = fresh_store("db");
    first_run(st, a, b);
    const char *const only_b[] = {"inc-b"};
    ft_exposure_item again[] = {item(a, 0, FT_TAINT_FIFO, 650), item(d, 0, FT_TAINT_FIFO, 50)};
    ft_exposure_run run = {.models = 1u << FT_TAINT_FIFO, .max_hops = UINT32_MAX};
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, only_b, 1, &run, again, 2, &err) == FT_OK);
    /* and the same run once more: nothing may change */
    uint8_t d1[32], d2[32], d3[32];
    CHECK(ft_store_digest(st, d1, &err) == FT_OK);
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, only_b, 1, &run, again, 2, &err) == FT_OK);
    CHECK(ft_store_digest(st, d2, &err) == FT_OK);
    CHECK(memcmp(d1, d2, 32) == 0);

    ft_exposure_set s = {0};
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &a, &s, &err) == FT_OK);
    CHECK_EQ_U64(s.n, 2); /* inc-a fifo (kept), inc-b fifo (new); inc-b poison/haircut gone */
    if (s.n == 2) {
        CHECK(strcmp(s.v[0].incident, "inc-a") == 0 && s.v[0].model == FT_TAINT_FIFO);
        CHECK(strcmp(s.v[1].incident, "inc-b") == 0 && s.v[1].model == FT_TAINT_FIFO &&
              s.v[1].amount == 650);
    }
    ft_exposure_set_release(&s);
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &b, &s, &err) == FT_OK && s.n == 0);
    ft_exposure_set_release(&s);
    CHECK(ft_exposure_run_get(st, FT_CHAIN_BTC, "inc-b", &run, &err) == FT_OK);
    CHECK(run.n_rows == 2 && run.models == 1u << FT_TAINT_FIFO && run.min_value == 0);

    /* index 2: only the final state written directly: the same records */
    ft_store_close(st);
    char keep[256];
    snprintf(keep, sizeof keep, "%s", scratch);
    ft_store *st2 = fresh_store("db2");
    const ft_u128 big = ((ft_u128)1 << 64) + 5;
    ft_exposure_item a_only[] = {item(a, 1, FT_TAINT_FIFO, big)};
    ft_exposure_run run7 = {.models = 7, .max_hops = 9, .min_value = 1000};
    /* inc-a as in the first run (its run record says 7 models, 1 row), then inc-b */
    CHECK(ft_exposure_replace(st2, FT_CHAIN_BTC, names2, 2, &run7, a_only, 1, &err) == FT_OK);
    CHECK(ft_exposure_replace(st2, FT_CHAIN_BTC, only_b, 1, &run, again, 2, &err) == FT_OK);
    CHECK(ft_store_digest(st2, d3, &err) == FT_OK);
    CHECK(memcmp(d1, d3, 32) == 0);
    drop_store(st2);
    snprintf(scratch, sizeof scratch, "%s", keep);
    nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_bad_input(void)
{
    ft_store *st = fresh_store("db");
    ft_addr_key a = key_of(1, 0xaa);
    ft_err err;
    uint8_t d0[32], d1[32];
    CHECK(ft_store_digest(st, d0, &err) == FT_OK);
    ft_exposure_item dup[] = {item(a, 0, FT_TAINT_FIFO, 1), item(a, 1, FT_TAINT_FIFO, 2),
                              item(a, 0, FT_TAINT_FIFO, 3)};
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, names2, 2, NULL, dup, 3, &err) == FT_ERR_ARG);
    CHECK(strstr(err.msg, "two rows") != NULL);
    ft_exposure_item bad_model[] = {item(a, 0, FT_TAINT_MODELS, 1)};
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, names2, 2, NULL, bad_model, 1, &err) == FT_ERR_ARG);
    ft_exposure_item bad_inc[] = {item(a, 2, FT_TAINT_FIFO, 1)};
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, names2, 2, NULL, bad_inc, 1, &err) == FT_ERR_ARG);
    const char *const empty[] = {""};
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, empty, 1, NULL, NULL, 0, &err) == FT_ERR_ARG);
    const char *const twice[] = {"x", "x"};
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, twice, 2, NULL, NULL, 0, &err) == FT_ERR_ARG);
    CHECK(ft_store_digest(st, d1, &err) == FT_OK);
    CHECK(memcmp(d0, d1, 32) == 0);
    drop_store(st);
}

static void test_corrupt(void)
{
    ft_store *st = fresh_store("db");
    ft_addr_key a = key_of(1, 0xaa), b = key_of(1, 0xbb);
    ft_err err;
    first_run(st, a, b);
    /* a row value with a leading zero byte in its amount */
    uint8_t k[64];
    size_t n = 0;
    k[n++] = FT_KEY_EXPOSURE;
    k[n++] = FT_CHAIN_BTC;
    k[n++] = b.len;
    memcpy(k + n, b.bytes, b.len);
    n += b.len;
    k[n++] = 5;
    memcpy(k + n, "inc-b", 5);
    n += 5;
    k[n++] = FT_TAINT_FIFO;
    const uint8_t bad_val[] = {0x01, 0x02, 0x00, 0x2a};
    ft_store_batch *bt = ft_store_batch_new();
    ft_store_batch_put(bt, k, n, bad_val, sizeof bad_val);
    CHECK(ft_store_batch_commit(st, bt, 0, &err) == FT_OK);
    ft_exposure_set s = {0};
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &b, &s, &err) == FT_ERR_CORRUPT && s.n == 0);
    CHECK(strstr(err.msg, "corrupt exposure record") != NULL);
    ft_exposure_set_release(&s);
    /* a by-incident record with a model out of range: replacing that incident fails */
    uint8_t ik[64];
    size_t m = 0;
    ik[m++] = FT_KEY_EXPOSURE_BY_INC;
    ik[m++] = FT_CHAIN_BTC;
    ik[m++] = 5;
    memcpy(ik + m, "inc-a", 5);
    m += 5;
    ik[m++] = a.len;
    memcpy(ik + m, a.bytes, a.len);
    m += a.len;
    ik[m++] = 0x77;
    const uint8_t one = 0x01;
    ft_store_batch_clear(bt);
    ft_store_batch_put(bt, ik, m, &one, 1);
    CHECK(ft_store_batch_commit(st, bt, 0, &err) == FT_OK);
    ft_store_batch_free(bt);
    const char *const only_a[] = {"inc-a"};
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, only_a, 1, NULL, NULL, 0, &err) == FT_ERR_CORRUPT);
    CHECK(strstr(err.msg, "incident 'inc-a'") != NULL);
    drop_store(st);
}

/* A re-run whose rows partly keep their keys: a kept key gets the new amount (its old row is
 * not deleted, the put replaces it), a key not written again is deleted, a new key is added,
 * whatever order the items come in; the result equals writing the final state directly. */
static void test_rerun_overwrites(void)
{
    ft_addr_key a = key_of(1, 0xaa), b = key_of(1, 0xbb), d = key_of(3, 0x01), e = key_of(0, 0x7f);
    ft_err err;
    ft_store *st = fresh_store("db");
    first_run(st, a, b); /* inc-b: a poison 1000, a haircut 700, b fifo 42; inc-a: a fifo */
    /* items out of key order: e (new), a haircut (kept key, new amount), b fifo (kept key),
     * d poison (new); a poison is not written again */
    ft_exposure_item again[] = {item(e, 0, FT_TAINT_POISON, 5), item(a, 0, FT_TAINT_HAIRCUT, 701),
                                item(b, 0, FT_TAINT_FIFO, 43), item(d, 0, FT_TAINT_POISON, 9)};
    const char *const only_b[] = {"inc-b"};
    ft_exposure_run run = {.models = 3, .max_hops = UINT32_MAX};
    CHECK(ft_exposure_replace(st, FT_CHAIN_BTC, only_b, 1, &run, again, 4, &err) == FT_OK);
    ft_exposure_set s = {0};
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &a, &s, &err) == FT_OK);
    CHECK_EQ_U64(s.n, 2); /* inc-a fifo (other incident: kept), inc-b haircut 701 */
    if (s.n == 2) {
        CHECK(strcmp(s.v[0].incident, "inc-a") == 0 && s.v[0].model == FT_TAINT_FIFO);
        CHECK(strcmp(s.v[1].incident, "inc-b") == 0 && s.v[1].model == FT_TAINT_HAIRCUT &&
              s.v[1].amount == 701);
    }
    ft_exposure_set_release(&s);
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &b, &s, &err) == FT_OK);
    CHECK(s.n == 1 && s.v[0].model == FT_TAINT_FIFO && s.v[0].amount == 43);
    ft_exposure_set_release(&s);
    CHECK(ft_exposure_get(st, FT_CHAIN_BTC, &e, &s, &err) == FT_OK);
    CHECK(s.n == 1 && s.v[0].amount == 5);
    ft_exposure_set_release(&s);
    CHECK(ft_exposure_run_get(st, FT_CHAIN_BTC, "inc-b", &run, &err) == FT_OK);
    CHECK_EQ_U64(run.n_rows, 4);
    uint8_t d1[32], d2[32];
    CHECK(ft_store_digest(st, d1, &err) == FT_OK);
    ft_store_close(st);
    char keep[256];
    snprintf(keep, sizeof keep, "%s", scratch);
    /* the final state written into an empty index: the same records (no stale row or index
     * entry is left behind, none is missing) */
    ft_store *st2 = fresh_store("db2");
    const ft_u128 big = ((ft_u128)1 << 64) + 5;
    ft_exposure_item a_only[] = {item(a, 1, FT_TAINT_FIFO, big)};
    ft_exposure_run run7 = {.models = 7, .max_hops = 9, .min_value = 1000};
    CHECK(ft_exposure_replace(st2, FT_CHAIN_BTC, names2, 2, &run7, a_only, 1, &err) == FT_OK);
    ft_exposure_run run3 = {.models = 3, .max_hops = UINT32_MAX};
    CHECK(ft_exposure_replace(st2, FT_CHAIN_BTC, only_b, 1, &run3, again, 4, &err) == FT_OK);
    CHECK(ft_store_digest(st2, d2, &err) == FT_OK);
    CHECK(memcmp(d1, d2, 32) == 0);
    drop_store(st2);
    snprintf(scratch, sizeof scratch, "%s", keep);
    nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

FT_TEST_MAIN({"replace_and_get", test_replace_and_get}, {"rerun_replaces", test_rerun_replaces},
             {"rerun_overwrites", test_rerun_overwrites}, {"bad_input", test_bad_input},
             {"corrupt", test_corrupt})
