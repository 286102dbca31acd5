/*
 * ingest.c — the JSON-RPC indexing loop (see ingest.h).
 *
 *     heights  from ... to
 *     slots    [h, h+1, ..., h+window-1]   each: stage 1 (block, receipts, traces) → maybe
 *                                           stage 2 (per-tx receipts, raw txs) → complete
 *     append   the lowest height once complete; refill its slot with the next height
 *
 * Replies come back unparsed (ft_eth_rpc_wait_raw): a block's last reply is parsed only in
 * append, after the next height's request went out, so the node serves it while we parse,
 * build and stage (stage 1 is parsed at once only when stage 2 needs its tx hashes). Reply
 * buffers stay with their slot and are reused, and so does the slot's parse arena (the cJSON
 * trees of its replies are built in it and dropped at once when the block is appended:
 * no malloc/free per JSON value). glibc is told once not to trim or mmap small blocks
 * (malloc_tune), so steady-state indexing does not fault pages in again and again.
 *
 * A failure anywhere drops what is staged since the last commit (the index stays at its last
 * checkpoint) and returns the error; a parent-hash mismatch rolls back to the fork point and
 * restarts the pipeline above it (at most 16 times per run, so a node that keeps flipping
 * cannot loop forever).
 */
#include "chains/ethereum/ingest.h"

#include <cjson/cJSON.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/block.h"
#include "chains/ethereum/tokens.h"
#include "chains/ethereum/txdecode.h"
#include "engine/account.h"
#include "engine/buf.h"
#include "engine/hex.h"
#include "engine/log.h"

#include "engine/banned.h"

enum { RCPT_BLOCK, RCPT_PER_TX };
enum { TRACE_PARITY, TRACE_GETH, TRACE_NONE };

#define RAW_ID_BASE 1000000L
#define MAX_REORGS 16

typedef struct bslot {
    int used;
    uint32_t height;
    int stage;       /* 1 or 2 in flight, 3 complete */
    int has_stage2;  /* a second POST was answered (text2) */
    ft_eth_rpc_text text1, text2; /* raw replies (buffers kept across heights) */
    ft_eth_rpc_arena *arena;      /* reply1 and reply2 live here (kept across heights) */
    cJSON *reply1, *reply2;       /* parsed, NULL until then; never cJSON_Delete()d */
} bslot;

typedef struct gen_alloc {
    uint8_t addr[20];
    ft_u256 amount;
} gen_alloc;

typedef struct run {
    ft_store *st;
    const ft_eth_index_opts *o;
    ft_eth_rpc *rpc;
    ft_account *ac;
    int rcpt, trace;
    bslot *slots;
    int window;
    ft_buf body;
    ft_eth_rpc_text spare; /* wait_raw's landing buffer, swapped into the slot */
    ft_eth_index_stats *stats;
    ft_eth_token_ctx tok;
    gen_alloc *gen;  /* genesis allocations to credit in block 0 */
    size_t n_gen;
} run;

/* Empties a slot; its reply buffers and its arena (emptied) stay for reuse. */
static void slot_clear(bslot *s)
{
    ft_eth_rpc_arena_reset(s->arena);
    ft_eth_rpc_text t1 = s->text1, t2 = s->text2;
    ft_eth_rpc_arena *a = s->arena;
    memset(s, 0, sizeof *s);
    t1.len = t2.len = 0;
    s->text1 = t1;
    s->text2 = t2;
    s->arena = a;
}

static void slot_free(bslot *s)
{
    slot_clear(s);
    ft_eth_rpc_text_free(&s->text1);
    ft_eth_rpc_text_free(&s->text2);
    ft_eth_rpc_arena_free(s->arena);
    s->arena = NULL;
}

/* Parses one of a slot's raw replies into the slot's arena. */
static ft_status slot_parse_one(run *r, bslot *s, const ft_eth_rpc_text *t, cJSON **out,
                                ft_err *err)
{
    if (!s->arena && !(s->arena = ft_eth_rpc_arena_new()))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    return ft_eth_rpc_parse_in(r->rpc, t, s->arena, out, err);
}

/* Parses what is still raw in a complete slot. */
static ft_status slot_parse(run *r, bslot *s, ft_err *err)
{
    ft_status st = FT_OK;
    if (!s->reply1)
        st = slot_parse_one(r, s, &s->text1, &s->reply1, err);
    if (st == FT_OK && s->has_stage2 && !s->reply2)
        st = slot_parse_one(r, s, &s->text2, &s->reply2, err);
    return st;
}

static void add_req(ft_buf *b, int *first, long id, const char *method, const char *params)
{
    char head[160];
    snprintf(head, sizeof head, "%s{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"%s\",\"params\":",
             *first ? "" : ",", id, method);
    ft_buf_str(b, head);
    ft_buf_str(b, params);
    ft_buf_str(b, "}");
    *first = 0;
}

static ft_status submit_stage1(run *r, bslot *s, ft_err *err)
{
    char p[96];
    ft_buf_reset(&r->body);
    int first = 1;
    ft_buf_str(&r->body, "[");
    snprintf(p, sizeof p, "[\"0x%x\",true]", s->height);
    add_req(&r->body, &first, 0, "eth_getBlockByNumber", p);
    snprintf(p, sizeof p, "[\"0x%x\"]", s->height);
    if (r->rcpt == RCPT_BLOCK)
        add_req(&r->body, &first, 1, "eth_getBlockReceipts", p);
    if (r->trace == TRACE_PARITY)
        add_req(&r->body, &first, 2, "trace_block", p);
    else if (r->trace == TRACE_GETH) {
        snprintf(p, sizeof p, "[\"0x%x\",{\"tracer\":\"callTracer\"}]", s->height);
        add_req(&r->body, &first, 2, "debug_traceBlockByNumber", p);
    }
    ft_buf_str(&r->body, "]");
    if (r->body.failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    s->stage = 1;
    return ft_eth_rpc_submit(r->rpc, (const char *)r->body.data, r->body.len, s, err);
}

/* After stage 1: does the block need a second POST? Submits it if so. */
static ft_status maybe_stage2(run *r, bslot *s, ft_err *err)
{
    if (r->rcpt != RCPT_PER_TX && !r->o->verify) {
        s->stage = 3; /* parsed in append_slot, after the next request went out */
        return FT_OK;
    }
    ft_status st = slot_parse_one(r, s, &s->text1, &s->reply1, err);
    if (st != FT_OK)
        return st;
    const cJSON *blk;
    st = ft_eth_rpc_result(s->reply1, 0, "eth_getBlockByNumber", &blk, NULL, err);
    if (st != FT_OK)
        return st;
    if (cJSON_IsNull(blk))
        return ft_err_set(err, FT_ERR_STATE, "block %u is not on the node at '%s'", s->height,
                          ft_eth_rpc_url(r->rpc));
    const cJSON *txs = cJSON_GetObjectItemCaseSensitive(blk, "transactions");
    int n = cJSON_GetArraySize(txs);
    if ((r->rcpt != RCPT_PER_TX && !r->o->verify) || n == 0) {
        s->stage = 3;
        return FT_OK;
    }
    ft_buf_reset(&r->body);
    ft_buf_str(&r->body, "[");
    int first = 1, i = 0;
    const cJSON *tx;
    cJSON_ArrayForEach(tx, txs)
    {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(tx, "hash");
        if (!cJSON_IsString(h) || strlen(h->valuestring) != 66)
            return ft_err_set(err, FT_ERR_PARSE, "block %u: transaction %d has no valid hash",
                              s->height, i);
        char p[80];
        snprintf(p, sizeof p, "[\"%s\"]", h->valuestring);
        if (r->rcpt == RCPT_PER_TX)
            add_req(&r->body, &first, i, "eth_getTransactionReceipt", p);
        if (r->o->verify)
            add_req(&r->body, &first, RAW_ID_BASE + i, "eth_getRawTransactionByHash", p);
        i++;
    }
    ft_buf_str(&r->body, "]");
    if (r->body.failed)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    s->stage = 2;
    return ft_eth_rpc_submit(r->rpc, (const char *)r->body.data, r->body.len, s, err);
}

static ft_status verify_tx(run *r, const ft_account_tx *tx, const cJSON *raw, uint32_t height,
                           ft_err *err)
{
    char hx[67];
    hx[0] = '0';
    hx[1] = 'x';
    ft_hex_encode(hx + 2, tx->hash, 32);
    if (!cJSON_IsString(raw))
        return ft_err_set(err, FT_ERR_PARSE, "--verify: node gave no raw bytes for tx %s", hx);
    uint8_t *bytes = NULL;
    size_t len = 0;
    const char *s = raw->valuestring;
    if (strncmp(s, "0x", 2) != 0 || ft_hex_decode_alloc(&bytes, &len, s + 2, strlen(s) - 2) != FT_OK)
        return ft_err_set(err, FT_ERR_PARSE, "--verify: raw bytes of tx %s are not hex", hx);
    ft_eth_txdec d;
    ft_status st = ft_eth_tx_decode(&d, bytes, len, err);
    free(bytes);
    if (st != FT_OK)
        return ft_err_prefix(err, "--verify: tx %s (block %u)", hx, height);
    if (memcmp(d.hash, tx->hash, 32) != 0)
        return ft_err_set(err, FT_ERR_PARSE,
                          "--verify: keccak-256 of the raw bytes of tx %s (block %u) is not its "
                          "hash",
                          hx, height);
    uint8_t from[20];
    st = ft_eth_tx_sender(from, &d, err);
    if (st != FT_OK)
        return ft_err_prefix(err, "--verify: tx %s", hx);
    if (memcmp(from, tx->from, 20) != 0) {
        char a[FT_ETH_ADDR_STR_MAX], b[FT_ETH_ADDR_STR_MAX];
        ft_eth_address_format(a, from);
        ft_eth_address_format(b, tx->from);
        return ft_err_set(err, FT_ERR_PARSE,
                          "--verify: tx %s is signed by %s, but the node says it is from %s", hx,
                          a, b);
    }
    if (!ft_u256_is_zero(&tx->value) || !ft_u256_is_zero(&d.value)) {
        if (ft_u256_cmp(&d.value, &tx->value) != 0)
            return ft_err_set(err, FT_ERR_PARSE, "--verify: signed value of tx %s differs", hx);
    }
    if (d.has_to != tx->has_to || (d.has_to && memcmp(d.to, tx->to, 20) != 0))
        return ft_err_set(err, FT_ERR_PARSE, "--verify: signed recipient of tx %s differs", hx);
    r->stats->verified++;
    return FT_OK;
}

/* Appends the genesis allocations to block 0's rows (after its rewards: block-level rows). */
static ft_status add_genesis_rows(run *r, ft_account_block *ab, ft_err *err)
{
    ft_account_xfer *nx = realloc(ab->xfers, ((size_t)ab->n_xfer + r->n_gen) * sizeof *nx);
    if (!nx)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    ab->xfers = nx;
    for (size_t i = 0; i < r->n_gen; i++) {
        ft_account_xfer *x = &nx[ab->n_xfer++];
        memset(x, 0, sizeof *x);
        x->tx_index = FT_ACCOUNT_NO_TX;
        x->kind = FT_XFER_REWARD;
        x->sub = FT_XSUB_GENESIS;
        x->flags = FT_XFER_MOVES;
        x->has_to = 1;
        memcpy(x->to, r->gen[i].addr, 20);
        x->amount = r->gen[i].amount;
    }
    r->stats->genesis_allocs = (uint32_t)r->n_gen;
    return FT_OK;
}

/* The genesis allocations the node can tell: eth_accounts (anvil's / hardhat's prefunded dev
 * accounts; a public node has none or lacks the method) with their balance at block 0. */
static ft_status genesis_fetch(run *r, ft_err *err)
{
    cJSON *res = NULL;
    ft_err e2;
    ft_err_clear(&e2);
    ft_status st = ft_eth_rpc_call(r->rpc, "eth_accounts", "[]", &res, NULL, &e2);
    if (st == FT_ERR_STATE) { /* no such method: nothing known */
        cJSON_Delete(res);
        return FT_OK;
    }
    if (st != FT_OK) {
        if (err)
            *err = e2;
        return st;
    }
    int n = cJSON_IsArray(res) ? cJSON_GetArraySize(res) : -1;
    if (n < 0 || n > 100000) {
        cJSON_Delete(res);
        return ft_err_set(err, FT_ERR_PARSE, "eth_accounts: not a list of addresses");
    }
    if (n == 0) {
        cJSON_Delete(res);
        return FT_OK;
    }
    uint8_t *addrs = malloc((size_t)n * 20);
    ft_buf_reset(&r->body);
    ft_buf_str(&r->body, "[");
    int first = 1, i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, res)
    {
        if (!addrs || !cJSON_IsString(a) || !ft_eth_hex_addr(addrs + 20 * i, a->valuestring)) {
            free(addrs);
            cJSON_Delete(res);
            return addrs ? ft_err_set(err, FT_ERR_PARSE, "eth_accounts: entry %d is not an address", i)
                         : ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        }
        char p[96], t[FT_ETH_ADDR_STR_MAX];
        ft_eth_address_lower(t, addrs + 20 * i);
        snprintf(p, sizeof p, "[\"%s\",\"0x0\"]", t);
        add_req(&r->body, &first, i, "eth_getBalance", p);
        i++;
    }
    cJSON_Delete(res);
    ft_buf_str(&r->body, "]");
    cJSON *reply = NULL;
    void *tag;
    st = r->body.failed ? ft_err_set(err, FT_ERR_NOMEM, "out of memory")
                        : ft_eth_rpc_submit(r->rpc, (const char *)r->body.data, r->body.len, NULL, err);
    if (st == FT_OK)
        st = ft_eth_rpc_wait(r->rpc, &tag, &reply, err);
    if (st == FT_OK && !(r->gen = calloc((size_t)n, sizeof *r->gen)))
        st = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    for (int k = 0; st == FT_OK && k < n; k++) {
        const cJSON *bal;
        ft_u256 v;
        st = ft_eth_rpc_result(reply, k, "eth_getBalance", &bal, NULL, err);
        if (st == FT_OK && !ft_eth_json_u256(bal, &v))
            st = ft_err_set(err, FT_ERR_PARSE, "eth_getBalance at block 0: not a quantity");
        if (st == FT_OK && !ft_u256_is_zero(&v)) {
            memcpy(r->gen[r->n_gen].addr, addrs + 20 * k, 20);
            r->gen[r->n_gen++].amount = v;
        }
    }
    cJSON_Delete(reply);
    free(addrs);
    if (st == FT_OK && r->n_gen)
        ft_log(FT_LOG_INFO, "%zu genesis allocation(s) from eth_accounts credited in block 0",
               r->n_gen);
    return st;
}

/* Builds, checks and stages the completed block in s. */
static ft_status append_slot(run *r, bslot *s, ft_err *err)
{
    const cJSON *blk, *res;
    ft_status st = slot_parse(r, s, err);
    if (st == FT_OK)
        st = ft_eth_rpc_result(s->reply1, 0, "eth_getBlockByNumber", &blk, NULL, err);
    if (st != FT_OK)
        return st;
    if (cJSON_IsNull(blk))
        return ft_err_set(err, FT_ERR_STATE, "block %u is not on the node at '%s'", s->height,
                          ft_eth_rpc_url(r->rpc));
    ft_eth_block b;
    ft_eth_block_init(&b);
    ft_account_block ab;
    memset(&ab, 0, sizeof ab);
    st = ft_eth_block_from_rpc(&b, blk, err);
    if (st == FT_OK && b.hdr.height != s->height)
        st = ft_err_set(err, FT_ERR_PARSE, "asked for block %u, the node sent block %u",
                        s->height, b.hdr.height);
    if (st != FT_OK)
        goto done;
    if (r->rcpt == RCPT_BLOCK) {
        st = ft_eth_rpc_result(s->reply1, 1, "eth_getBlockReceipts", &res, NULL, err);
        if (st == FT_OK && !cJSON_IsArray(res))
            st = ft_err_set(err, FT_ERR_PARSE, "eth_getBlockReceipts(%u) is not a list", s->height);
        const cJSON *rc;
        if (st == FT_OK)
            cJSON_ArrayForEach(rc, res)
            {
                st = ft_eth_block_add_rpc_receipt(&b, rc, err);
                if (st != FT_OK)
                    break;
            }
    } else {
        for (uint32_t i = 0; st == FT_OK && i < b.n_tx; i++) {
            st = ft_eth_rpc_result(s->reply2, (long)i, "eth_getTransactionReceipt", &res, NULL, err);
            if (st == FT_OK && cJSON_IsNull(res))
                st = ft_err_set(err, FT_ERR_STATE, "the node has no receipt for tx %u of block %u",
                                i, s->height);
            if (st == FT_OK)
                st = ft_eth_block_add_rpc_receipt(&b, res, err);
        }
    }
    if (st != FT_OK)
        goto done;
    if (r->trace != TRACE_NONE) {
        const char *m = r->trace == TRACE_PARITY ? "trace_block" : "debug_traceBlockByNumber";
        st = ft_eth_rpc_result(s->reply1, 2, m, &res, NULL, err);
        if (st == FT_OK)
            st = r->trace == TRACE_PARITY ? ft_eth_block_add_parity_traces(&b, res, err)
                                          : ft_eth_block_add_geth_traces(&b, res, err);
        if (st != FT_OK)
            goto done;
        b.has_traces = 1;
    }
    if (r->o->verify)
        for (uint32_t i = 0; st == FT_OK && i < b.n_tx; i++) {
            st = ft_eth_rpc_result(s->reply2, RAW_ID_BASE + (long)i, "eth_getRawTransactionByHash",
                                   &res, NULL, err);
            if (st == FT_OK)
                st = verify_tx(r, &b.txs[i], res, s->height, err);
        }
    if (st != FT_OK)
        goto done;
    st = ft_eth_block_assemble(&b, r->o->chain, &ab, err);
    if (st != FT_OK)
        goto done;
    if (s->height == 0 && r->n_gen) {
        st = add_genesis_rows(r, &ab, err);
        if (st != FT_OK)
            goto done;
    }
    st = ft_eth_tokens_stage(&r->tok, r->ac, r->st, r->o->chain->chain_byte, &ab, err);
    if (st != FT_OK)
        goto done;
    st = ft_account_append(r->ac, &ab, err);
    if (st == FT_OK) {
        r->stats->blocks++;
        r->stats->txs += ab.n_tx;
        r->stats->xfers += ab.n_xfer;
    }
done:
    ft_eth_block_free_assembled(&ab);
    ft_eth_block_release(&b);
    return st;
}

/* Submits stage 1 of the next heights into every free slot. */
static ft_status fill_window(run *r, uint32_t *submit_h, uint32_t to, ft_err *err)
{
    for (int i = 0; i < r->window && *submit_h <= to; i++) {
        if (r->slots[i].used)
            continue;
        r->slots[i].used = 1;
        r->slots[i].height = (*submit_h)++;
        ft_status s = submit_stage1(r, &r->slots[i], err);
        if (s != FT_OK)
            return s;
    }
    return FT_OK;
}

static ft_status probe(run *r, uint32_t h, ft_err *err)
{
    char p[96];
    cJSON *res = NULL;
    long code = 0;
    ft_err e2;
    snprintf(p, sizeof p, "[\"0x%x\"]", h);
    ft_status st = ft_eth_rpc_call(r->rpc, "eth_getBlockReceipts", p, &res, &code, &e2);
    if (st == FT_OK && cJSON_IsArray(res)) {
        r->rcpt = RCPT_BLOCK;
    } else if (st == FT_OK || st == FT_ERR_STATE) {
        r->rcpt = RCPT_PER_TX;
        ft_log(FT_LOG_DEBUG, "no eth_getBlockReceipts: receipts per transaction");
    } else {
        cJSON_Delete(res);
        if (err)
            *err = e2;
        return st;
    }
    cJSON_Delete(res);
    res = NULL;
    st = ft_eth_rpc_call(r->rpc, "trace_block", p, &res, &code, &e2);
    if (st == FT_OK && cJSON_IsArray(res)) {
        r->trace = TRACE_PARITY;
    } else if (st == FT_OK || st == FT_ERR_STATE) {
        cJSON_Delete(res);
        res = NULL;
        snprintf(p, sizeof p, "[\"0x%x\",{\"tracer\":\"callTracer\"}]", h);
        st = ft_eth_rpc_call(r->rpc, "debug_traceBlockByNumber", p, &res, &code, &e2);
        if (st == FT_OK && cJSON_IsArray(res)) {
            r->trace = TRACE_GETH;
        } else if (st == FT_OK || st == FT_ERR_STATE) {
            r->trace = TRACE_NONE;
            ft_log(FT_LOG_WARN,
                   "the node at '%s' has neither trace_block nor debug_traceBlockByNumber: "
                   "internal transfers (contract payouts) will be missing from the index",
                   ft_eth_rpc_url(r->rpc));
        } else {
            cJSON_Delete(res);
            if (err)
                *err = e2;
            return st;
        }
    } else {
        cJSON_Delete(res);
        if (err)
            *err = e2;
        return st;
    }
    cJSON_Delete(res);
    r->stats->receipts_method =
        r->rcpt == RCPT_BLOCK ? "eth_getBlockReceipts" : "eth_getTransactionReceipt";
    r->stats->trace_method = r->trace == TRACE_PARITY  ? "trace_block"
                             : r->trace == TRACE_GETH ? "debug_traceBlockByNumber"
                                                      : "none";
    return FT_OK;
}

/* The node's hash of block h (eth_getBlockByNumber(h, false)). */
static ft_status node_hash(run *r, uint32_t h, uint8_t out[32], ft_err *err)
{
    char p[64];
    snprintf(p, sizeof p, "[\"0x%x\",false]", h);
    cJSON *res = NULL;
    ft_status st = ft_eth_rpc_call(r->rpc, "eth_getBlockByNumber", p, &res, NULL, err);
    if (st != FT_OK)
        return st;
    const cJSON *hh = cJSON_IsObject(res) ? cJSON_GetObjectItemCaseSensitive(res, "hash") : NULL;
    int ok = cJSON_IsString(hh) && ft_eth_hex_hash(out, hh->valuestring);
    cJSON_Delete(res);
    return ok ? FT_OK : ft_err_set(err, FT_ERR_PARSE, "eth_getBlockByNumber(%u) has no hash", h);
}

/* Rolls back to the last height where the index and the node agree. */
static ft_status reorg(run *r, ft_err *err)
{
    ft_account_chainrec tip;
    ft_account_tip(r->ac, &tip);
    uint32_t keep_below = tip.first_height;
    for (uint32_t k = tip.tip_height;; k--) {
        uint8_t nh[32];
        ft_account_block ib;
        ft_status st = node_hash(r, k, nh, err);
        if (st != FT_OK)
            return st;
        st = ft_account_block_get(r->st, r->o->chain->chain_byte, k, &ib, err);
        if (st != FT_OK)
            return st;
        if (memcmp(nh, ib.hash, 32) == 0) {
            keep_below = k + 1;
            break;
        }
        if (k == tip.first_height || tip.tip_height - k >= 10000)
            break;
    }
    uint32_t n = tip.tip_height + 1 - keep_below;
    ft_log(FT_LOG_WARN, "reorganisation: rolling back %u block(s) above height %d", n,
           (int)keep_below - 1);
    r->stats->rolled_back += n;
    return ft_account_rollback(r->ac, keep_below, err);
}

/* The indexer's allocation pattern (per block: replies, parsed trees, block arrays, a LevelDB
 * batch of a few MB between commits) made glibc give memory back to the kernel and fault it in
 * again; these settings keep it (process-wide, set once: a long-running indexer is what the
 * process is doing). Fixed values also stop glibc's dynamic mmap threshold. */
static void malloc_tune(void)
{
#ifdef __GLIBC__
    static int done;
    if (done)
        return;
    done = 1;
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 16 << 20);
#endif
}

ft_status ft_eth_index_rpc(ft_store *st, const ft_eth_index_opts *o, const ft_progress *progress,
                           ft_eth_index_stats *stats, ft_err *err)
{
    malloc_tune();
    memset(stats, 0, sizeof *stats);
    stats->receipts_method = stats->trace_method = "";
    run r;
    memset(&r, 0, sizeof r);
    r.st = st;
    r.o = o;
    r.stats = stats;
    ft_buf_init(&r.body);
    ft_eth_token_ctx_init(&r.tok, &o->rpc);
    ft_status s = FT_OK;
    if (o->tokens_csv)
        s = ft_eth_tokens_load(&r.tok.table, o->tokens_csv, o->chain, err);
    if (s == FT_OK)
        s = ft_eth_rpc_open(&r.rpc, &o->rpc, err);
    if (s != FT_OK) {
        ft_eth_token_ctx_release(&r.tok);
        return s;
    }
    r.window = ft_eth_rpc_window(r.rpc);
    r.slots = calloc((size_t)r.window, sizeof *r.slots);
    if (!r.slots) {
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        goto out;
    }
    cJSON *res = NULL;
    s = ft_eth_rpc_call(r.rpc, "eth_chainId", "[]", &res, NULL, err);
    if (s != FT_OK)
        goto out;
    uint64_t cid = 0;
    int ok = ft_eth_json_u64(res, &cid);
    cJSON_Delete(res);
    if (!ok) {
        s = ft_err_set(err, FT_ERR_PARSE, "eth_chainId: not a hex quantity");
        goto out;
    }
    if (cid != o->chain->chain_id) {
        const ft_eth_params *other = ft_eth_params_by_id(cid);
        s = ft_err_set(err, FT_ERR_STATE, "the node at '%s' serves chain id %llu (%s), not %llu (%s)",
                       ft_eth_rpc_url(r.rpc), (unsigned long long)cid,
                       other ? other->name : "unknown", (unsigned long long)o->chain->chain_id,
                       o->chain->name);
        goto out;
    }
    s = ft_account_open(&r.ac, st, o->chain->chain_byte, o->chain->chain_id, err);
    if (s != FT_OK)
        goto out;
    uint32_t to = o->to;
    if (!o->has_to) {
        s = ft_eth_rpc_call(r.rpc, "eth_blockNumber", "[]", &res, NULL, err);
        if (s != FT_OK)
            goto out;
        uint64_t bn = 0;
        ok = ft_eth_json_u64(res, &bn) && bn < UINT32_MAX;
        cJSON_Delete(res);
        if (!ok) {
            s = ft_err_set(err, FT_ERR_PARSE, "eth_blockNumber: not a block height");
            goto out;
        }
        to = (uint32_t)bn;
    }
    uint32_t commit_every = o->commit_blocks ? o->commit_blocks : 256;
    int reorgs = 0, probed = 0;
    /* where an empty index starts: --from, else 0; after a rollback that emptied the index,
     * the height it used to start at */
    uint32_t start_h = o->has_from ? o->from : 0;
    for (;;) {
        ft_account_chainrec tip;
        ft_account_tip(r.ac, &tip);
        if (tip.has_tip)
            start_h = tip.first_height;
        uint32_t next = tip.has_tip ? tip.tip_height + 1 : start_h;
        if (tip.has_tip && o->has_from && o->from > next) {
            s = ft_err_set(err, FT_ERR_ARG,
                           "--from %u would leave a gap: the index ends at height %u", o->from,
                           tip.tip_height);
            goto out;
        }
        if (next > to) {
            stats->up_to_date = stats->blocks == 0;
            break;
        }
        if (!probed) {
            s = probe(&r, next, err);
            if (s == FT_OK && next == 0)
                s = genesis_fetch(&r, err);
            if (s != FT_OK)
                goto out;
            probed = 1;
        }
        uint32_t submit_h = next, append_h = next, since_commit = 0;
        int need_reorg = 0;
        while (append_h <= to) {
            s = fill_window(&r, &submit_h, to, err);
            if (s != FT_OK)
                goto out;
            /* append whatever is complete, in order */
            int progressed = 1;
            while (progressed) {
                progressed = 0;
                for (int i = 0; i < r.window; i++) {
                    bslot *sl = &r.slots[i];
                    if (!sl->used || sl->stage != 3 || sl->height != append_h)
                        continue;
                    /* free the slot and send the next height BEFORE building this block:
                     * its round trip then overlaps our parsing and staging (with --window 1
                     * too: still one POST in flight) */
                    bslot done = *sl;
                    memset(sl, 0, sizeof *sl);
                    s = fill_window(&r, &submit_h, to, err);
                    if (s == FT_OK)
                        s = append_slot(&r, &done, err);
                    slot_clear(&done);
                    /* the buffers and the arena go back to the slot (refilled or not, it
                     * has none now: nothing is parsed into it before this point) */
                    sl->text1 = done.text1;
                    sl->text2 = done.text2;
                    if (sl->arena)
                        ft_eth_rpc_arena_free(done.arena);
                    else
                        sl->arena = done.arena;
                    if (s == FT_ERR_STATE && err &&
                        strstr(err->msg, "has parent")) {
                        need_reorg = 1;
                        break;
                    }
                    if (s != FT_OK)
                        goto out;
                    append_h++;
                    since_commit++;
                    progressed = 1;
                    ft_progress_report(progress, "blocks", append_h - next, to + 1 - next);
                    if (since_commit >= commit_every ||
                        ft_account_staged_bytes(r.ac) > ((size_t)32 << 20)) {
                        s = ft_account_commit(r.ac, err);
                        if (s != FT_OK)
                            goto out;
                        since_commit = 0;
                    }
                }
                if (need_reorg)
                    break;
            }
            if (need_reorg || append_h > to)
                break;
            if (ft_eth_rpc_pending(r.rpc) == 0)
                continue; /* everything complete was appended: refill the window first */
            void *tag;
            s = ft_eth_rpc_wait_raw(r.rpc, &tag, &r.spare, err);
            if (s != FT_OK)
                goto out;
            bslot *sl = tag;
            ft_eth_rpc_text t = r.spare;
            if (sl->stage == 1) {
                r.spare = sl->text1;
                sl->text1 = t;
                s = maybe_stage2(&r, sl, err);
            } else {
                r.spare = sl->text2;
                sl->text2 = t;
                sl->has_stage2 = 1;
                sl->stage = 3;
            }
            if (s != FT_OK)
                goto out;
        }
        if (!need_reorg) {
            s = ft_account_commit(r.ac, err);
            if (s != FT_OK)
                goto out;
            break;
        }
        /* reorganisation: keep what agrees, drop the rest, start again above the fork */
        ft_eth_rpc_cancel_all(r.rpc);
        for (int i = 0; i < r.window; i++)
            slot_clear(&r.slots[i]);
        s = ft_account_commit(r.ac, err);
        if (s != FT_OK)
            goto out;
        if (++reorgs > MAX_REORGS) {
            s = ft_err_set(err, FT_ERR_STATE, "the node at '%s' reorganised more than %d times",
                           ft_eth_rpc_url(r.rpc), MAX_REORGS);
            goto out;
        }
        s = reorg(&r, err);
        if (s != FT_OK)
            goto out;
    }
out:
    if (r.ac) {
        ft_account_chainrec tip;
        if (s != FT_OK)
            ft_account_abort(r.ac);
        ft_account_tip(r.ac, &tip);
        stats->has_tip = tip.has_tip;
        stats->tip_height = tip.tip_height;
        ft_account_close(r.ac);
    }
    if (r.rpc) {
        stats->requests = ft_eth_rpc_requests(r.rpc);
        stats->retries = ft_eth_rpc_retries(r.rpc);
    }
    if (r.tok.rpc) {
        stats->requests += ft_eth_rpc_requests(r.tok.rpc);
        stats->retries += ft_eth_rpc_retries(r.tok.rpc);
    }
    stats->tokens_dataset = r.tok.n_dataset;
    stats->tokens_called = r.tok.n_called;
    stats->tokens_unknown = r.tok.n_unknown;
    ft_eth_token_ctx_release(&r.tok);
    free(r.gen);
    if (r.slots)
        for (int i = 0; i < r.window; i++)
            slot_free(&r.slots[i]);
    free(r.slots);
    ft_eth_rpc_text_free(&r.spare);
    ft_eth_rpc_close(r.rpc);
    ft_buf_release(&r.body);
    return s;
}
