/*
 * cmd_export.c — `fundtrace export ETH-TABLE [--chain C] [--out FILE]`: the indexed rows of an
 * EVM chain in ethereum-etl's column names and value forms (addresses and hashes lower case,
 * amounts as wei integers, empty cells for "none"), so that a comparison with ethereum-etl's
 * output is a plain file comparison on the columns the index holds:
 *
 *   eth-blocks           number,hash,parent_hash,miner,gas_limit,gas_used,timestamp,
 *                        transaction_count,base_fee_per_gas
 *   eth-transactions     hash,nonce,block_hash,block_number,transaction_index,from_address,
 *                        to_address,value,gas,gas_price,block_timestamp,max_fee_per_gas,
 *                        max_priority_fee_per_gas,transaction_type,receipt_cumulative_gas_used,
 *                        receipt_gas_used,receipt_contract_address,receipt_status,
 *                        receipt_effective_gas_price
 *   eth-receipts         transaction_hash,transaction_index,block_hash,block_number,
 *                        cumulative_gas_used,gas_used,contract_address,status,effective_gas_price
 *   eth-token-transfers  token_address,from_address,to_address,value,transaction_hash,log_index,
 *                        block_number                          (ethereum-etl's full layout)
 *   eth-traces           block_number,transaction_hash,transaction_index,from_address,
 *                        to_address,value,trace_type,call_type,reward_type,subtraces,
 *                        trace_address,status
 *   eth-transfers        ours: block_number,transaction_hash,seq,kind,sub,from_address,
 *                        to_address,asset,value,moves
 *
 * `export incidents` writes the stored incidents of every chain in the import CSV of
 * ARCHITECTURE.md section 6, so that importing the file gives the same rows (a round trip;
 * the one exception is a cell the formula-injection guard prefixes with ').
 * `export eth-traces --rpc URL --block N` reads one block's traces straight from a node
 * (trace_block, or debug_traceBlockByNumber with --trace-format geth) and prints them the same
 * way without an index: for checking a node or a peer tool's trace output.
 * Exit codes: 0 ok, 1 index or file unreadable / node unreachable, 2 bad data, 129 usage.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/address.h"
#include "chains/ethereum/block.h"
#include "chains/ethereum/jsonrpc.h"
#include "cli/cli.h"
#include "cli/cluster_cli.h"
#include "cli/commands.h"
#include "cli/eth_index.h"
#include "engine/account.h"
#include "engine/csv.h"
#include "engine/hex.h"
#include "engine/incidents.h"
#include "engine/keys.h"
#include "engine/log.h"

#include "engine/banned.h"

const char cmd_export_usage[] =
    "usage: fundtrace export clusters|labels|incidents [--out FILE]\n"
    "   or: fundtrace export eth-blocks|eth-transactions|eth-receipts|eth-token-transfers|\n"
    "                        eth-traces|eth-transfers [--chain CHAIN] [--out FILE]\n"
    "   or: fundtrace export eth-traces --rpc URL --block N [--trace-format parity|geth]\n"
    "                        [--rpc-header H]\n"
    "\n"
    "clusters, labels: the clustering's tables (see 'fundtrace help cluster').\n"
    "incidents: the stored incidents in the import CSV (incident,date,chain,seed,asset,amount,\n"
    "attribution,source; every chain, sorted by chain, incident, seed): importing the file\n"
    "into an index gives the same rows (cells starting with = + - @ get a leading ').\n"
    "eth-*: the indexed rows of an EVM chain as CSV in ethereum-etl's column names (see\n"
    "docs/ethereum.md for the columns), to FILE or standard output. With --rpc, one block's\n"
    "traces straight from a node, no index needed.\n"
    "\n"
    "Exit codes: 0 ok, 1 index or node unreachable, 2 bad data, 129 usage error.\n";

static void addr_cell(FILE *f, int has, const uint8_t a[20])
{
    if (has) {
        char t[FT_ETH_ADDR_STR_MAX];
        ft_eth_address_lower(t, a);
        fputs(t, f);
    }
}

static void hash_cell(FILE *f, const uint8_t h[32])
{
    char t[65];
    ft_hex_encode(t, h, 32);
    fprintf(f, "0x%s", t);
}

static void u256_cell(FILE *f, const ft_u256 *v)
{
    char t[FT_U256_DEC_MAX];
    ft_u256_to_dec(t, v);
    fputs(t, f);
}

static const char *trace_type(uint8_t kind, uint8_t sub)
{
    if (kind == FT_XFER_REWARD)
        return "reward";
    switch (sub) {
    case FT_XSUB_CREATE:
    case FT_XSUB_CREATE2: return "create";
    case FT_XSUB_SELFDESTRUCT: return "suicide";
    default: return "call";
    }
}

static const char *call_type(uint8_t sub)
{
    switch (sub) {
    case FT_XSUB_CALL: return "call";
    case FT_XSUB_CALLCODE: return "callcode";
    case FT_XSUB_DELEGATECALL: return "delegatecall";
    case FT_XSUB_STATICCALL: return "staticcall";
    default: return "";
    }
}

static void trace_addr_cell(FILE *f, uint32_t depth, const uint32_t *a)
{
    if (!depth)
        return;
    if (depth > 1)
        fputc('"', f);
    for (uint32_t i = 0; i < depth; i++)
        fprintf(f, "%s%u", i ? "," : "", a[i]);
    if (depth > 1)
        fputc('"', f);
}

/* One trace row (from the index or straight from a node). */
static void trace_row(FILE *f, uint32_t height, int has_hash, const uint8_t hash[32],
                      uint32_t tx_index, uint8_t kind, uint8_t sub, int has_from,
                      const uint8_t from[20], int has_to, const uint8_t to[20],
                      int value_unknown, const ft_u256 *value, uint32_t subtraces, uint32_t depth,
                      const uint32_t *taddr, int status)
{
    fprintf(f, "%u,", height);
    if (has_hash)
        hash_cell(f, hash);
    fputc(',', f);
    if (tx_index != FT_ACCOUNT_NO_TX)
        fprintf(f, "%u", tx_index);
    fputc(',', f);
    addr_cell(f, has_from, from);
    fputc(',', f);
    addr_cell(f, has_to, to);
    fputc(',', f);
    if (!value_unknown)
        u256_cell(f, value);
    const char *tt = trace_type(kind, sub);
    fprintf(f, ",%s,%s,%s,%u,", tt, strcmp(tt, "call") == 0 ? call_type(sub) : "",
            kind == FT_XFER_REWARD ? ft_account_sub_name(sub) : "", subtraces);
    trace_addr_cell(f, depth, taddr);
    fprintf(f, ",%d\n", status);
}

static int export_node_traces(const char *rpc_url, const char *block_s, const char *format,
                              const char *header, FILE *out)
{
    unsigned long long n;
    if (!block_s || ft_cli_parse_u64(block_s, &n) != 0 || n >= UINT32_MAX)
        return ft_cli_usage_error("export", "--rpc needs --block N");
    int geth = format && strcmp(format, "geth") == 0;
    if (format && !geth && strcmp(format, "parity") != 0)
        return ft_cli_usage_error("export", "--trace-format is parity or geth, not '%s'", format);
    ft_eth_rpc_opts o;
    memset(&o, 0, sizeof o);
    o.url = rpc_url;
    o.window = 1;
    const char *hdrs[1] = {header};
    o.headers = hdrs;
    o.n_headers = header ? 1 : 0;
    ft_err err;
    ft_err_clear(&err);
    ft_eth_rpc *rpc = NULL;
    ft_status s = ft_eth_rpc_open(&rpc, &o, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    char params[96];
    if (geth)
        snprintf(params, sizeof params, "[\"0x%llx\",{\"tracer\":\"callTracer\"}]", n);
    else
        snprintf(params, sizeof params, "[\"0x%llx\"]", n);
    cJSON *res = NULL;
    s = ft_eth_rpc_call(rpc, geth ? "debug_traceBlockByNumber" : "trace_block", params, &res, NULL,
                        &err);
    ft_eth_rpc_close(rpc);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_eth_block b;
    ft_eth_block_init(&b);
    b.hdr.height = (uint32_t)n;
    s = geth ? ft_eth_block_add_geth_traces(&b, res, &err)
             : ft_eth_block_add_parity_traces(&b, res, &err);
    cJSON_Delete(res);
    if (s != FT_OK) {
        ft_eth_block_release(&b);
        return ft_cli_fail(s, &err);
    }
    ft_eth_block_finish_traces(&b);
    fputs("block_number,transaction_hash,transaction_index,from_address,to_address,value,"
          "trace_type,call_type,reward_type,subtraces,trace_address,status\n",
          out);
    for (size_t i = 0; i < b.n_traces; i++) {
        const ft_eth_trace *t = &b.traces[i];
        uint8_t kind = t->sub == FT_XSUB_REWARD_BLOCK || t->sub == FT_XSUB_REWARD_UNCLE
                           ? FT_XFER_REWARD
                           : (t->depth ? FT_XFER_INTERNAL : FT_XFER_EXTERNAL);
        trace_row(out, b.hdr.height, t->has_tx_hash, t->tx_hash, t->tx_index, kind, t->sub,
                  t->has_from, t->from, t->has_to, t->to, t->value_unknown, &t->value,
                  t->subtraces, t->depth, t->trace_addr, t->reverted ? 0 : 1);
    }
    ft_eth_block_release(&b);
    return 0;
}

enum { T_BLOCKS, T_TXS, T_RECEIPTS, T_TOKENS, T_TRACES, T_TRANSFERS };

static int export_index(ft_cli *cli, int table, const char *chain, FILE *out)
{
    ft_store *st;
    const ft_eth_params *p;
    int rc = ft_cli_eth_open(cli, chain, &st, &p);
    if (rc)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    ft_account_chainrec rec;
    ft_status s = ft_account_chain_get(st, p->chain_byte, &rec, &err);
    static const char *const headers[] = {
        "number,hash,parent_hash,miner,gas_limit,gas_used,timestamp,transaction_count,"
        "base_fee_per_gas\n",
        "hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,"
        "gas_price,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type,"
        "receipt_cumulative_gas_used,receipt_gas_used,receipt_contract_address,receipt_status,"
        "receipt_effective_gas_price\n",
        "transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,"
        "contract_address,status,effective_gas_price\n",
        "token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n",
        "block_number,transaction_hash,transaction_index,from_address,to_address,value,"
        "trace_type,call_type,reward_type,subtraces,trace_address,status\n",
        "block_number,transaction_hash,seq,kind,sub,from_address,to_address,asset,value,moves\n",
    };
    fputs(headers[table], out);
    for (uint32_t h = rec.first_height; s == FT_OK && rec.has_tip && h <= rec.tip_height; h++) {
        ft_account_block b;
        s = ft_account_block_get(st, p->chain_byte, h, &b, &err);
        if (s != FT_OK)
            break;
        if (table == T_BLOCKS) {
            fprintf(out, "%u,", h);
            hash_cell(out, b.hash);
            fputc(',', out);
            hash_cell(out, b.parent);
            fputc(',', out);
            addr_cell(out, 1, b.miner);
            fprintf(out, ",%llu,%llu,%lld,%u,", (unsigned long long)b.gas_limit,
                    (unsigned long long)b.gas_used, (long long)b.time, b.n_tx);
            if (b.has_base_fee)
                u256_cell(out, &b.base_fee);
            fputc('\n', out);
            continue;
        }
        ft_account_tx *txs = calloc(b.n_tx ? b.n_tx : 1, sizeof *txs);
        if (!txs) {
            s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
            break;
        }
        for (uint32_t i = 0; s == FT_OK && i < b.n_tx; i++)
            s = ft_account_tx_get(st, p->chain_byte, h, i, &txs[i], &err);
        if (s == FT_OK && (table == T_TXS || table == T_RECEIPTS)) {
            for (uint32_t i = 0; i < b.n_tx; i++) {
                const ft_account_tx *t = &txs[i];
                const char *status = t->status == FT_TX_STATUS_OK       ? "1"
                                     : t->status == FT_TX_STATUS_FAILED ? "0"
                                                                        : "";
                if (table == T_TXS) {
                    hash_cell(out, t->hash);
                    fprintf(out, ",%llu,", (unsigned long long)t->nonce);
                    hash_cell(out, b.hash);
                    fprintf(out, ",%u,%u,", h, i);
                    addr_cell(out, 1, t->from);
                    fputc(',', out);
                    addr_cell(out, t->has_to, t->to);
                    fputc(',', out);
                    u256_cell(out, &t->value);
                    fprintf(out, ",%llu,", (unsigned long long)t->gas);
                    u256_cell(out, &t->gas_price);
                    fprintf(out, ",%lld,", (long long)b.time);
                    if (t->has_max_fee)
                        u256_cell(out, &t->max_fee);
                    fputc(',', out);
                    if (t->has_max_fee)
                        u256_cell(out, &t->max_priority_fee);
                    fprintf(out, ",%u,%llu,%llu,", t->type,
                            (unsigned long long)t->cumulative_gas_used,
                            (unsigned long long)t->gas_used);
                    addr_cell(out, t->has_contract, t->contract);
                    fprintf(out, ",%s,", status);
                    u256_cell(out, &t->effective_gas_price);
                    fputc('\n', out);
                } else {
                    hash_cell(out, t->hash);
                    fprintf(out, ",%u,", i);
                    hash_cell(out, b.hash);
                    fprintf(out, ",%u,%llu,%llu,", h, (unsigned long long)t->cumulative_gas_used,
                            (unsigned long long)t->gas_used);
                    addr_cell(out, t->has_contract, t->contract);
                    fprintf(out, ",%s,", status);
                    u256_cell(out, &t->effective_gas_price);
                    fputc('\n', out);
                }
            }
        } else if (s == FT_OK) {
            ft_account_xfer *rows = NULL;
            uint32_t n = 0;
            s = ft_account_xfers_get(st, p->chain_byte, h, 0, UINT32_MAX, &rows, &n, &err);
            for (uint32_t i = 0; s == FT_OK && i < n; i++) {
                const ft_account_xfer *x = &rows[i];
                const uint8_t *txh = x->tx_index != FT_ACCOUNT_NO_TX && x->tx_index < b.n_tx
                                         ? txs[x->tx_index].hash
                                         : NULL;
                if (table == T_TOKENS && x->kind == FT_XFER_TOKEN) {
                    addr_cell(out, 1, x->asset);
                    fputc(',', out);
                    addr_cell(out, x->has_from, x->from);
                    fputc(',', out);
                    addr_cell(out, x->has_to, x->to);
                    fputc(',', out);
                    u256_cell(out, &x->amount);
                    fputc(',', out);
                    if (txh)
                        hash_cell(out, txh);
                    fprintf(out, ",%u,%u\n", x->log_index, h);
                } else if (table == T_TRACES && (x->flags & FT_XFER_TRACE)) {
                    trace_row(out, h, txh != NULL, txh, x->tx_index, x->kind, x->sub, x->has_from,
                              x->from, x->has_to, x->to, (x->flags & FT_XFER_VALUE_UNKNOWN) != 0,
                              &x->amount, x->subtraces, x->depth, x->trace_addr,
                              (x->flags & FT_XFER_REVERTED) ? 0 : 1);
                } else if (table == T_TRANSFERS) {
                    fprintf(out, "%u,", h);
                    if (txh)
                        hash_cell(out, txh);
                    fprintf(out, ",%u,%s,%s,", i, ft_account_kind_name(x->kind),
                            ft_account_sub_name(x->sub));
                    addr_cell(out, x->has_from, x->from);
                    fputc(',', out);
                    addr_cell(out, x->has_to, x->to);
                    fputc(',', out);
                    if (x->has_asset)
                        addr_cell(out, 1, x->asset);
                    else
                        fputs(p->symbol, out);
                    fputc(',', out);
                    u256_cell(out, &x->amount);
                    fprintf(out, ",%d\n", (x->flags & FT_XFER_MOVES) ? 1 : 0);
                }
            }
            ft_account_xfers_free(rows, n);
        }
        free(txs);
    }
    ft_store_close(st);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    return 0;
}

/* The chain bytes whose incidents `export incidents` writes, in this order. */
static const uint8_t incident_chains[] = {FT_CHAIN_BTC,      FT_CHAIN_ETH,      FT_CHAIN_BSC,
                                          FT_CHAIN_POLYGON,  FT_CHAIN_ARBITRUM, FT_CHAIN_AVALANCHE,
                                          FT_CHAIN_EVMDEV};

static void incident_rows(FILE *f, const ft_incident_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        const ft_incident_row *x = &set->v[i];
        const char *cells[8] = {x->incident, x->date,   ft_incidents_chain_name(x->chain),
                                x->seed,     x->asset,  x->amount,
                                x->attribution, x->source};
        for (int k = 0; k < 8; k++) {
            if (k)
                fputc(',', f);
            ft_csv_cell(f, cells[k]);
        }
        fputc('\n', f);
    }
}

/* `export incidents`: every stored incident row, to out_path (temporary file, renamed when
 * complete) or standard output. */
static int export_incidents(ft_cli *cli, const char *out_path)
{
    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, cli->db_path, FT_STORE_READ, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_incident_set set;
    memset(&set, 0, sizeof set);
    for (size_t c = 0; c < sizeof incident_chains && s == FT_OK; c++)
        s = ft_incidents_scan(st, incident_chains[c], &set, &err);
    ft_store_close(st);
    if (s != FT_OK) {
        ft_incident_set_release(&set);
        return ft_cli_fail(s, &err);
    }
    char tmp[4096];
    FILE *f = stdout;
    if (out_path) {
        snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
        if (!(f = fopen(tmp, "w"))) {
            ft_incident_set_release(&set);
            return ft_cli_error(1, "cannot create '%s': %s", tmp, strerror(errno));
        }
    }
    fputs("incident,date,chain,seed,asset,amount,attribution,source\n", f);
    incident_rows(f, &set);
    size_t n = set.n;
    ft_incident_set_release(&set);
    if (!out_path)
        return 0;
    if (fclose(f) != 0) {
        remove(tmp);
        return ft_cli_error(1, "cannot write '%s'", tmp);
    }
    if (rename(tmp, out_path) != 0) {
        remove(tmp);
        return ft_cli_error(1, "cannot rename '%s': %s", tmp, strerror(errno));
    }
    ft_log(FT_LOG_INFO, "exported %zu incident rows to '%s'", n, out_path);
    return 0;
}

int cmd_export(ft_cli *cli, int argc, char **argv)
{
    const char *chain = NULL, *out_path = NULL, *rpc = NULL, *block = NULL, *format = NULL;
    const char *header = NULL;
    const ft_opt opts[] = {
        {"chain", 1, &chain, NULL}, {"out", 1, &out_path, NULL},
        {"rpc", 1, &rpc, NULL},     {"block", 1, &block, NULL},
        {"trace-format", 1, &format, NULL}, {"rpc-header", 1, &header, NULL},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int n_pos = 0;
    int rc = ft_cli_parse("export", argc, argv, opts, pos, 1, &n_pos);
    if (rc)
        return rc;
    if (n_pos != 1)
        return ft_cli_usage_error("export", "what to export? e.g. 'fundtrace export eth-transactions'");
    /* clusters and labels: cli/cmd_cluster.c (issue 5) */
    if (strcmp(pos[0], "clusters") == 0 || strcmp(pos[0], "labels") == 0) {
        if (rpc || block || format || header)
            return ft_cli_usage_error("export", "'%s' takes --out only", pos[0]);
        return ft_cli_export_cluster_table(cli, pos[0], chain, out_path);
    }
    if (strcmp(pos[0], "incidents") == 0) {
        if (rpc || block || format || header || chain)
            return ft_cli_usage_error("export", "'incidents' takes --out only");
        return export_incidents(cli, out_path);
    }
    static const char *const names[] = {"eth-blocks",          "eth-transactions", "eth-receipts",
                                        "eth-token-transfers", "eth-traces",       "eth-transfers"};
    int table = -1;
    for (int i = 0; i < 6; i++)
        if (strcmp(pos[0], names[i]) == 0)
            table = i;
    if (table < 0)
        return ft_cli_usage_error("export", "cannot export '%s' (clusters, labels, incidents, %s, %s, %s, %s, %s, %s)",
                                  pos[0], names[0], names[1], names[2], names[3], names[4],
                                  names[5]);
    if (rpc && table != T_TRACES)
        return ft_cli_usage_error("export", "--rpc goes with eth-traces only");
    if (!rpc && (block || format || header))
        return ft_cli_usage_error("export", "--block, --trace-format and --rpc-header go with --rpc");
    FILE *out = stdout;
    if (out_path && !(out = fopen(out_path, "w")))
        return ft_cli_error(1, "cannot create '%s'", out_path);
    rc = rpc ? export_node_traces(rpc, block, format, header, out)
             : export_index(cli, table, chain, out);
    if (out != stdout) {
        if (fclose(out) != 0 && rc == 0)
            rc = ft_cli_error(1, "cannot write '%s'", out_path);
    }
    return rc;
}
