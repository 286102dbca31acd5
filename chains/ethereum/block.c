/*
 * block.c — gathering one EVM block from JSON-RPC objects and assembling the ledger's rows
 * (see block.h for the order and semantics).
 *
 * Every field read from JSON is checked for type and form (hex quantity, 20-byte address,
 * 32-byte hash); a missing or malformed field is FT_ERR_PARSE naming the field and the block
 * or tx. Traces are flattened to pre-order with their trace addresses (geth's nested frames
 * are walked depth-first; Parity's list already is pre-order), then a per-tx stack of
 * "failed at this depth" flags marks everything under a failed frame as reverted.
 */
#include "chains/ethereum/block.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/hex.h"

#include "engine/banned.h"

static const uint8_t transfer_topic[32] = {
    0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
    0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef};

void ft_eth_block_init(ft_eth_block *b)
{
    memset(b, 0, sizeof *b);
}

void ft_eth_block_release(ft_eth_block *b)
{
    free(b->txs);
    free(b->has_receipt);
    free(b->logs);
    for (size_t i = 0; i < b->n_traces; i++)
        free(b->traces[i].trace_addr);
    free(b->traces);
    ft_eth_block_init(b);
}

ft_status ft_eth_block_set_tx_count(ft_eth_block *b, uint32_t n, ft_err *err)
{
    free(b->txs);
    free(b->has_receipt);
    b->txs = calloc(n ? n : 1, sizeof *b->txs);
    b->has_receipt = calloc(n ? n : 1, sizeof *b->has_receipt);
    b->n_tx = n;
    if (!b->txs || !b->has_receipt)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for %u transactions", n);
    return FT_OK;
}

int ft_eth_block_add_log(ft_eth_block *b, const ft_eth_log *log)
{
    if (b->n_logs == b->cap_logs) {
        size_t nc = b->cap_logs ? b->cap_logs * 2 : 16;
        ft_eth_log *na = realloc(b->logs, nc * sizeof *na);
        if (!na)
            return 0;
        b->logs = na;
        b->cap_logs = nc;
    }
    b->logs[b->n_logs++] = *log;
    return 1;
}

int ft_eth_block_add_trace(ft_eth_block *b, const ft_eth_trace *t)
{
    if (b->n_traces == b->cap_traces) {
        size_t nc = b->cap_traces ? b->cap_traces * 2 : 16;
        ft_eth_trace *na = realloc(b->traces, nc * sizeof *na);
        if (!na)
            return 0;
        b->traces = na;
        b->cap_traces = nc;
    }
    ft_eth_trace c = *t;
    c.trace_addr = NULL;
    if (t->depth) {
        c.trace_addr = malloc(t->depth * sizeof *c.trace_addr);
        if (!c.trace_addr)
            return 0;
        memcpy(c.trace_addr, t->trace_addr, t->depth * sizeof *c.trace_addr);
    }
    b->traces[b->n_traces++] = c;
    b->has_traces = 1;
    return 1;
}

/* ---- JSON helpers -------------------------------------------------------------------------- */

int ft_eth_json_u256(const cJSON *v, ft_u256 *out)
{
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        return ft_u256_parse_hex(out, s, strlen(s));
    }
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 9007199254740992.0 &&
        (double)(uint64_t)v->valuedouble == v->valuedouble) {
        *out = ft_u256_from_u64((uint64_t)v->valuedouble);
        return 1;
    }
    return 0;
}

int ft_eth_json_u64(const cJSON *v, uint64_t *out)
{
    ft_u256 x;
    return ft_eth_json_u256(v, &x) && ft_u256_to_u64(out, &x);
}

int ft_eth_hex_addr(uint8_t out[20], const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n == 42 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
           ft_hex_decode(out, 20, s + 2, 40);
}

int ft_eth_hex_hash(uint8_t out[32], const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n == 66 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
           ft_hex_decode(out, 32, s + 2, 64);
}

static const cJSON *field(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

static int get_u64(const cJSON *o, const char *name, uint64_t *out)
{
    return ft_eth_json_u64(field(o, name), out);
}

static int get_u256(const cJSON *o, const char *name, ft_u256 *out)
{
    return ft_eth_json_u256(field(o, name), out);
}

static int get_addr(const cJSON *o, const char *name, uint8_t out[20])
{
    const cJSON *v = field(o, name);
    return cJSON_IsString(v) && ft_eth_hex_addr(out, v->valuestring);
}

/* 1 present and valid, 0 absent or null, -1 malformed */
static int opt_addr(const cJSON *o, const char *name, uint8_t out[20])
{
    const cJSON *v = field(o, name);
    if (!v || cJSON_IsNull(v))
        return 0;
    return cJSON_IsString(v) && ft_eth_hex_addr(out, v->valuestring) ? 1 : -1;
}

static int get_hash(const cJSON *o, const char *name, uint8_t out[32])
{
    const cJSON *v = field(o, name);
    return cJSON_IsString(v) && ft_eth_hex_hash(out, v->valuestring);
}

static ft_status bad(ft_err *err, uint32_t height, const char *what, const char *name)
{
    return ft_err_set(err, FT_ERR_PARSE, "block %u: %s has no valid '%s'", height, what, name);
}

ft_status ft_eth_block_from_rpc(ft_eth_block *b, const cJSON *blk, ft_err *err)
{
    ft_eth_block_release(b);
    if (!cJSON_IsObject(blk))
        return ft_err_set(err, FT_ERR_PARSE, "block reply is not an object");
    ft_account_block *h = &b->hdr;
    uint64_t num;
    if (!get_u64(blk, "number", &num) || num >= UINT32_MAX)
        return ft_err_set(err, FT_ERR_PARSE, "block reply has no valid 'number'");
    h->height = (uint32_t)num;
    uint64_t t;
    if (!get_hash(blk, "hash", h->hash))
        return bad(err, h->height, "block", "hash");
    if (!get_hash(blk, "parentHash", h->parent))
        return bad(err, h->height, "block", "parentHash");
    if (!get_u64(blk, "timestamp", &t) || t > INT64_MAX)
        return bad(err, h->height, "block", "timestamp");
    h->time = (int64_t)t;
    if (!get_addr(blk, "miner", h->miner))
        return bad(err, h->height, "block", "miner");
    if (!get_u64(blk, "gasUsed", &h->gas_used))
        return bad(err, h->height, "block", "gasUsed");
    if (!get_u64(blk, "gasLimit", &h->gas_limit))
        return bad(err, h->height, "block", "gasLimit");
    const cJSON *bf = field(blk, "baseFeePerGas");
    if (bf && !cJSON_IsNull(bf)) {
        if (!ft_eth_json_u256(bf, &h->base_fee))
            return bad(err, h->height, "block", "baseFeePerGas");
        h->has_base_fee = 1;
    }
    const cJSON *txs = field(blk, "transactions");
    if (!cJSON_IsArray(txs))
        return bad(err, h->height, "block", "transactions");
    int n = cJSON_GetArraySize(txs);
    ft_status s = ft_eth_block_set_tx_count(b, (uint32_t)n, err);
    if (s != FT_OK)
        return s;
    int i = 0;
    const cJSON *tx;
    cJSON_ArrayForEach(tx, txs)
    {
        ft_account_tx *x = &b->txs[i];
        if (!cJSON_IsObject(tx))
            return ft_err_set(err, FT_ERR_PARSE,
                              "block %u: transactions are hashes, not objects (full=true needed)",
                              h->height);
        uint64_t idx;
        if (!get_hash(tx, "hash", x->hash))
            return bad(err, h->height, "a transaction", "hash");
        if (!get_u64(tx, "transactionIndex", &idx) || idx != (uint64_t)i)
            return bad(err, h->height, "a transaction", "transactionIndex");
        x->index = (uint32_t)i;
        if (!get_addr(tx, "from", x->from))
            return bad(err, h->height, "a transaction", "from");
        int r = opt_addr(tx, "to", x->to);
        if (r < 0)
            return bad(err, h->height, "a transaction", "to");
        x->has_to = r;
        if (!get_u256(tx, "value", &x->value))
            return bad(err, h->height, "a transaction", "value");
        if (!get_u64(tx, "nonce", &x->nonce))
            return bad(err, h->height, "a transaction", "nonce");
        if (!get_u64(tx, "gas", &x->gas))
            return bad(err, h->height, "a transaction", "gas");
        if (!get_u256(tx, "gasPrice", &x->gas_price))
            return bad(err, h->height, "a transaction", "gasPrice");
        uint64_t type = 0;
        const cJSON *tv = field(tx, "type");
        if (tv && !ft_eth_json_u64(tv, &type))
            return bad(err, h->height, "a transaction", "type");
        if (type > 255)
            return bad(err, h->height, "a transaction", "type");
        x->type = (uint8_t)type;
        const cJSON *mf = field(tx, "maxFeePerGas");
        if (mf && !cJSON_IsNull(mf)) {
            if (!ft_eth_json_u256(mf, &x->max_fee) ||
                !get_u256(tx, "maxPriorityFeePerGas", &x->max_priority_fee))
                return bad(err, h->height, "a transaction", "maxFeePerGas");
            x->has_max_fee = 1;
        }
        x->status = FT_TX_STATUS_UNKNOWN;
        i++;
    }
    return FT_OK;
}

ft_status ft_eth_block_add_rpc_receipt(ft_eth_block *b, const cJSON *rc, ft_err *err)
{
    uint32_t height = b->hdr.height;
    if (!cJSON_IsObject(rc))
        return ft_err_set(err, FT_ERR_PARSE, "block %u: a receipt is not an object", height);
    uint64_t idx;
    uint8_t hash[32];
    if (!get_u64(rc, "transactionIndex", &idx) || idx >= b->n_tx)
        return bad(err, height, "a receipt", "transactionIndex");
    ft_account_tx *x = &b->txs[idx];
    if (!get_hash(rc, "transactionHash", hash) || memcmp(hash, x->hash, 32) != 0)
        return bad(err, height, "a receipt", "transactionHash");
    const cJSON *bh = field(rc, "blockHash");
    uint8_t bhash[32];
    if (cJSON_IsString(bh) && (!ft_eth_hex_hash(bhash, bh->valuestring) ||
                               memcmp(bhash, b->hdr.hash, 32) != 0))
        return ft_err_set(err, FT_ERR_STATE, "block %u: a receipt belongs to another block",
                          height);
    if (!get_u64(rc, "gasUsed", &x->gas_used))
        return bad(err, height, "a receipt", "gasUsed");
    if (!get_u64(rc, "cumulativeGasUsed", &x->cumulative_gas_used))
        return bad(err, height, "a receipt", "cumulativeGasUsed");
    const cJSON *eg = field(rc, "effectiveGasPrice");
    if (eg && !cJSON_IsNull(eg)) {
        if (!ft_eth_json_u256(eg, &x->effective_gas_price))
            return bad(err, height, "a receipt", "effectiveGasPrice");
    } else {
        x->effective_gas_price = x->gas_price;
    }
    const cJSON *st = field(rc, "status");
    uint64_t status;
    if (st && !cJSON_IsNull(st)) {
        if (!ft_eth_json_u64(st, &status) || status > 1)
            return bad(err, height, "a receipt", "status");
        x->status = status ? FT_TX_STATUS_OK : FT_TX_STATUS_FAILED;
    }
    int r = opt_addr(rc, "contractAddress", x->contract);
    if (r < 0)
        return bad(err, height, "a receipt", "contractAddress");
    x->has_contract = r;
    const cJSON *logs = field(rc, "logs");
    if (!cJSON_IsArray(logs))
        return bad(err, height, "a receipt", "logs");
    const cJSON *lg;
    cJSON_ArrayForEach(lg, logs)
    {
        ft_eth_log l;
        memset(&l, 0, sizeof l);
        uint64_t li;
        l.tx_index = (uint32_t)idx;
        if (!get_u64(lg, "logIndex", &li) || li > UINT32_MAX)
            return bad(err, height, "a log", "logIndex");
        l.log_index = (uint32_t)li;
        if (!get_addr(lg, "address", l.address))
            return bad(err, height, "a log", "address");
        const cJSON *topics = field(lg, "topics"), *tp;
        if (!cJSON_IsArray(topics) || cJSON_GetArraySize(topics) > 4)
            return bad(err, height, "a log", "topics");
        cJSON_ArrayForEach(tp, topics)
        {
            if (!cJSON_IsString(tp) || !ft_eth_hex_hash(l.topics[l.n_topics], tp->valuestring))
                return bad(err, height, "a log", "topics");
            l.n_topics++;
        }
        const cJSON *data = field(lg, "data");
        if (!cJSON_IsString(data) || strncmp(data->valuestring, "0x", 2) != 0 ||
            strlen(data->valuestring) % 2)
            return bad(err, height, "a log", "data");
        if (strlen(data->valuestring) == 66) {
            uint8_t w[32];
            if (!ft_hex_decode(w, 32, data->valuestring + 2, 64) ||
                !ft_u256_from_be(&l.data_value, w, 32))
                return bad(err, height, "a log", "data");
            l.data_word = 1;
        }
        if (!ft_eth_block_add_log(b, &l))
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    b->has_receipt[idx] = 1;
    return FT_OK;
}

static int call_sub(const char *t, uint8_t *sub)
{
    static const struct {
        const char *name;
        uint8_t sub;
    } map[] = {{"call", FT_XSUB_CALL},         {"callcode", FT_XSUB_CALLCODE},
               {"delegatecall", FT_XSUB_DELEGATECALL}, {"staticcall", FT_XSUB_STATICCALL},
               {"create", FT_XSUB_CREATE},     {"create2", FT_XSUB_CREATE2},
               {"selfdestruct", FT_XSUB_SELFDESTRUCT}, {"suicide", FT_XSUB_SELFDESTRUCT}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(t, map[i].name) == 0) {
            *sub = map[i].sub;
            return 1;
        }
    return 0;
}

ft_status ft_eth_block_add_parity_traces(ft_eth_block *b, const cJSON *traces, ft_err *err)
{
    uint32_t height = b->hdr.height;
    if (!cJSON_IsArray(traces))
        return ft_err_set(err, FT_ERR_PARSE, "block %u: trace_block result is not a list", height);
    b->has_traces = 1;
    const cJSON *tr;
    uint32_t addr[FT_ACCOUNT_MAX_DEPTH];
    cJSON_ArrayForEach(tr, traces)
    {
        ft_eth_trace t;
        memset(&t, 0, sizeof t);
        const cJSON *type = field(tr, "type"), *action = field(tr, "action"),
                    *result = field(tr, "result");
        if (!cJSON_IsString(type) || !cJSON_IsObject(action))
            return bad(err, height, "a trace", "type/action");
        const cJSON *pos = field(tr, "transactionPosition");
        if (!pos || cJSON_IsNull(pos)) {
            t.tx_index = FT_ACCOUNT_NO_TX;
        } else {
            uint64_t p;
            if (!ft_eth_json_u64(pos, &p) || p >= UINT32_MAX)
                return bad(err, height, "a trace", "transactionPosition");
            t.tx_index = (uint32_t)p;
        }
        const cJSON *th = field(tr, "transactionHash");
        if (cJSON_IsString(th)) {
            if (!ft_eth_hex_hash(t.tx_hash, th->valuestring))
                return bad(err, height, "a trace", "transactionHash");
            t.has_tx_hash = 1;
        }
        const cJSON *e = field(tr, "error");
        t.error = e && !cJSON_IsNull(e);
        uint64_t sc = 0;
        if (!get_u64(tr, "subtraces", &sc) || sc > UINT32_MAX)
            return bad(err, height, "a trace", "subtraces");
        t.subtraces = (uint32_t)sc;
        const cJSON *ta = field(tr, "traceAddress"), *ai;
        if (!cJSON_IsArray(ta) || cJSON_GetArraySize(ta) > FT_ACCOUNT_MAX_DEPTH)
            return bad(err, height, "a trace", "traceAddress");
        cJSON_ArrayForEach(ai, ta)
        {
            uint64_t v;
            if (!ft_eth_json_u64(ai, &v) || v > UINT32_MAX)
                return bad(err, height, "a trace", "traceAddress");
            addr[t.depth++] = (uint32_t)v;
        }
        t.trace_addr = addr;
        const char *ty = type->valuestring;
        int r1 = 1, r2 = 1, okv = 1;
        if (strcmp(ty, "call") == 0) {
            const cJSON *ct = field(action, "callType");
            if (!cJSON_IsString(ct) || !call_sub(ct->valuestring, &t.sub))
                return bad(err, height, "a call trace", "callType");
            r1 = opt_addr(action, "from", t.from);
            r2 = opt_addr(action, "to", t.to);
            okv = get_u256(action, "value", &t.value);
        } else if (strcmp(ty, "create") == 0) {
            const cJSON *cm = field(action, "creationMethod");
            t.sub = cJSON_IsString(cm) && strcmp(cm->valuestring, "create2") == 0 ? FT_XSUB_CREATE2
                                                                                  : FT_XSUB_CREATE;
            r1 = opt_addr(action, "from", t.from);
            r2 = cJSON_IsObject(result) ? opt_addr(result, "address", t.to) : 0;
            okv = get_u256(action, "value", &t.value);
        } else if (strcmp(ty, "suicide") == 0 || strcmp(ty, "selfdestruct") == 0) {
            t.sub = FT_XSUB_SELFDESTRUCT;
            r1 = opt_addr(action, "address", t.from);
            r2 = opt_addr(action, "refundAddress", t.to);
            okv = get_u256(action, "balance", &t.value);
        } else if (strcmp(ty, "reward") == 0) {
            const cJSON *rt = field(action, "rewardType");
            t.sub = cJSON_IsString(rt) && strcmp(rt->valuestring, "uncle") == 0
                        ? FT_XSUB_REWARD_UNCLE
                        : FT_XSUB_REWARD_BLOCK;
            r1 = 0;
            r2 = opt_addr(action, "author", t.to);
            okv = get_u256(action, "value", &t.value);
            t.tx_index = FT_ACCOUNT_NO_TX;
        } else {
            return ft_err_set(err, FT_ERR_PARSE, "block %u: unknown trace type '%s'", height, ty);
        }
        if (r1 < 0 || r2 < 0 || !okv)
            return bad(err, height, "a trace", "from/to/value");
        t.has_from = r1;
        t.has_to = r2;
        if (!ft_eth_block_add_trace(b, &t))
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    return FT_OK;
}

static ft_status geth_frame(ft_eth_block *b, const cJSON *fr, uint32_t tx, uint32_t *addr,
                            uint32_t depth, ft_err *err)
{
    uint32_t height = b->hdr.height;
    if (!cJSON_IsObject(fr))
        return bad(err, height, "a callTracer frame", "type");
    if (depth >= FT_ACCOUNT_MAX_DEPTH)
        return ft_err_set(err, FT_ERR_LIMIT, "block %u: call frames nested too deep", height);
    ft_eth_trace t;
    memset(&t, 0, sizeof t);
    t.tx_index = tx;
    const cJSON *type = field(fr, "type");
    if (!cJSON_IsString(type) || !call_sub(type->valuestring, &t.sub))
        return bad(err, height, "a callTracer frame", "type");
    int r1 = opt_addr(fr, "from", t.from), r2 = opt_addr(fr, "to", t.to);
    if (r1 < 0 || r2 < 0)
        return bad(err, height, "a callTracer frame", "from/to");
    t.has_from = r1;
    t.has_to = r2;
    const cJSON *v = field(fr, "value");
    if (v && !cJSON_IsNull(v)) {
        if (!ft_eth_json_u256(v, &t.value))
            return bad(err, height, "a callTracer frame", "value");
    } else if (t.sub == FT_XSUB_SELFDESTRUCT || t.sub == FT_XSUB_CALL ||
               t.sub == FT_XSUB_CALLCODE || t.sub == FT_XSUB_CREATE || t.sub == FT_XSUB_CREATE2) {
        t.value_unknown = 1;
    }
    const cJSON *e = field(fr, "error");
    t.error = e && !cJSON_IsNull(e);
    const cJSON *calls = field(fr, "calls");
    if (calls && !cJSON_IsArray(calls))
        return bad(err, height, "a callTracer frame", "calls");
    t.subtraces = calls ? (uint32_t)cJSON_GetArraySize(calls) : 0;
    t.depth = depth;
    t.trace_addr = addr;
    if (!ft_eth_block_add_trace(b, &t))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    uint32_t k = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, calls)
    {
        addr[depth] = k++;
        ft_status s = geth_frame(b, c, tx, addr, depth + 1, err);
        if (s != FT_OK)
            return s;
    }
    return FT_OK;
}

ft_status ft_eth_block_add_geth_traces(ft_eth_block *b, const cJSON *traces, ft_err *err)
{
    uint32_t height = b->hdr.height;
    if (!cJSON_IsArray(traces))
        return ft_err_set(err, FT_ERR_PARSE,
                          "block %u: debug_traceBlockByNumber result is not a list", height);
    b->has_traces = 1;
    static uint32_t addr[FT_ACCOUNT_MAX_DEPTH];
    uint32_t tx = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, traces)
    {
        const cJSON *res = field(it, "result");
        if (!res)
            return bad(err, height, "a geth trace", "result");
        if (field(it, "error") && !cJSON_IsNull(field(it, "error")) && !cJSON_IsObject(res))
            return ft_err_set(err, FT_ERR_PARSE, "block %u: geth could not trace tx %u", height,
                              tx);
        size_t before = b->n_traces;
        ft_status s = geth_frame(b, res, tx, addr, 0, err);
        if (s != FT_OK)
            return s;
        const cJSON *th = field(it, "txHash");
        if (cJSON_IsString(th)) {
            uint8_t hh[32];
            if (!ft_eth_hex_hash(hh, th->valuestring))
                return bad(err, height, "a geth trace", "txHash");
            for (size_t i = before; i < b->n_traces; i++) {
                memcpy(b->traces[i].tx_hash, hh, 32);
                b->traces[i].has_tx_hash = 1;
            }
        }
        tx++;
    }
    return FT_OK;
}

void ft_eth_block_finish_traces(ft_eth_block *b)
{
    /* failed[d]: the frame at depth d on the current path failed (or one above it did) */
    static uint8_t failed[FT_ACCOUNT_MAX_DEPTH + 1];
    for (size_t i = 0; i < b->n_traces; i++) {
        ft_eth_trace *t = &b->traces[i];
        int above = t->depth > 0 ? failed[t->depth - 1] : 0;
        t->reverted = above || t->error;
        failed[t->depth] = (uint8_t)t->reverted;
    }
}

/* ---- assembly ------------------------------------------------------------------------------ */

static int internal_moves(const ft_eth_trace *t)
{
    if (t->reverted || t->value_unknown || ft_u256_is_zero(&t->value) || !t->has_from ||
        !t->has_to)
        return 0;
    return t->sub == FT_XSUB_CALL || t->sub == FT_XSUB_CREATE || t->sub == FT_XSUB_CREATE2 ||
           t->sub == FT_XSUB_SELFDESTRUCT;
}

void ft_eth_block_free_assembled(ft_account_block *out)
{
    free(out->txs);
    free(out->xfers);
    out->txs = NULL;
    out->xfers = NULL;
}

/* Sorts indices of items by tx (stable): idx[] gets positions, start[tx] the first slot. */
static int group_by_tx(size_t n, uint32_t n_tx, const void *items, size_t stride, size_t off,
                       size_t **idx_out, size_t **start_out)
{
    size_t *start = calloc((size_t)n_tx + 2, sizeof *start);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!start || !idx) {
        free(start);
        free(idx);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t tx;
        memcpy(&tx, (const uint8_t *)items + i * stride + off, sizeof tx);
        size_t g = tx == FT_ACCOUNT_NO_TX || tx >= n_tx ? n_tx : tx;
        start[g + 1]++;
    }
    for (uint32_t g = 0; g <= n_tx; g++)
        start[g + 1] += start[g];
    size_t *fill = calloc((size_t)n_tx + 1, sizeof *fill);
    if (!fill) {
        free(start);
        free(idx);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t tx;
        memcpy(&tx, (const uint8_t *)items + i * stride + off, sizeof tx);
        size_t g = tx == FT_ACCOUNT_NO_TX || tx >= n_tx ? n_tx : tx;
        idx[start[g] + fill[g]++] = i;
    }
    free(fill);
    *idx_out = idx;
    *start_out = start;
    return 1;
}

static ft_account_xfer *new_row(ft_account_xfer *rows, uint32_t *n)
{
    ft_account_xfer *x = &rows[(*n)++];
    memset(x, 0, sizeof *x);
    return x;
}

ft_status ft_eth_block_assemble(ft_eth_block *b, const ft_eth_params *p, ft_account_block *out,
                                ft_err *err)
{
    (void)p;
    *out = b->hdr;
    out->txs = NULL;
    out->xfers = NULL;
    out->n_tx = b->n_tx;
    out->has_traces = b->has_traces;
    uint32_t height = b->hdr.height;
    for (uint32_t i = 0; i < b->n_tx; i++)
        if (!b->has_receipt[i]) {
            char hx[65];
            ft_hex_encode(hx, b->txs[i].hash, 32);
            return ft_err_set(err, FT_ERR_PARSE,
                              "block %u: no receipt for transaction 0x%s (fees and status need it)",
                              height, hx);
        }
    for (size_t i = 0; i < b->n_traces; i++)
        if (b->traces[i].tx_index != FT_ACCOUNT_NO_TX && b->traces[i].tx_index >= b->n_tx)
            return ft_err_set(err, FT_ERR_PARSE, "block %u: a trace names transaction %u of %u",
                              height, b->traces[i].tx_index, b->n_tx);
    for (size_t i = 0; i < b->n_logs; i++)
        if (b->logs[i].tx_index >= b->n_tx)
            return ft_err_set(err, FT_ERR_PARSE, "block %u: a log names transaction %u of %u",
                              height, b->logs[i].tx_index, b->n_tx);
    ft_eth_block_finish_traces(b);

    size_t *tidx = NULL, *tstart = NULL, *lidx = NULL, *lstart = NULL;
    if (!group_by_tx(b->n_traces, b->n_tx, b->traces, sizeof *b->traces,
                     offsetof(ft_eth_trace, tx_index), &tidx, &tstart) ||
        !group_by_tx(b->n_logs, b->n_tx, b->logs, sizeof *b->logs, offsetof(ft_eth_log, tx_index),
                     &lidx, &lstart)) {
        free(tidx);
        free(tstart);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    size_t max_rows = (size_t)b->n_tx * 3 + b->n_traces + b->n_logs + 1;
    ft_account_tx *txs = malloc((b->n_tx ? b->n_tx : 1) * sizeof *txs);
    ft_account_xfer *rows = malloc(max_rows * sizeof *rows);
    ft_status s = FT_OK;
    if (!txs || !rows) {
        s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        goto done;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->n_tx; i++) {
        ft_account_tx *t = &txs[i];
        *t = b->txs[i];
        const ft_eth_trace *top = NULL;
        for (size_t k = tstart[i]; k < tstart[i + 1]; k++)
            if (b->traces[tidx[k]].depth == 0) {
                top = &b->traces[tidx[k]];
                break;
            }
        if (t->status == FT_TX_STATUS_UNKNOWN && top)
            t->status = top->error ? FT_TX_STATUS_FAILED : FT_TX_STATUS_OK;
        int failed = t->status == FT_TX_STATUS_FAILED;
        /* fee */
        ft_u256 gas_used = ft_u256_from_u64(t->gas_used), fee, burn = ft_u256_from_u64(0), tip;
        if (!ft_u256_mul(&fee, &gas_used, &t->effective_gas_price)) {
            s = ft_err_set(err, FT_ERR_LIMIT, "block %u: fee of tx %u overflows", height, i);
            goto done;
        }
        if (b->hdr.has_base_fee && !ft_u256_mul(&burn, &gas_used, &b->hdr.base_fee)) {
            s = ft_err_set(err, FT_ERR_LIMIT, "block %u: base fee of tx %u overflows", height, i);
            goto done;
        }
        if (!ft_u256_sub(&tip, &fee, &burn)) {
            s = ft_err_set(err, FT_ERR_PARSE,
                           "block %u: tx %u pays a gas price below the block's base fee", height,
                           i);
            goto done;
        }
        if (!ft_u256_is_zero(&tip)) {
            ft_account_xfer *x = new_row(rows, &n);
            x->tx_index = i;
            x->kind = FT_XFER_FEE;
            x->sub = FT_XSUB_FEE_TIP;
            x->flags = FT_XFER_MOVES;
            x->has_from = x->has_to = 1;
            memcpy(x->from, t->from, 20);
            memcpy(x->to, b->hdr.miner, 20);
            x->amount = tip;
        }
        if (!ft_u256_is_zero(&burn)) {
            ft_account_xfer *x = new_row(rows, &n);
            x->tx_index = i;
            x->kind = FT_XFER_FEE;
            x->sub = FT_XSUB_FEE_BURN;
            x->flags = FT_XFER_MOVES;
            x->has_from = 1;
            memcpy(x->from, t->from, 20);
            x->amount = burn;
        }
        /* external */
        {
            ft_account_xfer *x = new_row(rows, &n);
            x->tx_index = i;
            x->kind = FT_XFER_EXTERNAL;
            x->sub = t->has_to ? FT_XSUB_CALL : FT_XSUB_CREATE;
            x->has_from = 1;
            memcpy(x->from, t->from, 20);
            if (t->has_to) {
                x->has_to = 1;
                memcpy(x->to, t->to, 20);
            } else if (t->has_contract) {
                x->has_to = 1;
                memcpy(x->to, t->contract, 20);
            } else if (top && top->has_to) {
                x->has_to = 1;
                memcpy(x->to, top->to, 20);
            }
            x->amount = t->value;
            if (top) {
                x->flags |= FT_XFER_TRACE;
                x->sub = top->sub;
                x->subtraces = top->subtraces;
            }
            if (failed || (top && top->reverted))
                x->flags |= FT_XFER_REVERTED;
            else if (!ft_u256_is_zero(&x->amount) && x->has_to)
                x->flags |= FT_XFER_MOVES;
        }
        /* internal, in trace order */
        for (size_t k = tstart[i]; k < tstart[i + 1]; k++) {
            const ft_eth_trace *tr = &b->traces[tidx[k]];
            if (tr->depth == 0)
                continue;
            ft_account_xfer *x = new_row(rows, &n);
            x->tx_index = i;
            x->kind = FT_XFER_INTERNAL;
            x->sub = tr->sub;
            x->flags = FT_XFER_TRACE;
            if (tr->reverted || failed)
                x->flags |= FT_XFER_REVERTED;
            else if (internal_moves(tr))
                x->flags |= FT_XFER_MOVES;
            if (tr->value_unknown)
                x->flags |= FT_XFER_VALUE_UNKNOWN;
            x->has_from = tr->has_from;
            x->has_to = tr->has_to;
            memcpy(x->from, tr->from, 20);
            memcpy(x->to, tr->to, 20);
            x->amount = tr->value;
            x->subtraces = tr->subtraces;
            x->depth = tr->depth;
            x->trace_addr = tr->trace_addr;
        }
        /* tokens, in log order */
        for (size_t k = lstart[i]; k < lstart[i + 1]; k++) {
            const ft_eth_log *l = &b->logs[lidx[k]];
            if (l->n_topics != 3 || !l->data_word || memcmp(l->topics[0], transfer_topic, 32))
                continue;
            ft_account_xfer *x = new_row(rows, &n);
            x->tx_index = i;
            x->kind = FT_XFER_TOKEN;
            x->has_from = x->has_to = x->has_asset = 1;
            memcpy(x->from, l->topics[1] + 12, 20);
            memcpy(x->to, l->topics[2] + 12, 20);
            memcpy(x->asset, l->address, 20);
            x->amount = l->data_value;
            x->log_index = l->log_index;
            if (failed)
                x->flags |= FT_XFER_REVERTED;
            else if (!ft_u256_is_zero(&x->amount))
                x->flags |= FT_XFER_MOVES;
        }
    }
    /* block-level rows: rewards */
    for (size_t k = tstart[b->n_tx]; k < tstart[b->n_tx + 1]; k++) {
        const ft_eth_trace *tr = &b->traces[tidx[k]];
        if (tr->sub != FT_XSUB_REWARD_BLOCK && tr->sub != FT_XSUB_REWARD_UNCLE)
            continue;
        ft_account_xfer *x = new_row(rows, &n);
        x->tx_index = FT_ACCOUNT_NO_TX;
        x->kind = FT_XFER_REWARD;
        x->sub = tr->sub;
        x->flags = FT_XFER_TRACE | (tr->has_to && !ft_u256_is_zero(&tr->value) ? FT_XFER_MOVES : 0);
        x->has_to = tr->has_to;
        memcpy(x->to, tr->to, 20);
        x->amount = tr->value;
    }
    out->txs = txs;
    out->xfers = rows;
    out->n_xfer = n;
    txs = NULL;
    rows = NULL;
done:
    free(txs);
    free(rows);
    free(tidx);
    free(tstart);
    free(lidx);
    free(lstart);
    return s;
}
