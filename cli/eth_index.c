/*
 * eth_index.c — `index ethereum`, and `tx` / `address` on EVM chains (see eth_index.h).
 *
 * index: one source per run, a node (--rpc URL, chains/ethereum/ingest.c) or ethereum-etl
 * exports (--etl DIR, chains/ethereum/etl.c). Summary on stderr unless --quiet; with --json
 * one object on stdout:
 *     {"chain","chain_id","source","blocks","txs","transfers","rolled_back","tip_height",
 *      "up_to_date","receipts","traces","verified","requests","retries",
 *      "tokens":{"dataset","eth_call","unknown"},"genesis_allocations","seconds","blocks_per_s",
 *      "transfers_per_s"}
 * tx --json: {"chain","txid","height","block_hash","time","timestamp","status","fee","nonce",
 *      "inputs":[{address,value}],"outputs":[{address,value}],
 *      "transfers":[{kind,from,to,asset,value,symbol,decimals}]}  — the value movements in
 *      execution order (fee, external, internal, token); a failed tx lists only its fee.
 * address --json: {"chain","address","labels":[{entity,category,source}],
 *      "cluster":{"id","size","labels":[{entity,category}]}|null, "received","sent","balance",
 *      "tx_count","first_seen","last_seen",
 *      "exposure":[{incident,model,amount,asset,symbol,decimals}],
 *      "tokens":[{asset,symbol,decimals,received,sent,balance}]}
 * exposure: what the address received from each incident under each taint model, per asset,
 *      as the last `fundtrace trace`/`report` of that incident stored it (engine/exposure: one
 *      prefix scan by the 20 address bytes; incident id, model poison, haircut, fifo, then
 *      asset, native first); asset "ETH" (the chain's symbol) or the token contract as in
 *      `tx` transfers, amount in asset units as the tokens list; [] when nothing reached it.
 * Native amounts in asset units (18 decimals); token amounts in token units when the index's
 * token record knows the decimals (dataset or eth_call), else in base units with decimals
 * null. Addresses EIP-55.
 */
#include "cli/eth_index.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/etl.h"
#include "chains/ethereum/ingest.h"
#include "chains/ethereum/tokens.h"
#include "cli/btc_index.h"
#include "cli/progress.h"
#include "engine/account.h"
#include "engine/clusteraddr.h"
#include "engine/clusterstore.h"
#include "engine/exposure.h"
#include "engine/hex.h"
#include "engine/labels.h"
#include "engine/timefmt.h"
#include "heuristics/taint.h"

#include "engine/banned.h"

#define MAX_HEADERS 16

const char ft_cli_eth_index_usage[] =
    "usage: fundtrace index ethereum --rpc URL [--chain CHAIN] [--from N] [--to N]\n"
    "                                [--rpc-header 'Name: value']... [--window N] [--verify]\n"
    "   or: fundtrace index ethereum --etl DIR [--chain CHAIN]\n"
    "\n"
    "  --chain CHAIN       ethereum (default), bsc, polygon, arbitrum, avalanche or dev (31337)\n"
    "  --rpc URL           the node's JSON-RPC; eth_chainId must match --chain\n"
    "  --rpc-header H      an extra HTTP header (e.g. 'Authorization: Bearer …'), never logged\n"
    "  --window N          blocks in flight (default 4)\n"
    "  --rpc-timeout MS    per-request timeout (default 30000)\n"
    "  --rpc-retries N     retries on timeout, refused connection, HTTP 429/5xx (default 4)\n"
    "  --from N, --to N    heights (default: from the index tip, or 0, to the node's tip)\n"
    "  --verify            check every transaction's raw signed bytes: keccak-256 = its hash,\n"
    "                      recovered sender = its from (eth_getRawTransactionByHash)\n"
    "  --etl DIR           ethereum-etl / BigQuery exports: blocks, transactions, receipts,\n"
    "                      logs, token_transfers, traces (.csv or .json lines)\n"
    "  --tokens FILE       token symbols and decimals (chain,contract,symbol,decimals,source;\n"
    "                      default: datasets/tokens/tokens.csv of the source tree when found,\n"
    "                      'none' for no file); other tokens: eth_call symbol() and decimals()\n";

/* The bundled tokens dataset: <exe dir>/../datasets/tokens/tokens.csv (the build tree inside
 * the source tree), else ./datasets/tokens/tokens.csv; 0 when neither exists. */
static int default_tokens(char *out, size_t cap)
{
    struct stat sb;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(out, cap, "%s/../datasets/tokens/tokens.csv", exe);
            if (stat(out, &sb) == 0)
                return 1;
        }
    }
    snprintf(out, cap, "datasets/tokens/tokens.csv");
    return stat(out, &sb) == 0;
}

static int is_hex_text(const char *s, size_t n)
{
    if (strlen(s) != n || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return 0;
    return 1;
}

int ft_cli_eth_wants_tx(const char *arg, const char *chain)
{
    if (chain)
        return ft_eth_params_by_name(chain) != NULL;
    return arg && is_hex_text(arg, 66);
}

int ft_cli_eth_wants_address(const char *arg, const char *chain)
{
    if (chain)
        return ft_eth_params_by_name(chain) != NULL;
    return arg && is_hex_text(arg, 42);
}

static int parse_u32(const char *opt, const char *v, uint32_t *out)
{
    unsigned long long n;
    if (ft_cli_parse_u64(v, &n) != 0 || n >= UINT32_MAX)
        return ft_cli_usage_error("index", "option '--%s' needs a block height, not '%s'", opt, v);
    *out = (uint32_t)n;
    return 0;
}

int ft_cli_eth_index(ft_cli *cli, int argc, char **argv)
{
    const char *rpc = NULL, *etl = NULL, *chain = NULL, *from_s = NULL, *to_s = NULL;
    const char *window_s = NULL, *timeout_s = NULL, *retries_s = NULL, *header_dummy = NULL;
    const char *tokens = NULL;
    int verify = 0;
    const char *headers[MAX_HEADERS];
    size_t n_headers = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "--rpc-header") == 0 && i + 1 < argc)
            v = argv[i + 1];
        else if (strncmp(a, "--rpc-header=", 13) == 0)
            v = a + 13;
        if (v) {
            if (n_headers == MAX_HEADERS)
                return ft_cli_usage_error("index", "at most %d --rpc-header options", MAX_HEADERS);
            headers[n_headers++] = v;
        }
    }
    const ft_opt opts[] = {
        {"rpc", 1, &rpc, NULL},           {"etl", 1, &etl, NULL},
        {"chain", 1, &chain, NULL},       {"from", 1, &from_s, NULL},
        {"to", 1, &to_s, NULL},           {"window", 1, &window_s, NULL},
        {"rpc-timeout", 1, &timeout_s, NULL}, {"rpc-retries", 1, &retries_s, NULL},
        {"rpc-header", 1, &header_dummy, NULL}, {"verify", 0, NULL, &verify},
        {"tokens", 1, &tokens, NULL},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int n_pos = 0;
    int rc = ft_cli_parse("index", argc, argv, opts, pos, 1, &n_pos);
    if (rc)
        return rc;
    if (n_pos == 1 && strcmp(pos[0], "ethereum") != 0 && !chain)
        chain = pos[0]; /* `index bsc …` */
    const ft_eth_params *p = ft_eth_params_by_name(chain ? chain : "ethereum");
    if (!p)
        return ft_cli_usage_error("index",
                                  "unknown chain '%s' (ethereum, bsc, polygon, arbitrum, avalanche, dev)",
                                  chain);
    if (!rpc == !etl)
        return ft_cli_usage_error("index", "give exactly one source: --rpc URL or --etl DIR");
    if (etl && (from_s || to_s || window_s || timeout_s || retries_s || n_headers || verify))
        return ft_cli_usage_error("index", "--from, --to, --window, --verify and --rpc-* go with --rpc");
    ft_eth_index_opts o;
    memset(&o, 0, sizeof o);
    o.chain = p;
    o.verify = verify;
    if (from_s && (rc = parse_u32("from", from_s, &o.from)) != 0)
        return rc;
    if (to_s && (rc = parse_u32("to", to_s, &o.to)) != 0)
        return rc;
    o.has_from = from_s != NULL;
    o.has_to = to_s != NULL;
    if (o.has_from && o.has_to && o.from > o.to)
        return ft_cli_usage_error("index", "--from %u is above --to %u", o.from, o.to);
    unsigned long long n;
    if (window_s) {
        if (ft_cli_parse_u64(window_s, &n) != 0 || n < 1 || n > 256)
            return ft_cli_usage_error("index", "option '--window' needs a number from 1 to 256");
        o.rpc.window = (int)n;
    }
    if (timeout_s) {
        if (ft_cli_parse_u64(timeout_s, &n) != 0 || n < 1 || n > 3600000)
            return ft_cli_usage_error("index", "option '--rpc-timeout' needs milliseconds from 1 to 3600000");
        o.rpc.timeout_ms = (long)n;
    }
    if (retries_s) {
        if (ft_cli_parse_u64(retries_s, &n) != 0 || n > 100)
            return ft_cli_usage_error("index", "option '--rpc-retries' needs a number from 0 to 100");
        o.rpc.retries = n == 0 ? -1 : (int)n;
    }
    const char *backoff = getenv("FT_RPC_BACKOFF_MS");
    if (backoff && ft_cli_parse_u64(backoff, &n) == 0 && n > 0 && n < 60000)
        o.rpc.backoff_ms = (long)n;
    const char *cb = getenv("FT_COMMIT_BLOCKS");
    if (cb && ft_cli_parse_u64(cb, &n) == 0 && n > 0 && n < UINT32_MAX)
        o.commit_blocks = (uint32_t)n;
    char tokens_path[PATH_MAX + 64];
    if (tokens && strcmp(tokens, "none") == 0)
        o.tokens_csv = NULL;
    else if (tokens)
        o.tokens_csv = tokens;
    else if (default_tokens(tokens_path, sizeof tokens_path))
        o.tokens_csv = tokens_path;
    o.rpc.url = rpc;
    o.rpc.headers = headers;
    o.rpc.n_headers = n_headers;

    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, cli->db_path, FT_STORE_WRITE, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_cli_progress bar;
    ft_progress progress = {NULL, NULL};
    ft_cli_progress_init(&bar, &progress);
    double t0 = ft_cli_progress_now();
    ft_eth_index_stats stats;
    memset(&stats, 0, sizeof stats);
    if (rpc)
        s = ft_eth_index_rpc(st, &o, cli->progress ? &progress : NULL, &stats, &err);
    else
        s = ft_eth_index_etl_tokens(st, p, etl, o.tokens_csv, &stats, &err);
    double secs = ft_cli_progress_now() - t0;
    ft_cli_progress_finish(&bar);
    if (s == FT_OK) /* the next reader opens a flushed, compacted store (cli/store_settle.c) */
        ft_cli_store_close_settled(st, "index");
    else
        ft_store_close(st);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    if (!cli->quiet) {
        if (stats.up_to_date)
            fprintf(stderr, "index is up to date at height %u (%s)\n", stats.tip_height, p->name);
        else
            fprintf(stderr,
                    "indexed %u blocks, %llu txs, %llu transfers; tip height %u (%s); %.2f s\n",
                    stats.blocks, (unsigned long long)stats.txs,
                    (unsigned long long)stats.xfers, stats.tip_height, p->name, secs);
        if (stats.rolled_back)
            fprintf(stderr, "rolled back %u blocks first (the node had reorganised)\n",
                    stats.rolled_back);
    }
    if (cli->json) {
        cJSON *j = cJSON_CreateObject();
        ft_cli_json_str(j, "chain", p->name, 0);
        ft_cli_json_num(j, "chain_id", (double)p->chain_id);
        ft_cli_json_str(j, "source", rpc ? "rpc" : "etl", 0);
        ft_cli_json_num(j, "blocks", stats.blocks);
        ft_cli_json_num(j, "txs", (double)stats.txs);
        ft_cli_json_num(j, "transfers", (double)stats.xfers);
        ft_cli_json_num(j, "rolled_back", stats.rolled_back);
        if (stats.has_tip)
            ft_cli_json_num(j, "tip_height", stats.tip_height);
        else
            cJSON_AddNullToObject(j, "tip_height");
        cJSON_AddItemToObject(j, "up_to_date", cJSON_CreateBool(stats.up_to_date));
        ft_cli_json_str(j, "receipts", stats.receipts_method, 1);
        ft_cli_json_str(j, "traces", stats.trace_method, 1);
        ft_cli_json_num(j, "verified", (double)stats.verified);
        ft_cli_json_num(j, "requests", (double)stats.requests);
        ft_cli_json_num(j, "retries", (double)stats.retries);
        cJSON *tk = cJSON_AddObjectToObject(j, "tokens");
        ft_cli_json_num(tk, "dataset", stats.tokens_dataset);
        ft_cli_json_num(tk, "eth_call", stats.tokens_called);
        ft_cli_json_num(tk, "unknown", stats.tokens_unknown);
        ft_cli_json_num(j, "genesis_allocations", stats.genesis_allocs);
        ft_cli_json_num(j, "seconds", secs);
        ft_cli_json_num(j, "blocks_per_s", secs > 0 ? stats.blocks / secs : 0);
        ft_cli_json_num(j, "transfers_per_s", secs > 0 ? (double)stats.xfers / secs : 0);
        return ft_cli_json_print(j);
    }
    return 0;
}

int ft_cli_eth_open(ft_cli *cli, const char *chain, ft_store **st, const ft_eth_params **p)
{
    *st = NULL;
    *p = NULL;
    const ft_eth_params *want = NULL;
    if (chain && !(want = ft_eth_params_by_name(chain)))
        return ft_cli_usage_error("", "unknown chain '%s'", chain);
    ft_err err;
    ft_err_clear(&err);
    ft_status s = ft_store_open(st, cli->db_path, FT_STORE_READ, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    for (unsigned i = 0; !want; i++) {
        const ft_eth_params *c = ft_eth_params_at(i);
        if (!c)
            break;
        ft_account_chainrec rec;
        if (ft_account_chain_get(*st, c->chain_byte, &rec, NULL) == FT_OK)
            want = c;
    }
    if (!want) {
        ft_store_close(*st);
        *st = NULL;
        return ft_cli_error(2, "index '%s' holds no EVM chain", cli->db_path);
    }
    *p = want;
    return 0;
}

static void amount_text(char *out, const ft_u256 *v, int has_asset, const ft_eth_params *p)
{
    ft_u256_format(out, v, has_asset ? 0 : p->decimals);
}

/* The token record of each row's asset (rows without asset, or tokens the index has no record
 * of, get a zeroed entry: unknown symbol and decimals). NULL when out of memory. */
static ft_account_token *row_tokens(ft_store *st, uint8_t chain, const ft_account_xfer *rows,
                                    uint32_t n)
{
    ft_account_token *t = calloc(n ? n : 1, sizeof *t);
    for (uint32_t i = 0; t && i < n; i++) {
        if (!rows[i].has_asset)
            continue;
        if (i > 0 && rows[i - 1].has_asset && memcmp(rows[i - 1].asset, rows[i].asset, 20) == 0) {
            t[i] = t[i - 1];
            continue;
        }
        if (ft_account_token_get(st, chain, rows[i].asset, &t[i], NULL) != FT_OK)
            memset(&t[i], 0, sizeof t[i]);
    }
    return t;
}

/* A token amount: in token units when the decimals are known, else in base units. */
static void token_amount_text(char *out, const ft_u256 *v, const ft_account_token *t)
{
    ft_u256_format(out, v, t && t->has_decimals ? t->decimals : 0);
}

/* "symbol" and "decimals" of a row's asset (null when unknown). */
static void json_asset_info(cJSON *o, int has_asset, const ft_account_token *t,
                            const ft_eth_params *p)
{
    if (!has_asset) {
        ft_cli_json_str(o, "symbol", p->symbol, 0);
        ft_cli_json_num(o, "decimals", p->decimals);
        return;
    }
    ft_cli_json_str(o, "symbol", t && t->has_symbol ? t->symbol : NULL, 1);
    if (t && t->has_decimals)
        ft_cli_json_num(o, "decimals", t->decimals);
    else
        cJSON_AddNullToObject(o, "decimals");
}

static void addr_text(char out[FT_ETH_ADDR_STR_MAX], int has, const uint8_t a[20])
{
    if (has)
        ft_eth_address_format(out, a);
    else
        out[0] = '\0';
}

int ft_cli_eth_tx(ft_cli *cli, const char *hash_s, const char *chain)
{
    uint8_t hash[32];
    size_t hl = strlen(hash_s);
    if (!(hl == 66 && hash_s[0] == '0' && (hash_s[1] == 'x' || hash_s[1] == 'X') &&
          ft_hex_decode(hash, 32, hash_s + 2, 64)) &&
        !(hl == 64 && ft_hex_decode(hash, 32, hash_s, 64)))
        return ft_cli_error(2, "'%s' is not a transaction hash (0x + 64 hex digits)", hash_s);
    ft_store *st;
    const ft_eth_params *p;
    int rc = ft_cli_eth_open(cli, chain, &st, &p);
    if (rc)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    uint32_t h, idx;
    ft_account_tx tx;
    ft_account_block blk;
    ft_account_xfer *rows = NULL;
    uint32_t n_rows = 0;
    ft_status s = ft_account_tx_find(st, p->chain_byte, hash, &h, &idx, &err);
    if (s == FT_OK)
        s = ft_account_tx_get(st, p->chain_byte, h, idx, &tx, &err);
    if (s == FT_OK)
        s = ft_account_block_get(st, p->chain_byte, h, &blk, &err);
    if (s == FT_OK && tx.n_xfer)
        s = ft_account_xfers_get(st, p->chain_byte, h, tx.first_xfer, tx.n_xfer, &rows, &n_rows,
                                 &err);
    ft_account_token *toks = s == FT_OK ? row_tokens(st, p->chain_byte, rows, n_rows) : NULL;
    ft_store_close(st);
    if (s == FT_OK && !toks)
        s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
    if (s != FT_OK) {
        ft_account_xfers_free(rows, n_rows);
        free(toks);
        return ft_cli_fail(s, &err);
    }
    ft_u256 fee = ft_u256_from_u64(0);
    for (uint32_t i = 0; i < n_rows; i++)
        if (rows[i].kind == FT_XFER_FEE && !ft_u256_add(&fee, &fee, &rows[i].amount))
            fee = ft_u256_from_u64(0);
    char hx[67], amt[FT_U256_DEC_MAX], a1[FT_ETH_ADDR_STR_MAX], a2[FT_ETH_ADDR_STR_MAX];
    char iso[FT_TIME_ISO8601_MAX];
    hx[0] = '0';
    hx[1] = 'x';
    const char *status = tx.status == FT_TX_STATUS_OK       ? "1"
                         : tx.status == FT_TX_STATUS_FAILED ? "0"
                                                            : NULL;
    uint8_t recipient[20];
    int has_recipient = tx.has_to || tx.has_contract;
    memcpy(recipient, tx.has_to ? tx.to : tx.contract, 20);
    if (cli->json) {
        cJSON *j = cJSON_CreateObject();
        ft_cli_json_str(j, "chain", p->name, 0);
        ft_hex_encode(hx + 2, tx.hash, 32);
        ft_cli_json_str(j, "txid", hx, 0);
        ft_cli_json_num(j, "height", h);
        ft_hex_encode(hx + 2, blk.hash, 32);
        ft_cli_json_str(j, "block_hash", hx, 0);
        ft_cli_json_time(j, "time", blk.time);
        ft_cli_json_num(j, "timestamp", (double)blk.time);
        if (status)
            ft_cli_json_num(j, "status", status[0] - '0');
        else
            cJSON_AddNullToObject(j, "status");
        amount_text(amt, &fee, 0, p);
        ft_cli_json_str(j, "fee", amt, 0);
        ft_cli_json_num(j, "nonce", (double)tx.nonce);
        ft_cli_json_num(j, "type", tx.type);
        ft_cli_json_num(j, "gas_used", (double)tx.gas_used);
        cJSON *ins = cJSON_AddArrayToObject(j, "inputs");
        cJSON *outs = cJSON_AddArrayToObject(j, "outputs");
        amount_text(amt, &tx.value, 0, p);
        cJSON *in = cJSON_CreateObject();
        ft_eth_address_format(a1, tx.from);
        ft_cli_json_str(in, "address", a1, 0);
        ft_cli_json_str(in, "value", amt, 0);
        cJSON_AddItemToArray(ins, in);
        cJSON *out = cJSON_CreateObject();
        addr_text(a2, has_recipient, recipient);
        ft_cli_json_str(out, "address", a2, 1);
        ft_cli_json_str(out, "value", amt, 0);
        cJSON_AddItemToArray(outs, out);
        cJSON *tr = cJSON_AddArrayToObject(j, "transfers");
        for (uint32_t i = 0; i < n_rows; i++) {
            const ft_account_xfer *x = &rows[i];
            if (!(x->flags & FT_XFER_MOVES))
                continue;
            cJSON *o = cJSON_CreateObject();
            ft_cli_json_str(o, "kind", ft_account_kind_name(x->kind), 0);
            addr_text(a1, x->has_from, x->from);
            addr_text(a2, x->has_to, x->to);
            ft_cli_json_str(o, "from", a1, 1);
            ft_cli_json_str(o, "to", a2, 1);
            if (x->has_asset)
                ft_eth_address_format(a1, x->asset);
            ft_cli_json_str(o, "asset", x->has_asset ? a1 : p->symbol, 0);
            if (x->has_asset)
                token_amount_text(amt, &x->amount, &toks[i]);
            else
                amount_text(amt, &x->amount, 0, p);
            ft_cli_json_str(o, "value", amt, 0);
            json_asset_info(o, x->has_asset, &toks[i], p);
            cJSON_AddItemToArray(tr, o);
        }
        ft_account_xfers_free(rows, n_rows);
        free(toks);
        return ft_cli_json_print(j);
    }
    ft_hex_encode(hx + 2, tx.hash, 32);
    printf("tx       %s (%s)\n", hx, p->name);
    ft_hex_encode(hx + 2, blk.hash, 32);
    printf("block    %u %s\n", h, hx);
    printf("time     %s\n", ft_time_iso8601(iso, blk.time));
    printf("status   %s\n", status ? (status[0] == '1' ? "success" : "failed") : "unknown");
    amount_text(amt, &fee, 0, p);
    printf("fee      %s %s\n", amt, p->symbol);
    ft_eth_address_format(a1, tx.from);
    addr_text(a2, has_recipient, recipient);
    amount_text(amt, &tx.value, 0, p);
    printf("from     %s\nto       %s%s\nvalue    %s %s\n", a1, a2[0] ? a2 : "(none)",
           tx.has_to ? "" : " (contract creation)", amt, p->symbol);
    printf("transfers\n");
    for (uint32_t i = 0; i < n_rows; i++) {
        const ft_account_xfer *x = &rows[i];
        if (!(x->flags & FT_XFER_MOVES))
            continue;
        addr_text(a1, x->has_from, x->from);
        addr_text(a2, x->has_to, x->to);
        char asset[FT_ETH_ADDR_STR_MAX + FT_TOKEN_SYMBOL_MAX + 16];
        if (x->has_asset) {
            char ca[FT_ETH_ADDR_STR_MAX];
            ft_eth_address_format(ca, x->asset);
            token_amount_text(amt, &x->amount, &toks[i]);
            snprintf(asset, sizeof asset, "%s%s(%s)", toks[i].has_symbol ? toks[i].symbol : "",
                     toks[i].has_symbol ? " " : "", ca);
            if (!toks[i].has_decimals)
                snprintf(asset, sizeof asset, "base units of %s", ca);
        } else {
            amount_text(amt, &x->amount, 0, p);
            snprintf(asset, sizeof asset, "%s", p->symbol);
        }
        printf("  %-8s %-42s -> %-42s %s %s\n", ft_account_kind_name(x->kind),
               a1[0] ? a1 : "(new coins)", a2[0] ? a2 : "(burnt)", amt, asset);
    }
    ft_account_xfers_free(rows, n_rows);
    free(toks);
    return 0;
}

/* The account cluster of an address (after `fundtrace cluster`): its graph id from the
 * address map (engine/clusteraddr.h), then the cluster records (engine/clusterstore.h), a
 * handful of point reads and no graph load. As for Bitcoin addresses (cmd_address.c), an
 * address alone in its cluster has as cluster label its own first label. clustered stays 0
 * when the chain was never clustered or the address is not in the clustered graph (ran_cluster
 * then says which). */
typedef struct eth_cluster {
    int clustered, ran_cluster;
    uint64_t id, size;
    ft_clusterstore_label *cl;
    size_t n_cl;
} eth_cluster;

static ft_status eth_cluster_get(ft_store *st, uint8_t chain, const uint8_t a[20],
                                 const ft_label_set *labels, eth_cluster *c, ft_err *err)
{
    memset(c, 0, sizeof *c);
    ft_clusterstore_run run;
    ft_status s = ft_clusterstore_run_get(st, chain, &run, err);
    if (s == FT_ERR_NOTFOUND) {
        ft_err_clear(err);
        return FT_OK;
    }
    if (s != FT_OK)
        return s;
    c->ran_cluster = 1;
    uint64_t gid;
    s = ft_clusteraddr_lookup(st, chain, a, &gid, err);
    if (s == FT_ERR_NOTFOUND) {
        ft_err_clear(err);
        return FT_OK;
    }
    if (s == FT_OK)
        s = ft_clusterstore_lookup(st, chain, gid, &c->id, &c->size, &c->cl, &c->n_cl, err);
    if (s != FT_OK)
        return s;
    c->clustered = 1;
    if (c->size == 1 && c->n_cl == 0 && labels->n > 0) {
        c->cl = calloc(1, sizeof *c->cl);
        if (!c->cl)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for cluster labels");
        c->cl[0].category = labels->v[0].category;
        snprintf(c->cl[0].entity, sizeof c->cl[0].entity, "%s", labels->v[0].entity);
        c->n_cl = 1;
    }
    return FT_OK;
}

/* The stored exposure rows of address a (engine/exposure.h) and the token record of each
 * row's asset (*tok: exp->n entries, malloc()ed; zeroed for the native asset or a token the
 * index has no record of). text: also *any_trace (some trace stored exposure on the chain)
 * when the address has none, for the hint. A token key that is not 20 bytes is corrupt. */
static ft_status eth_exposure_get(ft_store *st, uint8_t chain, const uint8_t a[20], int text,
                                  ft_exposure_set *exp, ft_account_token **tok, int *any_trace,
                                  ft_err *err)
{
    *tok = NULL;
    *any_trace = 0;
    ft_addr_key key;
    memset(&key, 0, sizeof key);
    key.len = 20;
    memcpy(key.bytes, a, 20);
    ft_status s = ft_exposure_get(st, chain, &key, exp, err);
    if (s == FT_OK && text && exp->n == 0)
        s = ft_exposure_any(st, chain, any_trace, err);
    if (s != FT_OK)
        return s;
    *tok = calloc(exp->n ? exp->n : 1, sizeof **tok);
    if (!*tok)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for exposure");
    for (size_t i = 0; i < exp->n; i++) {
        const ft_addr_key *as = &exp->v[i].asset;
        if (as->len == 0)
            continue;
        if (as->len != 20)
            return ft_err_set(err, FT_ERR_CORRUPT,
                              "index '%s': exposure row with a %u-byte token key",
                              ft_store_path(st), (unsigned)as->len);
        if (ft_account_token_get(st, chain, as->bytes, &(*tok)[i], NULL) != FT_OK)
            memset(&(*tok)[i], 0, sizeof (*tok)[i]);
    }
    return FT_OK;
}

/* Amount and asset text of an exposure row: the native asset in its decimals, a token in its
 * known decimals (else base units); asset the chain's symbol or the EIP-55 contract. */
static void exposure_text(char *amt, char asset[FT_ETH_ADDR_STR_MAX], const ft_exposure_row *e,
                          const ft_account_token *t, const ft_eth_params *p)
{
    ft_u256 u = ft_u256_from_u128(e->amount);
    if (e->asset.len == 0) {
        amount_text(amt, &u, 0, p);
        snprintf(asset, FT_ETH_ADDR_STR_MAX, "%s", p->symbol);
    } else {
        token_amount_text(amt, &u, t);
        ft_eth_address_format(asset, e->asset.bytes);
    }
}

int ft_cli_eth_address(ft_cli *cli, const char *addr_s, const char *chain)
{
    uint8_t a[20];
    ft_err err;
    ft_err_clear(&err);
    ft_status s = ft_eth_address_parse(a, addr_s, strlen(addr_s), &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_store *st;
    const ft_eth_params *p;
    int rc = ft_cli_eth_open(cli, chain, &st, &p);
    if (rc)
        return rc;
    ft_account_addrview v;
    memset(&v, 0, sizeof v);
    s = ft_account_address_view(st, p->chain_byte, a, &v, &err);
    ft_account_token *toks = NULL;
    ft_label_set labels;
    memset(&labels, 0, sizeof labels);
    if (s == FT_OK) {
        toks = calloc(v.n_assets ? v.n_assets : 1, sizeof *toks);
        for (size_t i = 0; toks && i < v.n_assets; i++)
            if (!v.assets[i].has_asset ||
                ft_account_token_get(st, p->chain_byte, v.assets[i].asset, &toks[i], NULL) != FT_OK)
                memset(&toks[i], 0, sizeof toks[i]);
        if (!toks)
            s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
    }
    if (s == FT_OK) { /* labels imported for this chain (labels import, chain column) */
        ft_addr_key key;
        memset(&key, 0, sizeof key);
        key.len = 20;
        memcpy(key.bytes, a, 20);
        s = ft_labels_get(st, p->chain_byte, &key, &labels, &err);
        if (s == FT_ERR_NOTFOUND)
            s = FT_OK;
    }
    eth_cluster ec;
    memset(&ec, 0, sizeof ec);
    if (s == FT_OK)
        s = eth_cluster_get(st, p->chain_byte, a, &labels, &ec, &err);
    ft_exposure_set exp; /* stored exposure (after `trace`) */
    memset(&exp, 0, sizeof exp);
    ft_account_token *xtok = NULL;
    int any_trace = 0;
    if (s == FT_OK && v.found)
        s = eth_exposure_get(st, p->chain_byte, a, !cli->json, &exp, &xtok, &any_trace, &err);
    ft_store_close(st);
    if (s != FT_OK) {
        ft_account_addrview_release(&v);
        free(toks);
        free(ec.cl);
        ft_label_set_release(&labels);
        ft_exposure_set_release(&exp);
        free(xtok);
        return ft_cli_fail(s, &err);
    }
    char text[FT_ETH_ADDR_STR_MAX], amt[FT_U256_DEC_MAX + 1], asset[FT_ETH_ADDR_STR_MAX];
    ft_eth_address_format(text, a);
    ft_account_asset_total zero;
    memset(&zero, 0, sizeof zero);
    const ft_account_asset_total *native = v.n_assets ? &v.assets[0] : &zero;
    if (cli->json) {
        cJSON *j = cJSON_CreateObject();
        ft_cli_json_str(j, "chain", p->name, 0);
        ft_cli_json_str(j, "address", text, 0);
        cJSON *lj = cJSON_AddArrayToObject(j, "labels");
        for (size_t i = 0; i < labels.n; i++) {
            cJSON *o = cJSON_CreateObject();
            ft_cli_json_str(o, "entity", labels.v[i].entity, 0);
            ft_cli_json_str(o, "category", ft_label_cat_name(labels.v[i].category), 0);
            ft_cli_json_str(o, "source", labels.v[i].source, 0);
            cJSON_AddItemToArray(lj, o);
        }
        if (ec.clustered) {
            cJSON *cj = cJSON_AddObjectToObject(j, "cluster");
            ft_cli_json_num(cj, "id", (double)ec.id);
            ft_cli_json_num(cj, "size", (double)ec.size);
            cJSON *cl = cJSON_AddArrayToObject(cj, "labels");
            for (size_t i = 0; i < ec.n_cl; i++) {
                cJSON *o = cJSON_CreateObject();
                ft_cli_json_str(o, "entity", ec.cl[i].entity, 0);
                ft_cli_json_str(o, "category", ft_label_cat_name(ec.cl[i].category), 0);
                cJSON_AddItemToArray(cl, o);
            }
        } else {
            cJSON_AddNullToObject(j, "cluster");
        }
        free(ec.cl);
        amount_text(amt, &native->received, 0, p);
        ft_cli_json_str(j, "received", amt, 0);
        amount_text(amt, &native->sent, 0, p);
        ft_cli_json_str(j, "sent", amt, 0);
        amt[0] = '-';
        amount_text(amt + (native->negative ? 1 : 0), &native->balance, 0, p);
        ft_cli_json_str(j, "balance", amt, 0);
        ft_cli_json_num(j, "tx_count", (double)v.tx_count);
        if (v.found) {
            ft_cli_json_time(j, "first_seen", v.first_seen);
            ft_cli_json_time(j, "last_seen", v.last_seen);
        } else {
            cJSON_AddNullToObject(j, "first_seen");
            cJSON_AddNullToObject(j, "last_seen");
        }
        cJSON *xj = cJSON_AddArrayToObject(j, "exposure");
        for (size_t i = 0; i < exp.n; i++) {
            const ft_exposure_row *e = &exp.v[i];
            cJSON *o = cJSON_CreateObject();
            ft_cli_json_str(o, "incident", e->incident, 0);
            ft_cli_json_str(o, "model", ft_taint_model_get(e->model)->name, 0);
            exposure_text(amt, asset, e, &xtok[i], p);
            ft_cli_json_str(o, "amount", amt, 0);
            ft_cli_json_str(o, "asset", asset, 0);
            json_asset_info(o, e->asset.len != 0, &xtok[i], p);
            cJSON_AddItemToArray(xj, o);
        }
        ft_exposure_set_release(&exp);
        free(xtok);
        cJSON *tj = cJSON_AddArrayToObject(j, "tokens");
        for (size_t i = 0; i < v.n_assets; i++) {
            const ft_account_asset_total *t = &v.assets[i];
            if (!t->has_asset)
                continue;
            cJSON *o = cJSON_CreateObject();
            ft_eth_address_format(asset, t->asset);
            ft_cli_json_str(o, "asset", asset, 0);
            json_asset_info(o, 1, &toks[i], p);
            token_amount_text(amt, &t->received, &toks[i]);
            ft_cli_json_str(o, "received", amt, 0);
            token_amount_text(amt, &t->sent, &toks[i]);
            ft_cli_json_str(o, "sent", amt, 0);
            amt[0] = '-';
            token_amount_text(amt + (t->negative ? 1 : 0), &t->balance, &toks[i]);
            ft_cli_json_str(o, "balance", amt, 0);
            cJSON_AddItemToArray(tj, o);
        }
        ft_account_addrview_release(&v);
        free(toks);
        ft_label_set_release(&labels);
        return ft_cli_json_print(j);
    }
    printf("address   %s (%s)\n", text, p->name);
    for (size_t i = 0; i < labels.n; i++)
        printf("label     %s (%s; %s)\n", labels.v[i].entity,
               ft_label_cat_name(labels.v[i].category), labels.v[i].source);
    ft_label_set_release(&labels);
    if (!ec.ran_cluster)
        printf("cluster   none (chain not clustered: run 'fundtrace cluster')\n");
    else if (!ec.clustered)
        printf("cluster   none (not in the last clustering run)\n");
    else {
        printf("cluster   %llu, size %llu, labels ", (unsigned long long)ec.id,
               (unsigned long long)ec.size);
        if (!ec.n_cl)
            printf("none");
        for (size_t i = 0; i < ec.n_cl; i++)
            printf("%s%s (%s)", i ? "; " : "", ec.cl[i].entity,
                   ft_label_cat_name(ec.cl[i].category));
        printf("\n");
    }
    free(ec.cl);
    if (!v.found) {
        printf("not seen in the index\n");
        ft_account_addrview_release(&v);
        free(toks);
        ft_exposure_set_release(&exp);
        free(xtok);
        return 0;
    }
    char iso[FT_TIME_ISO8601_MAX];
    amount_text(amt, &native->received, 0, p);
    printf("received  %s %s\n", amt, p->symbol);
    amount_text(amt, &native->sent, 0, p);
    printf("sent      %s %s\n", amt, p->symbol);
    amount_text(amt, &native->balance, 0, p);
    printf("balance   %s%s %s\n", native->negative ? "-" : "", amt, p->symbol);
    printf("txs       %llu\n", (unsigned long long)v.tx_count);
    printf("first     %s (block %u)\n", ft_time_iso8601(iso, v.first_seen), v.first_height);
    printf("last      %s (block %u)\n", ft_time_iso8601(iso, v.last_seen), v.last_height);
    for (size_t i = 0; i < v.n_assets; i++) {
        const ft_account_asset_total *t = &v.assets[i];
        if (!t->has_asset)
            continue;
        ft_eth_address_format(asset, t->asset);
        token_amount_text(amt, &t->balance, &toks[i]);
        if (toks[i].has_decimals)
            printf("token     %s balance %s%s %s\n", asset, t->negative ? "-" : "", amt,
                   toks[i].has_symbol ? toks[i].symbol : "(no symbol)");
        else
            printf("token     %s balance %s%s (base units%s%s)\n", asset, t->negative ? "-" : "",
                   amt, toks[i].has_symbol ? ", " : "", toks[i].has_symbol ? toks[i].symbol : "");
    }
    if (!exp.n)
        printf("exposure  none%s\n", any_trace ? "" : " (no trace stored: run 'fundtrace trace')");
    for (size_t i = 0; i < exp.n; i++) { /* as Bitcoin's: incident, model: amount asset */
        const ft_exposure_row *e = &exp.v[i];
        const ft_account_token *t = &xtok[i];
        exposure_text(amt, asset, e, t, p);
        printf("%s%s, %s: %s ", i ? "          " : "exposure  ", e->incident,
               ft_taint_model_get(e->model)->name, amt);
        if (e->asset.len == 0)
            printf("%s\n", asset);
        else if (t->has_decimals)
            printf("%s %s\n", t->has_symbol ? t->symbol : "(no symbol)", asset);
        else
            printf("%s (base units%s%s)\n", asset, t->has_symbol ? ", " : "",
                   t->has_symbol ? t->symbol : "");
    }
    ft_exposure_set_release(&exp);
    free(xtok);
    ft_account_addrview_release(&v);
    free(toks);
    return 0;
}

int ft_cli_eth_route(int argc, char **argv, int is_address)
{
    const char *chain = NULL, *arg = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--chain") == 0 && i + 1 < argc)
            chain = argv[++i];
        else if (strncmp(argv[i], "--chain=", 8) == 0)
            chain = argv[i] + 8;
        else if (argv[i][0] != '-' && !arg)
            arg = argv[i];
    }
    return is_address ? ft_cli_eth_wants_address(arg, chain) : ft_cli_eth_wants_tx(arg, chain);
}

static int eth_cmd(ft_cli *cli, int argc, char **argv, int is_address)
{
    const char *chain = NULL;
    const ft_opt opts[] = {{"chain", 1, &chain, NULL}, {NULL, 0, NULL, NULL}};
    const char *pos[1];
    int n_pos = 0;
    const char *cmd = is_address ? "address" : "tx";
    int rc = ft_cli_parse(cmd, argc, argv, opts, pos, 1, &n_pos);
    if (rc)
        return rc;
    if (n_pos != 1)
        return ft_cli_usage_error(cmd, "give one %s", is_address ? "address" : "transaction hash");
    return is_address ? ft_cli_eth_address(cli, pos[0], chain) : ft_cli_eth_tx(cli, pos[0], chain);
}

int ft_cli_eth_tx_cmd(ft_cli *cli, int argc, char **argv)
{
    return eth_cmd(cli, argc, argv, 0);
}

int ft_cli_eth_address_cmd(ft_cli *cli, int argc, char **argv)
{
    return eth_cmd(cli, argc, argv, 1);
}
