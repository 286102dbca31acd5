/*
 * test_ledger.c — engine/ledger.c and engine/query.c on hand-built UTXO blocks:
 *
 *   height 0  C0 (coinbase)            -> X 50
 *   height 1  C1 (coinbase, txid D)    -> Y 50
 *             T1 spends C0:0           -> Z 30, X 19            (fee 1)
 *   height 2  C2 (coinbase, txid D!)   -> Y 51                  (BIP 30 duplicate of C1)
 *             T2 spends T1:0           -> X 10, OP_RETURN 0, W 15  (fee 5)
 *   height 3  C3 (coinbase)            -> Z 50
 *             T3 spends D:0 (= C2's output), T2:2 -> X 60      (fee 6)
 *
 * Expected ids: tx C0..T3 = 0..6; outputs C0:0=0, C1:0=1, T1=2,3, C2:0=4, T2=5,6,7, C3:0=8,
 * T3:0=9; addresses X=1 Y=2 Z=3 W=4. Checked: ids, prevout resolution, spent-by, history,
 * the BIP 30 duplicate, unknown and double spends (FT_ERR_STATE, nothing written), ordering
 * rules, network check, rollback + re-append = straight run (digest), resume after
 * close/reopen with cold caches (digest), corrupt records (FT_ERR_CORRUPT); a partial index
 * (blocks 2..3 into an empty store: T2's input unresolved, known-output errors still refused,
 * rollback, reopen) and a full index that still refuses an unknown prevout.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/keys.h"
#include "engine/ledger.h"
#include "engine/query.h"
#include "engine/store.h"
#include "tests/unit/ft_test.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char scratch[8][256];
static int n_scratch;

static const char *scratch_db(void)
{
    char *d = scratch[n_scratch++ & 7];
    ft_test_tmpl(d, 256, "ft_test_ledger");
    if (!mkdtemp(d)) {
        perror("mkdtemp");
        exit(1);
    }
    static char db[8][300];
    char *p = db[(n_scratch - 1) & 7];
    snprintf(p, 300, "%s/db", d);
    return p;
}

static void scratch_cleanup(void)
{
    for (int i = 0; i < n_scratch && i < 8; i++)
        nftw(scratch[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    n_scratch = 0;
}

/* ---- the hand-built chain ---------------------------------------------------------------- */

static void fill(uint8_t *p, uint8_t tag)
{
    for (int i = 0; i < 32; i++)
        p[i] = (uint8_t)(tag * 31 + i * 7 + 1);
}

static ft_addr_key addr(char kind, uint8_t tag)
{
    ft_addr_key k;
    memset(&k, 0, sizeof k);
    k.len = 21;
    k.bytes[0] = (uint8_t)kind;
    memset(k.bytes + 1, tag, 20);
    return k;
}

#define X addr('k', 0xa1)
#define Y addr('k', 0xb2)
#define Z addr('s', 0xc3)
#define W addr('w', 0xd4)

enum { N_BLOCKS = 4 };
static uint8_t bhash[N_BLOCKS + 1][32];
static uint8_t txid_c0[32], txid_d[32], txid_t1[32], txid_t2[32], txid_c3[32], txid_t3[32];
static ft_utxo_out o_c0[1], o_c1[1], o_t1[2], o_c2[1], o_t2[3], o_c3[1], o_t3[1];
static ft_utxo_in i_cb[1], i_t1[1], i_t2[1], i_t3[2];
static ft_utxo_tx txs[N_BLOCKS][2];
static ft_utxo_block blocks[N_BLOCKS];

static ft_utxo_out out(uint64_t v, ft_addr_key a, uint8_t type)
{
    ft_utxo_out o;
    memset(&o, 0, sizeof o);
    o.value = v;
    o.addr = a;
    o.script_type = type;
    return o;
}

static ft_utxo_tx mktx(const uint8_t *txid, int cb, uint32_t n_in, const ft_utxo_in *in,
                       uint32_t n_out, const ft_utxo_out *o)
{
    ft_utxo_tx t;
    memset(&t, 0, sizeof t);
    memcpy(t.txid, txid, 32);
    t.coinbase = cb;
    t.n_in = n_in;
    t.in = in;
    t.n_out = n_out;
    t.out = o;
    return t;
}

static void build_chain(void)
{
    for (int h = 0; h <= N_BLOCKS; h++)
        fill(bhash[h], (uint8_t)(0x40 + h));
    fill(txid_c0, 1);
    fill(txid_d, 2);
    fill(txid_t1, 3);
    fill(txid_t2, 4);
    fill(txid_c3, 5);
    fill(txid_t3, 6);
    memset(i_cb, 0, sizeof i_cb);
    i_cb[0].prev_vout = 0xffffffff;
    o_c0[0] = out(50, X, 2);
    o_c1[0] = out(50, Y, 2);
    i_t1[0].prev_vout = 0;
    memcpy(i_t1[0].prev_txid, txid_c0, 32);
    o_t1[0] = out(30, Z, 3);
    o_t1[1] = out(19, X, 2);
    o_c2[0] = out(51, Y, 2);
    memcpy(i_t2[0].prev_txid, txid_t1, 32);
    i_t2[0].prev_vout = 0;
    ft_addr_key none;
    memset(&none, 0, sizeof none);
    o_t2[0] = out(10, X, 2);
    o_t2[1] = out(0, none, 9);
    o_t2[2] = out(15, W, 4);
    o_c3[0] = out(50, Z, 3);
    memcpy(i_t3[0].prev_txid, txid_d, 32);
    i_t3[0].prev_vout = 0;
    memcpy(i_t3[1].prev_txid, txid_t2, 32);
    i_t3[1].prev_vout = 2;
    o_t3[0] = out(60, X, 2);

    txs[0][0] = mktx(txid_c0, 1, 1, i_cb, 1, o_c0);
    txs[1][0] = mktx(txid_d, 1, 1, i_cb, 1, o_c1);
    txs[1][1] = mktx(txid_t1, 0, 1, i_t1, 2, o_t1);
    txs[2][0] = mktx(txid_d, 1, 1, i_cb, 1, o_c2);
    txs[2][1] = mktx(txid_t2, 0, 1, i_t2, 3, o_t2);
    txs[3][0] = mktx(txid_c3, 1, 1, i_cb, 1, o_c3);
    txs[3][1] = mktx(txid_t3, 0, 2, i_t3, 1, o_t3);
    for (int h = 0; h < N_BLOCKS; h++) {
        memset(&blocks[h], 0, sizeof blocks[h]);
        memcpy(blocks[h].hash, bhash[h + 1], 32);
        if (h > 0)
            memcpy(blocks[h].prev, bhash[h], 32);
        blocks[h].height = (uint32_t)h;
        blocks[h].time = 1231006505 + h * 600;
        blocks[h].n_tx = h == 0 ? 1 : 2;
        blocks[h].txs = txs[h];
    }
}

static ft_store *open_store(const char *db)
{
    ft_store *st = NULL;
    ft_err err;
    if (ft_store_open(&st, db, FT_STORE_WRITE, &err) != FT_OK) {
        fprintf(stderr, "cannot open store: %s\n", err.msg);
        exit(1);
    }
    return st;
}

static ft_ledger *open_ledger(ft_store *st, const char *net)
{
    ft_ledger *lg = NULL;
    ft_err err;
    if (ft_ledger_open(&lg, st, FT_CHAIN_BTC, net, &err) != FT_OK) {
        fprintf(stderr, "cannot open ledger: %s\n", err.msg);
        exit(1);
    }
    return lg;
}

/* Appends blocks [from, to) and commits after each `every` blocks (0: once at the end). */
static int append_range(ft_ledger *lg, int from, int to, int every)
{
    ft_err err;
    for (int h = from; h < to; h++) {
        if (ft_ledger_append(lg, &blocks[h], &err) != FT_OK) {
            fprintf(stderr, "append %d: %s\n", h, err.msg);
            return 0;
        }
        if (every && (h - from + 1) % every == 0 && ft_ledger_commit(lg, &err) != FT_OK)
            return 0;
    }
    return ft_ledger_commit(lg, &err) == FT_OK;
}

static void digest_of(ft_store *st, uint8_t d[32])
{
    ft_err err;
    if (ft_store_digest(st, d, &err) != FT_OK) {
        fprintf(stderr, "digest: %s\n", err.msg);
        exit(1);
    }
}

/* The digest of a straight run of blocks [0, n), in a fresh store. */
static void straight_digest(int n, uint8_t d[32])
{
    const char *db = scratch_db();
    ft_store *st = open_store(db);
    ft_ledger *lg = open_ledger(st, "main");
    CHECK(append_range(lg, 0, n, 0));
    ft_ledger_close(lg);
    digest_of(st, d);
    ft_store_close(st);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_ids_and_queries(void)
{
    build_chain();
    const char *db = scratch_db();
    ft_store *st = open_store(db);
    ft_ledger *lg = open_ledger(st, "main");
    ft_err err;
    CHECK(append_range(lg, 0, N_BLOCKS, 2));
    ft_ledger_tip tip;
    CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK);
    CHECK(!tip.empty && tip.height == 3 && memcmp(tip.hash, bhash[4], 32) == 0);
    uint8_t h[32];
    CHECK(ft_ledger_block_hash(lg, 1, h, &err) == FT_OK && memcmp(h, bhash[2], 32) == 0);
    CHECK(ft_ledger_block_hash(lg, 4, h, &err) == FT_ERR_NOTFOUND);
    ft_ledger_close(lg);

    ft_query_chainrec cr;
    CHECK(ft_query_chain_get(st, FT_CHAIN_BTC, &cr, &err) == FT_OK);
    CHECK_STR(cr.network, "main");
    CHECK(cr.has_tip && cr.tip_height == 3);
    CHECK_EQ_U64(cr.next_tx, 7);
    CHECK_EQ_U64(cr.next_out, 10);
    CHECK_EQ_U64(cr.next_addr, 5);

    ft_query_blockrec br;
    CHECK(ft_query_block_get(st, FT_CHAIN_BTC, 2, &br, &err) == FT_OK);
    CHECK_EQ_U64(br.first_tx, 3);
    CHECK_EQ_U64(br.n_tx, 2);
    CHECK_EQ_U64(br.next_out, 4);
    CHECK_EQ_U64(br.next_addr, 4);
    CHECK(memcmp(br.prev, bhash[2], 32) == 0 && br.time == 1231006505 + 1200);
    uint32_t height;
    CHECK(ft_query_block_height(st, FT_CHAIN_BTC, bhash[3], &height, &err) == FT_OK && height == 2);

    /* T1: input = C0:0 (X, 50), outputs Z 30 spent by T2:0, X 19 unspent, fee 1 */
    ft_query_txview v;
    CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, txid_t1, &v, &err) == FT_OK);
    CHECK_EQ_U64(v.tx_id, 2);
    CHECK_EQ_U64(v.height, 1);
    CHECK(v.time == 1231006505 + 600);
    CHECK(memcmp(v.block_hash, bhash[2], 32) == 0);
    CHECK_EQ_U64(v.fee, 1);
    CHECK(v.n_inputs == 1 && v.n_out == 2 && !v.coinbase);
    ft_addr_key x = X, y = Y, z = Z, w = W;
    CHECK(v.inputs[0].value == 50 && v.inputs[0].addr.len == 21 &&
          memcmp(v.inputs[0].addr.bytes, x.bytes, 21) == 0);
    CHECK(memcmp(v.inputs[0].prev_txid, txid_c0, 32) == 0 && v.inputs[0].prev_vout == 0);
    CHECK(v.inputs[0].script_type == 2);
    CHECK(v.outputs[0].value == 30 && memcmp(v.outputs[0].addr.bytes, z.bytes, 21) == 0);
    CHECK(v.outputs[0].spent && memcmp(v.outputs[0].spent_by_txid, txid_t2, 32) == 0 &&
          v.outputs[0].spent_by_vin == 0);
    CHECK(v.outputs[0].script_type == 3);
    CHECK(v.outputs[1].value == 19 && !v.outputs[1].spent);
    ft_query_txview_release(&v);

    /* T3: two inputs resolved to C2's output (BIP 30) and T2:2 */
    CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, txid_t3, &v, &err) == FT_OK);
    CHECK(v.n_inputs == 2);
    CHECK_EQ_U64(v.inputs[0].value, 51);
    CHECK(memcmp(v.inputs[0].addr.bytes, y.bytes, 21) == 0);
    CHECK_EQ_U64(v.inputs[1].value, 15);
    CHECK(memcmp(v.inputs[1].addr.bytes, w.bytes, 21) == 0);
    CHECK_EQ_U64(v.fee, 6);
    ft_query_txview_release(&v);

    /* the duplicate txid names the later coinbase; its output is spent, C1's never is */
    CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, txid_d, &v, &err) == FT_OK);
    CHECK_EQ_U64(v.tx_id, 3);
    CHECK_EQ_U64(v.height, 2);
    CHECK(v.coinbase && v.fee == 0 && v.n_inputs == 0 && v.n_in == 1);
    CHECK(v.outputs[0].value == 51 && v.outputs[0].spent &&
          memcmp(v.outputs[0].spent_by_txid, txid_t3, 32) == 0);
    ft_query_txview_release(&v);
    ft_query_txrec rec;
    CHECK(ft_query_txrec_get(st, FT_CHAIN_BTC, 1, &rec, &err) == FT_OK);
    CHECK(rec.coinbase && !rec.has_dup && memcmp(rec.txid, txid_d, 32) == 0);
    ft_query_txrec_release(&rec);
    CHECK(ft_query_txrec_get(st, FT_CHAIN_BTC, 3, &rec, &err) == FT_OK);
    CHECK(rec.has_dup && rec.dup_of == 1 && rec.first_out == 4);
    ft_query_txrec_release(&rec);
    uint64_t by_tx;
    uint32_t by_vin;
    CHECK(ft_query_spend_get(st, FT_CHAIN_BTC, 1, &by_tx, &by_vin, &err) == FT_ERR_NOTFOUND);
    CHECK(ft_query_spend_get(st, FT_CHAIN_BTC, 4, &by_tx, &by_vin, &err) == FT_OK);
    CHECK(by_tx == 6 && by_vin == 0);
    CHECK(ft_query_spend_get(st, FT_CHAIN_BTC, 7, &by_tx, &by_vin, &err) == FT_OK);
    CHECK(by_tx == 6 && by_vin == 1);

    /* X: received 50 (C0) + 19 (T1) + 10 (T2) + 60 (T3), sent 50 (T1) */
    ft_query_addrview av;
    CHECK(ft_query_address_view(st, FT_CHAIN_BTC, &x, 100, &av, &err) == FT_OK);
    CHECK(av.found && av.addr_id == 1);
    CHECK_EQ_U64(av.received, 139);
    CHECK_EQ_U64(av.sent, 50);
    CHECK_EQ_U64(av.balance, 89);
    CHECK_EQ_U64(av.tx_count, 4);
    CHECK_EQ_U64(av.n_rows, 5);
    CHECK(av.first_seen == 1231006505 && av.last_seen == 1231006505 + 1800);
    CHECK(av.n_listed == 5);
    /* rows in (tx id, dir, index) order: C0 recv, T1 recv:1, T1 sent:0, T2 recv:0, T3 recv:0 */
    CHECK(av.rows[0].tx_id == 0 && av.rows[0].dir == FT_HIST_RECV && av.rows[0].value == 50);
    CHECK(av.rows[1].tx_id == 2 && av.rows[1].dir == FT_HIST_RECV && av.rows[1].index == 1);
    CHECK(av.rows[2].tx_id == 2 && av.rows[2].dir == FT_HIST_SENT && av.rows[2].value == 50);
    CHECK(memcmp(av.rows[2].txid, txid_t1, 32) == 0 && av.rows[2].height == 1);
    ft_query_addrview_release(&av);
    /* a page of 2 rows still sums everything */
    CHECK(ft_query_address_view(st, FT_CHAIN_BTC, &x, 2, &av, &err) == FT_OK);
    CHECK(av.n_listed == 2 && av.n_rows == 5);
    CHECK_EQ_U64(av.balance, 89);
    ft_query_addrview_release(&av);
    /* Y: C1 50 (never spent) + C2 51 (spent by T3) */
    CHECK(ft_query_address_view(st, FT_CHAIN_BTC, &y, 0, &av, &err) == FT_OK);
    CHECK_EQ_U64(av.received, 101);
    CHECK_EQ_U64(av.sent, 51);
    CHECK_EQ_U64(av.tx_count, 3);
    CHECK(av.rows == NULL && av.n_listed == 0);
    ft_query_addrview_release(&av);
    /* an address never seen: found 0, FT_OK */
    ft_addr_key nobody = addr('k', 0x99);
    CHECK(ft_query_address_view(st, FT_CHAIN_BTC, &nobody, 10, &av, &err) == FT_OK);
    CHECK(!av.found && av.received == 0 && av.tx_count == 0);
    ft_query_addrview_release(&av);
    /* address ids in both directions */
    ft_addr_key back;
    CHECK(ft_query_addr_key(st, FT_CHAIN_BTC, 4, &back, &err) == FT_OK);
    CHECK(back.len == 21 && memcmp(back.bytes, w.bytes, 21) == 0);

    /* block view figures */
    ft_query_blockview bv;
    CHECK(ft_query_block_view(st, FT_CHAIN_BTC, 2, &bv, &err) == FT_OK);
    CHECK_EQ_U64(bv.n_inputs, 2);
    CHECK_EQ_U64(bv.n_outputs, 4);
    CHECK_EQ_U64(bv.total_output, 76);
    CHECK_EQ_U64(bv.coinbase_output, 51);
    CHECK(memcmp(bv.txids[1], txid_t2, 32) == 0);
    ft_query_blockview_release(&bv);

    /* a tx that is not there */
    uint8_t nope[32];
    fill(nope, 77);
    CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, nope, &v, &err) == FT_ERR_NOTFOUND);
    ft_store_close(st);
    scratch_cleanup();
}

static void test_bad_spends_write_nothing(void)
{
    build_chain();
    const char *db = scratch_db();
    ft_store *st = open_store(db);
    ft_ledger *lg = open_ledger(st, "main");
    ft_err err;
    CHECK(append_range(lg, 0, 2, 0));
    uint8_t before[32], after[32];
    digest_of(st, before);

    /* a double spend of an output the (warm) cache holds: T1:1 twice in one tx */
    ft_utxo_in twice[2];
    memcpy(twice[0].prev_txid, txid_t1, 32);
    twice[0].prev_vout = 1;
    twice[1] = twice[0];
    ft_utxo_tx ttx[2] = {txs[2][0], mktx(txid_t2, 0, 2, twice, 1, o_t3)};
    ft_utxo_block tblk = blocks[2];
    tblk.txs = ttx;
    CHECK(ft_ledger_append(lg, &tblk, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "already spent") != NULL);
    digest_of(st, after);
    CHECK(memcmp(before, after, 32) == 0);

    /* block 2 staged fine, then block 3 spends an unknown output: both are dropped */
    ft_utxo_in bad_in[1];
    fill(bad_in[0].prev_txid, 99);
    bad_in[0].prev_vout = 7;
    ft_utxo_tx bad_txs[2] = {txs[3][0], mktx(txid_t3, 0, 1, bad_in, 1, o_t3)};
    ft_utxo_block bad = blocks[3];
    bad.txs = bad_txs;
    CHECK(ft_ledger_append(lg, &blocks[2], &err) == FT_OK);
    CHECK(ft_ledger_append(lg, &bad, &err) == FT_ERR_STATE);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", bad_in[0].prev_txid[31 - i]);
    char want[100];
    snprintf(want, sizeof want, "unknown output '%s:7'", hex);
    CHECK(strstr(err.msg, want) != NULL);
    CHECK(ft_ledger_commit(lg, &err) == FT_OK); /* nothing staged any more */
    digest_of(st, after);
    CHECK(memcmp(before, after, 32) == 0);
    ft_ledger_tip tip;
    CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK && tip.height == 1);

    /* a double spend inside one staged block, and of an output spent in a committed block */
    ft_utxo_in dbl[2];
    memcpy(dbl[0].prev_txid, txid_t1, 32);
    dbl[0].prev_vout = 1;
    dbl[1] = dbl[0];
    ft_utxo_tx dtx[2] = {txs[2][0], mktx(txid_t2, 0, 2, dbl, 1, o_t3)};
    ft_utxo_block dblk = blocks[2];
    dblk.txs = dtx;
    CHECK(ft_ledger_append(lg, &dblk, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "already spent") != NULL);
    memcpy(dbl[0].prev_txid, txid_c0, 32); /* C0:0 was spent by T1 (committed) */
    dbl[0].prev_vout = 0;
    dtx[1] = mktx(txid_t2, 0, 1, dbl, 1, o_t3);
    CHECK(ft_ledger_append(lg, &dblk, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "already spent") != NULL);
    /* paying out more than the inputs */
    ft_utxo_out big[1] = {out(1000, X, 2)};
    dtx[1] = mktx(txid_t2, 0, 1, i_t2, 1, big);
    CHECK(ft_ledger_append(lg, &dblk, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "pays out more than it spends") != NULL);
    /* ordering: wrong height, wrong parent */
    CHECK(ft_ledger_append(lg, &blocks[3], &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "does not follow") != NULL);
    ft_utxo_block orphan = blocks[2];
    fill(orphan.prev, 55);
    CHECK(ft_ledger_append(lg, &orphan, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "has parent") != NULL);
    CHECK(ft_ledger_commit(lg, &err) == FT_OK);
    digest_of(st, after);
    CHECK(memcmp(before, after, 32) == 0);
    /* after all that, the good blocks still go in (caches were dropped, store is right) */
    CHECK(append_range(lg, 2, N_BLOCKS, 0));
    ft_ledger_close(lg);
    uint8_t straight[32];
    digest_of(st, after);
    ft_store_close(st);
    straight_digest(N_BLOCKS, straight);
    CHECK(memcmp(after, straight, 32) == 0);

    /* a ledger of another network is refused */
    st = open_store(db);
    lg = NULL;
    CHECK(ft_ledger_open(&lg, st, FT_CHAIN_BTC, "regtest", &err) == FT_ERR_STATE && !lg);
    CHECK(strstr(err.msg, "holds 'main' blocks, not 'regtest'") != NULL);
    ft_store_close(st);
    scratch_cleanup();
}

static void test_rollback_reappend(void)
{
    build_chain();
    uint8_t straight2[32], straight4[32], d[32];
    straight_digest(2, straight2);
    straight_digest(N_BLOCKS, straight4);

    const char *db = scratch_db();
    ft_store *st = open_store(db);
    ft_ledger *lg = open_ledger(st, "main");
    ft_err err;
    CHECK(append_range(lg, 0, N_BLOCKS, 1));
    digest_of(st, d);
    CHECK(memcmp(d, straight4, 32) == 0);
    /* staged blocks forbid a rollback */
    CHECK(ft_ledger_rollback(lg, 5, &err) == FT_ERR_ARG);
    /* roll back to height 1: removes C2 (the BIP 30 duplicate: D names C1 again), T2, C3, T3,
     * address W, and un-spends T1:0 and C1... */
    CHECK(ft_ledger_rollback(lg, 1, &err) == FT_OK);
    digest_of(st, d);
    CHECK(memcmp(d, straight2, 32) == 0);
    ft_ledger_tip tip;
    CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK && tip.height == 1 &&
          memcmp(tip.hash, bhash[2], 32) == 0);
    uint64_t id;
    CHECK(ft_query_tx_id(st, FT_CHAIN_BTC, txid_d, &id, &err) == FT_OK && id == 1);
    /* re-append: identical to the straight run */
    CHECK(append_range(lg, 2, N_BLOCKS, 0));
    digest_of(st, d);
    CHECK(memcmp(d, straight4, 32) == 0);
    /* rollback to the same height is a no-op; to above the tip an error */
    CHECK(ft_ledger_rollback(lg, 3, &err) == FT_OK);
    CHECK(ft_ledger_rollback(lg, 9, &err) == FT_ERR_ARG);
    /* roll back to 0 and forward again in one-block commits */
    CHECK(ft_ledger_rollback(lg, 0, &err) == FT_OK);
    CHECK(append_range(lg, 1, N_BLOCKS, 1));
    digest_of(st, d);
    CHECK(memcmp(d, straight4, 32) == 0);
    ft_ledger_close(lg);
    ft_store_close(st);
    scratch_cleanup();
}

static void test_resume_cold_caches(void)
{
    build_chain();
    uint8_t straight4[32], d[32];
    straight_digest(N_BLOCKS, straight4);
    ft_err err;
    /* stop after each height, close everything, reopen, continue */
    for (int stop = 1; stop < N_BLOCKS; stop++) {
        const char *db = scratch_db();
        ft_store *st = open_store(db);
        ft_ledger *lg = open_ledger(st, "main");
        CHECK(append_range(lg, 0, stop, 0));
        ft_ledger_close(lg);
        ft_store_close(st);
        st = open_store(db);
        lg = open_ledger(st, "main");
        ft_ledger_tip tip;
        CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK && !tip.empty &&
              tip.height == (uint32_t)stop - 1);
        CHECK(append_range(lg, stop, N_BLOCKS, 0));
        ft_ledger_close(lg);
        digest_of(st, d);
        CHECK(memcmp(d, straight4, 32) == 0);
        ft_store_close(st);
        scratch_cleanup();
    }
    /* no cache at all across commits: every committed output comes from the store */
    const char *db = scratch_db();
    ft_store *st = open_store(db);
    ft_ledger *lg = open_ledger(st, "main");
    ft_ledger_set_cache_limit(lg, 0);
    CHECK(append_range(lg, 0, N_BLOCKS, 1));
    ft_ledger_close(lg);
    digest_of(st, d);
    CHECK(memcmp(d, straight4, 32) == 0);
    ft_store_close(st);
    scratch_cleanup();
}

static void test_pipelined_commits(void)
{
    build_chain();
    uint8_t straight4[32], d[32];
    straight_digest(N_BLOCKS, straight4);
    ft_err err;
    /* commit_async after every block, with warm and with no caches: same index */
    for (int pass = 0; pass < 2; pass++) {
        const char *db = scratch_db();
        ft_store *st = open_store(db);
        ft_ledger *lg = open_ledger(st, "main");
        if (pass)
            ft_ledger_set_cache_limit(lg, 0);
        int ok = 1;
        for (int h = 0; h < N_BLOCKS && ok; h++) {
            ok = ft_ledger_append(lg, &blocks[h], &err) == FT_OK &&
                 ft_ledger_commit_async(lg, &err) == FT_OK;
            /* the tip and block hashes include what is in flight */
            ft_ledger_tip tip;
            uint8_t hh[32];
            CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK && tip.height == (uint32_t)h);
            CHECK(ft_ledger_block_hash(lg, (uint32_t)h, hh, &err) == FT_OK &&
                  memcmp(hh, bhash[h + 1], 32) == 0);
        }
        CHECK(ok);
        CHECK(ft_ledger_flush(lg, &err) == FT_OK);
        CHECK(ft_ledger_flush(lg, &err) == FT_OK); /* nothing in flight: a no-op */
        digest_of(st, d);
        CHECK(memcmp(d, straight4, 32) == 0);
        ft_ledger_close(lg);
        ft_store_close(st);
    }
    /* a double spend across the in-flight boundary, caches off: T1:1 spent in block 2 (in
     * flight), then again in block 3 */
    const char *db = scratch_db();
    ft_store *st = open_store(db);
    ft_ledger *lg = open_ledger(st, "main");
    ft_ledger_set_cache_limit(lg, 0);
    CHECK(append_range(lg, 0, 2, 0));
    ft_utxo_in s1[1], s2[1];
    memcpy(s1[0].prev_txid, txid_t1, 32);
    s1[0].prev_vout = 1;
    s2[0] = s1[0];
    ft_utxo_out small[1] = {out(5, X, 2)};
    ft_utxo_tx b2[2] = {txs[2][0], mktx(txid_t2, 0, 1, s1, 1, small)};
    ft_utxo_tx b3[2] = {txs[3][0], mktx(txid_t3, 0, 1, s2, 1, small)};
    ft_utxo_block blk2 = blocks[2], blk3 = blocks[3];
    blk2.txs = b2;
    blk3.txs = b3;
    CHECK(ft_ledger_append(lg, &blk2, &err) == FT_OK);
    CHECK(ft_ledger_commit_async(lg, &err) == FT_OK);
    CHECK(ft_ledger_append(lg, &blk3, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "already spent") != NULL);
    /* block 2 was in flight, not staged: it is durable */
    ft_ledger_tip tip;
    CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK && tip.height == 2);
    ft_ledger_close(lg);
    ft_query_chainrec cr;
    CHECK(ft_query_chain_get(st, FT_CHAIN_BTC, &cr, &err) == FT_OK && cr.tip_height == 2);
    ft_store_close(st);
    scratch_cleanup();
}

/* Two commits in flight at once (the pipeline's depth): a spend staged in the OLDER one is
 * still seen while a third block is staged, whether or not its write has finished (the
 * message names the in-flight spend set, not the store's spend record); the failed append
 * leaves both commits durable and the chain record at their tip. */
static void test_two_commits_in_flight(void)
{
    build_chain();
    ft_err err;
    const char *db = scratch_db();
    ft_store *st = open_store(db);
    ft_ledger *lg = open_ledger(st, "main");
    ft_ledger_set_cache_limit(lg, 0);
    CHECK(append_range(lg, 0, 2, 0));
    ft_utxo_in s1[1];
    memcpy(s1[0].prev_txid, txid_t1, 32);
    s1[0].prev_vout = 1;
    ft_utxo_out small[1] = {out(5, X, 2)};
    ft_utxo_tx b2[2] = {txs[2][0], mktx(txid_t2, 0, 1, s1, 1, small)};
    ft_utxo_block blk2 = blocks[2], blk3 = blocks[3], blk4;
    blk2.txs = b2;
    blk3.n_tx = 1; /* its coinbase only */
    uint8_t cb4[32], t4[32];
    fill(cb4, 7);
    fill(t4, 8);
    ft_utxo_out cb4_out[1] = {out(50, Y, 2)};
    ft_utxo_tx b4[2] = {mktx(cb4, 1, 1, i_cb, 1, cb4_out), mktx(t4, 0, 1, s1, 1, small)};
    memset(&blk4, 0, sizeof blk4);
    fill(blk4.hash, 0x50);
    memcpy(blk4.prev, blk3.hash, 32);
    blk4.height = 4;
    blk4.time = blk3.time + 600;
    blk4.n_tx = 2;
    blk4.txs = b4;
    CHECK(ft_ledger_append(lg, &blk2, &err) == FT_OK);
    CHECK(ft_ledger_commit_async(lg, &err) == FT_OK);
    CHECK(ft_ledger_append(lg, &blk3, &err) == FT_OK);
    CHECK(ft_ledger_commit_async(lg, &err) == FT_OK);
    CHECK(ft_ledger_append(lg, &blk4, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "that is already spent") != NULL);
    ft_ledger_tip tip;
    CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK && tip.height == 3);
    /* a third commit_async retires the oldest first: blocks 2..3 durable, then block 4' */
    ft_utxo_tx b4ok[1] = {b4[0]};
    blk4.n_tx = 1;
    blk4.txs = b4ok;
    CHECK(ft_ledger_append(lg, &blk4, &err) == FT_OK);
    CHECK(ft_ledger_commit_async(lg, &err) == FT_OK);
    ft_ledger_close(lg);
    ft_query_chainrec cr;
    CHECK(ft_query_chain_get(st, FT_CHAIN_BTC, &cr, &err) == FT_OK && cr.tip_height == 4);
    ft_query_txview v;
    CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, txid_t2, &v, &err) == FT_OK);
    CHECK(v.n_inputs == 1 && v.inputs[0].value == 19);
    ft_query_txview_release(&v);
    ft_store_close(st);
    scratch_cleanup();
}

static void test_many_outputs_eviction(void)
{
    /* 40 blocks, each spending all 30 outputs of the previous one into 30 new ones, with a
     * tiny cache budget so eviction and the store fallback run; compared with a run with the
     * default budget. */
    enum { NB = 40, NO = 30 };
    static uint8_t hashes[NB][32], tids[NB][2][32];
    static ft_utxo_out outs[NB][NO], cbout[NB][1];
    static ft_utxo_in ins[NB][NO], cbin[1];
    static ft_utxo_tx t[NB][2];
    static ft_utxo_block b[NB];
    memset(cbin, 0, sizeof cbin);
    for (int h = 0; h < NB; h++) {
        for (int i = 0; i < 32; i++) {
            hashes[h][i] = (uint8_t)(h * 13 + i * 3 + 5);
            tids[h][0][i] = (uint8_t)(h * 17 + i * 5 + 7);
            tids[h][1][i] = (uint8_t)(h * 19 + i * 11 + 9);
        }
        cbout[h][0] = out(NO * 1000, addr('k', (uint8_t)(h % 7)), 2);
        t[h][0] = mktx(tids[h][0], 1, 1, cbin, 1, cbout[h]);
        uint32_t n_in = h == 0 ? 0 : NO;
        for (int i = 0; i < NO; i++) {
            outs[h][i] = out(h == 0 ? 1000 : 999 - (uint64_t)h, addr('k', (uint8_t)(i + 10)), 2);
            if (h > 0) {
                memcpy(ins[h][i].prev_txid, tids[h - 1][1], 32);
                ins[h][i].prev_vout = (uint32_t)i;
            }
        }
        if (h == 0) {
            /* block 0's second tx spends the coinbase of block 0? not allowed: give block 0
             * one tx and block 1 spends the coinbase outputs instead */
            b[h].n_tx = 1;
        } else {
            b[h].n_tx = 2;
        }
        if (h == 1) {
            /* spend the 1 output of block 0's coinbase into NO outputs */
            memcpy(ins[1][0].prev_txid, tids[0][0], 32);
            ins[1][0].prev_vout = 0;
            n_in = 1;
        }
        t[h][1] = mktx(tids[h][1], 0, n_in, ins[h], NO, outs[h]);
        memcpy(b[h].hash, hashes[h], 32);
        if (h > 0)
            memcpy(b[h].prev, hashes[h - 1], 32);
        b[h].height = (uint32_t)h;
        b[h].time = 1300000000 + h;
        b[h].txs = t[h];
    }
    uint8_t d1[32], d2[32];
    for (int pass = 0; pass < 2; pass++) {
        const char *db = scratch_db();
        ft_store *st = open_store(db);
        ft_ledger *lg = open_ledger(st, "main");
        if (pass == 1)
            ft_ledger_set_cache_limit(lg, 100000);
        ft_err err;
        int ok = 1;
        for (int h = 0; h < NB && ok; h++) {
            ok = ft_ledger_append(lg, &b[h], &err) == FT_OK;
            if (!ok)
                fprintf(stderr, "pass %d block %d: %s\n", pass, h, err.msg);
            /* pass 1: tiny cache and pipelined commits, so eviction runs while a block is
             * staged and another is in flight */
            if (ok && h % 3 == 2)
                ok =
                    (pass ? ft_ledger_commit_async(lg, &err) : ft_ledger_commit(lg, &err)) == FT_OK;
        }
        CHECK(ok);
        CHECK(ft_ledger_commit(lg, &err) == FT_OK);
        ft_ledger_close(lg);
        digest_of(st, pass ? d2 : d1);
        /* the last tx spent NO outputs of its parent */
        ft_query_txview v;
        CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, tids[NB - 1][1], &v, &err) == FT_OK);
        CHECK(v.n_inputs == NO && v.inputs[NO - 1].value == 999 - (NB - 2));
        CHECK_EQ_U64(v.fee, (uint64_t)NO);
        ft_query_txview_release(&v);
        ft_store_close(st);
    }
    CHECK(memcmp(d1, d2, 32) == 0);
    scratch_cleanup();
}

static void test_corrupt_records(void)
{
    build_chain();
    const char *db = scratch_db();
    ft_store *st = open_store(db);
    ft_ledger *lg = open_ledger(st, "main");
    ft_err err;
    CHECK(append_range(lg, 0, N_BLOCKS, 0));
    ft_ledger_close(lg);
    /* every proper prefix of a real tx record fails to decode, the whole one decodes */
    uint8_t k[10];
    size_t kl = ft_query_key_tx(k, FT_CHAIN_BTC, 6);
    uint8_t *v;
    size_t vl;
    CHECK(ft_store_get(st, k, kl, &v, &vl, &err) == FT_OK);
    ft_query_txrec rec;
    CHECK(ft_query_txrec_decode(&rec, 6, v, vl, &err) == FT_OK);
    ft_query_txrec_release(&rec);
    for (size_t n = 0; n < vl; n++) {
        CHECK(ft_query_txrec_decode(&rec, 6, v, n, &err) == FT_ERR_CORRUPT);
        CHECK(rec.in == NULL && rec.out == NULL);
    }
    /* a count claiming 2^32-1 inputs is refused before allocating */
    uint8_t huge[64];
    size_t n = 0;
    huge[n++] = 1;
    memset(huge + n, 0xab, 32);
    n += 32;
    huge[n++] = 3;    /* height */
    huge[n++] = 0x10; /* time */
    huge[n++] = 0;    /* flags */
    huge[n++] = 9;    /* first_out */
    huge[n++] = 0xfe; /* n_in = 0xffffffff */
    huge[n++] = 0xff;
    huge[n++] = 0xff;
    huge[n++] = 0xff;
    huge[n++] = 0xff;
    huge[n++] = 1;
    CHECK(ft_query_txrec_decode(&rec, 6, huge, n, &err) == FT_ERR_CORRUPT);
    free(v);
    /* garbage in the store: the view reports FT_ERR_CORRUPT naming the index */
    ft_store_batch *b = ft_store_batch_new();
    ft_store_batch_put(b, k, kl, "\x01garbage", 8);
    CHECK(ft_store_batch_commit(st, b, 1, &err) == FT_OK);
    ft_store_batch_free(b);
    ft_query_txview tv;
    CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, txid_t3, &tv, &err) == FT_ERR_CORRUPT);
    CHECK(strstr(err.msg, "corrupt tx record 6") != NULL && strstr(err.msg, db) != NULL);
    /* a history row of X points at the damaged tx: reported, not a crash */
    ft_addr_key x = X;
    ft_query_addrview av;
    CHECK(ft_query_address_view(st, FT_CHAIN_BTC, &x, 10, &av, &err) == FT_ERR_CORRUPT);
    ft_store_close(st);
    scratch_cleanup();
}

/* A partial index: blocks 2..3 appended to an empty store. T2 spends T1:0, a tx the index never
 * saw: unresolved (no spend record, no history row, value unknown, fee unknown). T3 spends D:0
 * (C2, in the index) and T2:2 (in the index): resolved as usual, fee 6. A known txid's missing
 * vout or already-spent output still fails; rollback and reopen keep the mode. */
static void test_partial_index(void)
{
    build_chain();
    const char *db = scratch_db();
    ft_store *st = open_store(db);
    ft_ledger *lg = open_ledger(st, "main");
    ft_err err;
    CHECK(append_range(lg, 2, N_BLOCKS, 0));
    ft_ledger_tip tip;
    CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK && !tip.empty && tip.height == 3);
    CHECK_EQ_U64(tip.first_height, 2);
    ft_ledger_close(lg);
    uint8_t d23[32];
    digest_of(st, d23);

    ft_query_chainrec cr;
    CHECK(ft_query_chain_get(st, FT_CHAIN_BTC, &cr, &err) == FT_OK);
    CHECK_EQ_U64(cr.first_height, 2);
    CHECK_EQ_U64(cr.next_tx, 4);
    CHECK_EQ_U64(cr.next_out, 6);

    /* the tx record of T2 (tx id 1): its input is the sentinel with T1's txid */
    ft_query_txrec rec;
    CHECK(ft_query_txrec_get(st, FT_CHAIN_BTC, 1, &rec, &err) == FT_OK);
    CHECK(rec.n_in == 1 && rec.in[0].out_id == FT_QUERY_OUT_UNRESOLVED);
    CHECK(rec.in[0].value == 0 && rec.in[0].addr_id == 0 && rec.in[0].prev_tx == 0);
    CHECK(rec.in[0].prev_vout == 0 && memcmp(rec.in[0].prev_txid, txid_t1, 32) == 0);
    ft_query_txrec_release(&rec);

    ft_query_txview v;
    CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, txid_t2, &v, &err) == FT_OK);
    CHECK(v.n_inputs == 1 && v.n_unresolved == 1 && v.inputs[0].unresolved);
    CHECK(memcmp(v.inputs[0].prev_txid, txid_t1, 32) == 0 && v.inputs[0].prev_vout == 0);
    CHECK(v.inputs[0].addr.len == 0 && v.inputs[0].value == 0);
    CHECK_EQ_U64(v.fee, 0);
    CHECK_EQ_U64(v.input_total, 0);
    CHECK_EQ_U64(v.output_total, 25);
    CHECK(v.outputs[2].spent && memcmp(v.outputs[2].spent_by_txid, txid_t3, 32) == 0 &&
          v.outputs[2].spent_by_vin == 1);
    CHECK(!v.outputs[0].spent);
    ft_query_txview_release(&v);
    CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, txid_t3, &v, &err) == FT_OK);
    CHECK(v.n_unresolved == 0 && !v.inputs[0].unresolved && !v.inputs[1].unresolved);
    CHECK_EQ_U64(v.inputs[0].value, 51);
    CHECK_EQ_U64(v.inputs[1].value, 15);
    CHECK_EQ_U64(v.fee, 6);
    ft_query_txview_release(&v);

    /* address totals count only what the index saw: Z got C3's 50, never T1's 30; X's rows are
     * T2:0 and T3:0, no "sent" row for the unresolved input */
    ft_addr_key z = Z, x = X;
    ft_query_addrview av;
    CHECK(ft_query_address_view(st, FT_CHAIN_BTC, &z, 10, &av, &err) == FT_OK);
    CHECK(av.found && av.received == 50 && av.sent == 0 && av.n_rows == 1);
    ft_query_addrview_release(&av);
    CHECK(ft_query_address_view(st, FT_CHAIN_BTC, &x, 10, &av, &err) == FT_OK);
    CHECK(av.found && av.received == 70 && av.sent == 0 && av.n_rows == 2);
    ft_query_addrview_release(&av);
    /* no spend record was written for the unresolved input */
    uint64_t by_tx;
    uint32_t by_vin;
    CHECK(ft_query_spend_get(st, FT_CHAIN_BTC, FT_QUERY_OUT_UNRESOLVED, &by_tx, &by_vin, &err) ==
          FT_ERR_NOTFOUND);

    /* reopened (cold caches, mode from the checkpoint): block 4 */
    lg = open_ledger(st, "main");
    uint8_t cb4[32], t4[32], h5[32], unk[32];
    fill(cb4, 70);
    fill(t4, 71);
    fill(h5, 72);
    fill(unk, 73);
    ft_utxo_out o4[1] = {out(5, W, 4)};
    ft_utxo_in in4[2];
    memset(in4, 0, sizeof in4);
    ft_utxo_tx tx4[2] = {mktx(cb4, 1, 1, i_cb, 1, o_c3), mktx(t4, 0, 1, in4, 1, o4)};
    ft_utxo_block b4;
    memset(&b4, 0, sizeof b4);
    memcpy(b4.hash, h5, 32);
    memcpy(b4.prev, bhash[4], 32);
    b4.height = 4;
    b4.time = blocks[3].time + 600;
    b4.n_tx = 2;
    b4.txs = tx4;
    /* a known output spent again (T2:2, spent by T3): refused */
    memcpy(in4[0].prev_txid, txid_t2, 32);
    in4[0].prev_vout = 2;
    CHECK(ft_ledger_append(lg, &b4, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "already spent") != NULL);
    /* a known txid's missing vout: refused */
    in4[0].prev_vout = 9;
    CHECK(ft_ledger_append(lg, &b4, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "unknown output") != NULL);
    uint8_t now[32];
    digest_of(st, now);
    CHECK(memcmp(now, d23, 32) == 0);
    /* an unknown txid and a known unspent output (T2:0) in one tx: unresolved + resolved */
    memcpy(in4[0].prev_txid, unk, 32);
    in4[0].prev_vout = 3;
    memcpy(in4[1].prev_txid, txid_t2, 32);
    in4[1].prev_vout = 0;
    tx4[1] = mktx(t4, 0, 2, in4, 1, o4);
    CHECK(ft_ledger_append(lg, &b4, &err) == FT_OK);
    CHECK(ft_ledger_commit(lg, &err) == FT_OK);
    CHECK(ft_query_tx_view(st, FT_CHAIN_BTC, t4, &v, &err) == FT_OK);
    CHECK(v.n_unresolved == 1 && v.inputs[0].unresolved && !v.inputs[1].unresolved);
    CHECK(memcmp(v.inputs[0].prev_txid, unk, 32) == 0 && v.inputs[0].prev_vout == 3);
    CHECK_EQ_U64(v.inputs[1].value, 10);
    CHECK_EQ_U64(v.input_total, 10);
    CHECK_EQ_U64(v.fee, 0);
    ft_query_txview_release(&v);
    CHECK(ft_query_address_view(st, FT_CHAIN_BTC, &x, 10, &av, &err) == FT_OK);
    CHECK(av.received == 70 && av.sent == 10 && av.n_rows == 3);
    ft_query_addrview_release(&av);

    /* rollback over the unresolved input gives back the index of blocks 2..3; not below 2 */
    CHECK(ft_ledger_rollback(lg, 3, &err) == FT_OK);
    digest_of(st, now);
    CHECK(memcmp(now, d23, 32) == 0);
    CHECK(ft_ledger_rollback(lg, 1, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "starts at block 2") != NULL);
    CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK && tip.first_height == 2);
    ft_ledger_close(lg);

    /* the chain record with its trailer: every proper prefix but the one without the trailer
     * fails; a zero trailer is not canonical */
    uint8_t k[2];
    size_t kl = ft_query_key_chain(k, FT_CHAIN_BTC);
    uint8_t *val;
    size_t vl;
    CHECK(ft_store_get(st, k, kl, &val, &vl, &err) == FT_OK);
    CHECK(val[vl - 1] == 2);
    CHECK(ft_query_chainrec_decode(&cr, val, vl, &err) == FT_OK && cr.first_height == 2);
    CHECK(ft_query_chainrec_decode(&cr, val, vl - 1, &err) == FT_OK && cr.first_height == 0);
    val[vl - 1] = 0;
    CHECK(ft_query_chainrec_decode(&cr, val, vl, &err) == FT_ERR_CORRUPT);
    free(val);
    ft_store_close(st);

    /* a full index stays strict: its chain record has no trailer, and an unknown prevout in
     * block 1 (T1 spending a txid never seen) is refused */
    const char *db2 = scratch_db();
    st = open_store(db2);
    lg = open_ledger(st, "main");
    CHECK(append_range(lg, 0, 1, 0));
    ft_utxo_in bad_in[1];
    memcpy(bad_in[0].prev_txid, unk, 32);
    bad_in[0].prev_vout = 0;
    ft_utxo_tx bad_txs[2] = {txs[1][0], mktx(txid_t1, 0, 1, bad_in, 2, o_t1)};
    ft_utxo_block bad = blocks[1];
    bad.txs = bad_txs;
    CHECK(ft_ledger_append(lg, &bad, &err) == FT_ERR_STATE);
    CHECK(strstr(err.msg, "unknown output") != NULL);
    CHECK(ft_ledger_get_tip(lg, &tip, &err) == FT_OK && tip.first_height == 0 && tip.height == 0);
    ft_ledger_close(lg);
    CHECK(ft_query_chain_get(st, FT_CHAIN_BTC, &cr, &err) == FT_OK && cr.first_height == 0);
    ft_store_close(st);
    scratch_cleanup();
}

FT_TEST_MAIN({"ids_and_queries", test_ids_and_queries},
             {"bad_spends_write_nothing", test_bad_spends_write_nothing},
             {"rollback_reappend", test_rollback_reappend},
             {"resume_cold_caches", test_resume_cold_caches},
             {"pipelined_commits", test_pipelined_commits},
             {"two_commits_in_flight", test_two_commits_in_flight},
             {"many_outputs_eviction", test_many_outputs_eviction},
             {"corrupt_records", test_corrupt_records},
             {"partial_index", test_partial_index})
