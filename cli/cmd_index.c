/*
 * cmd_index.c — `fundtrace index bitcoin --blocks DIR | --rpc URL ...`: fills the index.
 *
 * Two sources, one of them per run: Bitcoin Core's block files (chains/bitcoin/index_blocks.c)
 * or a node's JSON-RPC (chains/bitcoin/index_rpc.c). Both resume from the index's checkpoint,
 * so re-running is cheap and a killed run loses at most the uncommitted batch.
 *
 * Output: a summary line on stderr (blocks, txs, tip height, seconds, tx/s) unless --quiet;
 * with --json one object on stdout:
 *     {"chain","network","source","blocks","txs","rolled_back","tip_height","up_to_date",
 *      "seconds","tx_per_s"}
 * A progress line on stderr only when it is a terminal (cli->progress).
 * Exit codes: 0 ok, 1 unreadable files / node unreachable, 2 bad block data or an index of
 * another network, 129 usage.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "chains/bitcoin/indexer.h"
#include "chains/bitcoin/params.h"
#include "cli/btc_index.h"
#include "chains/ethereum/params.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/eth_index.h"
#include "cli/progress.h"
#include "engine/store.h"

#include "engine/banned.h"

const char cmd_index_usage[] =
    "usage: fundtrace index bitcoin --blocks DIR [--network NET] [--to-height N]\n"
    "   or: fundtrace index bitcoin --rpc URL [--rpc-cookie FILE | --rpc-user U --rpc-password P]\n"
    "                               [--network NET] [--from N] [--to N]\n"
    "   or: fundtrace index ethereum --rpc URL | --etl DIR [--chain CHAIN] ...\n"
    "       (EVM chains, handled by cli/eth_index.c: their options are in docs/cli.md)\n"
    "\n"
    "Indexes a chain into the store (--db). Re-running continues from where the last run\n"
    "stopped; a block that does not extend the index's tip rolls it back to the fork first.\n"
    "\n"
    "  --blocks DIR        Bitcoin Core's blocks folder (or its data dir): blk*.dat, xor.dat\n"
    "  --network NET       main (default for --blocks), testnet, testnet4, signet or regtest;\n"
    "                      with --rpc the node's own network unless given\n"
    "  --to-height N       stop at height N (block files)\n"
    "  --rpc URL           a node's JSON-RPC, e.g. http://127.0.0.1:8332/\n"
    "  --rpc-cookie FILE   Bitcoin Core's .cookie file for authentication\n"
    "  --rpc-user U, --rpc-password P\n"
    "                      user and password instead of the cookie\n"
    "  --from N, --to N    heights to index over RPC (default: from the index tip to the node's)\n"
    "\n"
    "--from N > 0 on an empty index makes a PARTIAL index: inputs spending outputs created\n"
    "before block N are recorded unresolved (address and value unknown; `tx` shows them as\n"
    "such, with an unknown fee), and `address` totals count only what the index saw from\n"
    "block N on. An index started at genesis refuses any unknown prevout.\n"
    "  --rpc-timeout MS    per-request timeout in milliseconds (default 30000)\n"
    "  --rpc-retries N     retries after a timeout, refused connection or HTTP 5xx (default 3)\n"
    "\n"
    "Prints a summary on stderr (with --json an object on stdout: blocks, txs, tip_height,\n"
    "seconds, tx_per_s).\n"
    "\n"
    "Exit codes: 0 ok, 1 files unreadable or node unreachable, 2 bad block data or an index of\n"
    "another network, 129 usage error.\n";

static int parse_height(const char *opt, const char *v, uint32_t *out)
{
    unsigned long long n;
    if (ft_cli_parse_u64(v, &n) != 0 || n >= FT_BTC_HEIGHT_NONE)
        return ft_cli_usage_error("index", "option '--%s' needs a block height, not '%s'", opt, v);
    *out = (uint32_t)n;
    return 0;
}

int cmd_index(ft_cli *cli, int argc, char **argv)
{
    /* `index ethereum|bsc|…|dev ...`: the account-model side (cli/eth_index.c) */
    if (argc > 1 && argv[1][0] != '-' && ft_eth_params_by_name(argv[1]))
        return ft_cli_eth_index(cli, argc, argv);
    const char *blocks = NULL, *rpc = NULL, *network = NULL, *to_height_s = NULL;
    const char *cookie = NULL, *user = NULL, *password = NULL, *from_s = NULL, *to_s = NULL;
    const char *timeout_s = NULL, *retries_s = NULL;
    const ft_opt opts[] = {
        {"blocks", 1, &blocks, NULL},
        {"rpc", 1, &rpc, NULL},
        {"network", 1, &network, NULL},
        {"to-height", 1, &to_height_s, NULL},
        {"rpc-cookie", 1, &cookie, NULL},
        {"rpc-user", 1, &user, NULL},
        {"rpc-password", 1, &password, NULL},
        {"from", 1, &from_s, NULL},
        {"to", 1, &to_s, NULL},
        {"rpc-timeout", 1, &timeout_s, NULL},
        {"rpc-retries", 1, &retries_s, NULL},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[1];
    int n_pos = 0;
    int rc = ft_cli_parse("index", argc, argv, opts, pos, 1, &n_pos);
    if (rc)
        return rc;
    if (n_pos != 1)
        return ft_cli_usage_error("index",
                                  "which chain? e.g. 'fundtrace index bitcoin --blocks DIR'");
    if (strcmp(pos[0], "bitcoin") != 0 && strcmp(pos[0], "btc") != 0)
        return ft_cli_usage_error(
            "index", "chain '%s' cannot be indexed by this build (only 'bitcoin')", pos[0]);
    if (!blocks == !rpc)
        return ft_cli_usage_error("index", "give exactly one source: --blocks DIR or --rpc URL");
    if (blocks && (cookie || user || password || from_s || to_s || timeout_s || retries_s))
        return ft_cli_usage_error("index",
                                  "--rpc-* options, --from and --to go with --rpc, not --blocks");
    if (rpc && to_height_s)
        return ft_cli_usage_error("index", "--to-height goes with --blocks; use --to with --rpc");
    if (cookie && (user || password))
        return ft_cli_usage_error("index",
                                  "give --rpc-cookie or --rpc-user/--rpc-password, not both");
    if (!user != !password)
        return ft_cli_usage_error("index", "--rpc-user and --rpc-password go together");
    /* Block files default to main; a node says which network it is on. */
    const ft_btc_params *net = network || blocks ? ft_btc_params_by_name(network ? network : "main")
                                                 : NULL;
    if ((network || blocks) && !net)
        return ft_cli_usage_error(
            "index", "unknown network '%s' (main, testnet, testnet4, signet, regtest)", network);
    uint32_t to_height = FT_BTC_HEIGHT_NONE, from = FT_BTC_HEIGHT_NONE, to = FT_BTC_HEIGHT_NONE;
    if (to_height_s && (rc = parse_height("to-height", to_height_s, &to_height)) != 0)
        return rc;
    if (from_s && (rc = parse_height("from", from_s, &from)) != 0)
        return rc;
    if (to_s && (rc = parse_height("to", to_s, &to)) != 0)
        return rc;
    unsigned long long timeout_ms = 0, retries = 0;
    if (timeout_s &&
        (ft_cli_parse_u64(timeout_s, &timeout_ms) != 0 || timeout_ms < 1 || timeout_ms > 3600000))
        return ft_cli_usage_error("index",
                                  "option '--rpc-timeout' needs milliseconds from 1 to "
                                  "3600000, not '%s'",
                                  timeout_s);
    if (retries_s && (ft_cli_parse_u64(retries_s, &retries) != 0 || retries < 1 || retries > 100))
        return ft_cli_usage_error("index",
                                  "option '--rpc-retries' needs a number from 1 to 100, "
                                  "not '%s'",
                                  retries_s);
    if (from_s && to_s && from > to)
        return ft_cli_usage_error("index", "--from %u is above --to %u", from, to);

    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, cli->db_path, FT_STORE_WRITE, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);

    ft_cli_progress bar;
    ft_progress progress = {NULL, NULL};
    ft_cli_progress_init(&bar, &progress);
    const ft_progress *pp = cli->progress ? &progress : NULL;
    double t0 = ft_cli_progress_now();
    ft_btc_index_stats stats;
    memset(&stats, 0, sizeof stats);
    if (blocks) {
        s = ft_btc_index_blocks(st, blocks, net, to_height, pp, &stats, &err);
    } else {
        ft_btc_rpc_opts ro;
        memset(&ro, 0, sizeof ro);
        ro.url = rpc;
        ro.cookie_file = cookie;
        ro.user = user;
        ro.password = password;
        ro.timeout_ms = (long)timeout_ms;
        ro.retries = (int)retries;
        s = ft_btc_index_rpc(st, &ro, net, from, to, pp, &stats, &err);
    }
    double secs = ft_cli_progress_now() - t0;
    ft_cli_progress_finish(&bar);
    if (s == FT_OK) /* the next reader opens a flushed, compacted store (cli/store_settle.c) */
        ft_cli_store_close_settled(st, "index");
    else
        ft_store_close(st);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    const char *net_name = stats.network ? stats.network : net ? net->name : "?";

    double tps = secs > 0 ? (double)stats.txs / secs : 0;
    if (!cli->quiet) {
        if (stats.up_to_date)
            fprintf(stderr, "index is up to date at height %u (%s)\n", stats.tip_height, net_name);
        else
            fprintf(stderr, "indexed %u blocks, %llu txs; tip height %u (%s); %.2f s, %.0f tx/s\n",
                    stats.blocks, (unsigned long long)stats.txs, stats.tip_height, net_name, secs,
                    tps);
        if (stats.rolled_back)
            fprintf(stderr, "rolled back %u blocks first (the index had forked from the source)\n",
                    stats.rolled_back);
    }
    if (cli->json) {
        cJSON *o = cJSON_CreateObject();
        ft_cli_json_str(o, "chain", "bitcoin", 0);
        ft_cli_json_str(o, "network", net_name, 0);
        ft_cli_json_str(o, "source", blocks ? "blocks" : "rpc", 0);
        ft_cli_json_num(o, "blocks", stats.blocks);
        ft_cli_json_num(o, "txs", (double)stats.txs);
        ft_cli_json_num(o, "rolled_back", stats.rolled_back);
        ft_cli_json_num(o, "tip_height", stats.tip_height);
        cJSON_AddItemToObject(o, "up_to_date", cJSON_CreateBool(stats.up_to_date));
        ft_cli_json_num(o, "seconds", secs);
        ft_cli_json_num(o, "tx_per_s", tps);
        return ft_cli_json_print(o);
    }
    return 0;
}
