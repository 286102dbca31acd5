/*
 * bench_eth_rpc.c — JSON-RPC indexing throughput against the node's raw answer rate, in one
 * run, with 1, 4 and 16 requests in flight.
 *
 * The node is tests/integration/eth_replay_server.js serving the ethereum-etl stream fixture
 * (blocks 1755634..1755635) plus --synth N synthetic copies above it (network-free). For each
 * window the indexer (ft_eth_index_rpc into a fresh store) is timed over all blocks; then the
 * SAME HTTP request bodies the indexer sends (per block: eth_getBlockByNumber, then the
 * per-tx receipts batch) are POSTed by plain libcurl multi with the same window, replies
 * discarded: the raw rate the server and transport allow. The ratio index/raw shows whether
 * the client is the bottleneck (target >= 0.8).
 *
 *     bench_eth_rpc [--blocks N] [--reps N] [--url URL] [--window N] [--only index|raw]
 *
 * --url uses a running node instead (e.g. anvil with generated blocks; --blocks then counts
 * from 0). Each measurement: min / median / max over --reps (default 3). The CPU columns are
 * this process's user+system time per block (getrusage; LevelDB's background thread
 * included) for the indexer and for the raw curl run, as median (and minimum, the figure least
 * disturbed by other load): on a machine where the node shares the cores, the indexer's CPU
 * per block is what limits its rate. --window N measures one window only; --only index|raw
 * one side only (for profiling).
 *
 * Every index built is checked: its content digest (ft_store_digest, what `fundtrace digest`
 * prints) must be the same for every window and rep, and is printed at the end, so that an
 * optimisation of the indexer can be shown not to change the index (compare the line before
 * and after; `fundtrace digest` of an index built by `fundtrace index ethereum` from the same
 * replay server gives the same digest).
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chains/ethereum/ingest.h"
#include "chains/ethereum/jsonrpc.h"
#include "chains/ethereum/params.h"
#include "engine/hex.h"
#include "engine/store.h"

#include "tests/bench/bench_util.h"

#include "engine/banned.h"

static pid_t server_pid;

/* At exit, also an early one on an error: the replay server must not outlive the bench (it
 * would keep the caller's stdout open). */
static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = 0;
    }
}

static int start_server(char *url, size_t cap, unsigned synth)
{
    const char *src = getenv("FT_SOURCE_DIR"), *shared = getenv("FT_SHARED_DIR");
    char script[1024], dir[1024], n[32];
    snprintf(script, sizeof script, "%s/tests/integration/eth_replay_server.js", src ? src : ".");
    snprintf(dir, sizeof dir, "%s/data/peer_tests/ethereum-etl/test_stream/blocks_1755634_1755635",
             shared ? shared : "../shared");
    snprintf(n, sizeof n, "%u", synth);
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    server_pid = fork();
    if (server_pid > 0)
        atexit(stop_server);
    if (server_pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        execlp("node", "node", script, "--dir", dir, "--synth", n, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    char line[32] = {0};
    ssize_t got = read(fd[0], line, sizeof line - 1);
    close(fd[0]);
    if (got <= 0)
        return -1;
    snprintf(url, cap, "http://127.0.0.1:%d/", atoi(line));
    return 0;
}

typedef struct body {
    char *s;
    size_t len;
} body;

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

/* POSTs every body with `window` in flight; returns seconds, or -1. */
static double raw_run(const char *url, body *bodies, size_t n, int window)
{
    CURLM *m = curl_multi_init();
    CURL **h = calloc((size_t)window, sizeof *h);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    for (int i = 0; i < window; i++) {
        h[i] = curl_easy_init();
        curl_easy_setopt(h[i], CURLOPT_URL, url);
        curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(h[i], CURLOPT_NOSIGNAL, 1L);
    }
    size_t next = 0, done = 0;
    int *busy = calloc((size_t)window, sizeof *busy);
    double t0 = ft_bench_wall();
    int failed = 0;
    while (done < n && !failed) {
        for (int i = 0; i < window && next < n; i++)
            if (!busy[i]) {
                curl_easy_setopt(h[i], CURLOPT_POSTFIELDS, bodies[next].s);
                curl_easy_setopt(h[i], CURLOPT_POSTFIELDSIZE, (long)bodies[next].len);
                curl_easy_setopt(h[i], CURLOPT_PRIVATE, (char *)&busy[i]);
                curl_multi_add_handle(m, h[i]);
                busy[i] = 1;
                next++;
            }
        int running;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left, finished = 0;
        while ((msg = curl_multi_info_read(m, &left))) {
            finished = 1;
            if (msg->msg != CURLMSG_DONE)
                continue;
            if (msg->data.result != CURLE_OK)
                failed = 1;
            int *b;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&b);
            curl_multi_remove_handle(m, msg->easy_handle);
            *b = 0;
            done++;
        }
        if (!finished && running)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double t = ft_bench_wall() - t0;
    for (int i = 0; i < window; i++)
        curl_easy_cleanup(h[i]);
    curl_multi_cleanup(m);
    curl_slist_free_all(hdr);
    free(h);
    free(busy);
    return failed ? -1 : t;
}

int main(int argc, char **argv)
{
    unsigned blocks = 3000, reps = 3;
    const char *url_arg = NULL, *only = NULL;
    int one_window = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--blocks") == 0 && i + 1 < argc)
            blocks = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            url_arg = argv[++i];
        else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
            one_window = atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench_eth_rpc [--blocks N] [--reps N] [--url URL] "
                            "[--window N] [--only index|raw]\n");
            return 129;
        }
    }
    if (reps < 1 || reps > 50 || blocks < 1 || one_window < 0 || one_window > 256 ||
        (only && strcmp(only, "index") != 0 && strcmp(only, "raw") != 0))
        return 129;
    int do_index = !only || strcmp(only, "index") == 0, do_raw = !only || strcmp(only, "raw") == 0;
    char url[256];
    uint32_t from = 1755634, to;
    if (url_arg) {
        snprintf(url, sizeof url, "%s", url_arg);
        from = 0;
        to = blocks - 1;
    } else {
        if (start_server(url, sizeof url, blocks) != 0) {
            fprintf(stderr, "error: cannot start the replay server (node)\n");
            return 1;
        }
        to = from + 1 + blocks;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const ft_eth_params *p = ft_eth_params_by_name(url_arg ? "dev" : "ethereum");

    /* the indexer's own request bodies, gathered once (untimed) */
    size_t nb = 0, cap = 2 * (size_t)(to - from + 1);
    body *bodies = calloc(cap, sizeof *bodies);
    ft_eth_rpc_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.url = url;
    ro.window = 1;
    ft_eth_rpc *rpc;
    ft_err err;
    if (ft_eth_rpc_open(&rpc, &ro, &err) != FT_OK) {
        fprintf(stderr, "error: %s\n", err.msg);
        return 1;
    }
    /* a node with eth_getBlockReceipts (anvil, Erigon, ...) gets ONE batch per block from the
     * indexer: the block, its receipts and (if the node has it) trace_block */
    int block_rcpt = 0, parity = 0;
    {
        char p0[64];
        snprintf(p0, sizeof p0, "[\"0x%x\"]", from);
        cJSON *res = NULL;
        ft_err e2;
        if (ft_eth_rpc_call(rpc, "eth_getBlockReceipts", p0, &res, NULL, &e2) == FT_OK)
            block_rcpt = cJSON_IsArray(res);
        cJSON_Delete(res);
        res = NULL;
        if (block_rcpt && ft_eth_rpc_call(rpc, "trace_block", p0, &res, NULL, &e2) == FT_OK)
            parity = cJSON_IsArray(res);
        cJSON_Delete(res);
    }
    for (uint32_t h = from; h <= to && block_rcpt; h++) {
        char b1[512];
        int n1 = snprintf(b1, sizeof b1,
                          "[{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"eth_getBlockByNumber\","
                          "\"params\":[\"0x%x\",true]},{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
                          "\"eth_getBlockReceipts\",\"params\":[\"0x%x\"]}",
                          h, h);
        if (parity)
            n1 += snprintf(b1 + n1, sizeof b1 - (size_t)n1,
                           ",{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"trace_block\","
                           "\"params\":[\"0x%x\"]}",
                           h);
        n1 += snprintf(b1 + n1, sizeof b1 - (size_t)n1, "]");
        bodies[nb].s = strdup(b1);
        bodies[nb++].len = (size_t)n1;
    }
    for (uint32_t h = from; h <= to && !block_rcpt; h++) {
        char b1[160], params[64];
        int n1 = snprintf(b1, sizeof b1,
                          "[{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"eth_getBlockByNumber\","
                          "\"params\":[\"0x%x\",true]}]", h);
        bodies[nb].s = strdup(b1);
        bodies[nb++].len = (size_t)n1;
        snprintf(params, sizeof params, "[\"0x%x\",true]", h);
        cJSON *res = NULL;
        if (ft_eth_rpc_call(rpc, "eth_getBlockByNumber", params, &res, NULL, &err) != FT_OK) {
            fprintf(stderr, "error: %s\n", err.msg);
            return 1;
        }
        const cJSON *txs = cJSON_GetObjectItem(res, "transactions"), *tx;
        if (cJSON_GetArraySize(txs) > 0) {
            size_t bc = 64 + 160 * (size_t)cJSON_GetArraySize(txs);
            char *b2 = malloc(bc);
            size_t o = (size_t)snprintf(b2, bc, "[");
            int i = 0;
            cJSON_ArrayForEach(tx, txs)
            {
                o += (size_t)snprintf(b2 + o, bc - o,
                                      "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":"
                                      "\"eth_getTransactionReceipt\",\"params\":[\"%s\"]}",
                                      i ? "," : "", i, cJSON_GetObjectItem(tx, "hash")->valuestring);
                i++;
            }
            o += (size_t)snprintf(b2 + o, bc - o, "]");
            bodies[nb].s = b2;
            bodies[nb++].len = o;
        }
        cJSON_Delete(res);
    }
    ft_eth_rpc_close(rpc);

    printf("bench_eth_rpc: %u blocks (%zu requests%s) from %s, %u reps, min / median / max\n",
           to - from + 1, nb,
           block_rcpt ? (parity ? ": block + eth_getBlockReceipts + trace_block batches"
                                : ": block + eth_getBlockReceipts batches")
                      : ": block, then its per-tx receipts",
           url_arg ? url : "the replay server", reps);
    printf("%-7s %-24s %-24s %-24s %-9s %-13s %s\n", "window", "index blocks/s",
           "index transfers/s", "raw curl blocks/s", "index/raw", "index cpu", "raw cpu");
    printf("%-7s %-24s %-24s %-24s %-9s %-13s %s\n", "", "", "", "", "(median)",
           "us/block", "us/block (median (min), user+sys)");
    char digest_hex[65] = "";
    static const int windows[] = {1, 4, 16};
    for (size_t w = 0; w < 3; w++) {
        int win = one_window ? one_window : windows[w];
        if (one_window && w > 0)
            break;
        double ib[50], it[50], rb[50], ic[50], rc[50];
        for (unsigned r = 0; r < reps; r++) {
            ib[r] = it[r] = rb[r] = ic[r] = rc[r] = 0;
            if (do_index) {
                char dir[4096];
                if (ft_bench_mkdtemp(dir, sizeof dir, "ft_bench_eth") != 0)
                    return 1;
                ft_store *st;
                if (ft_store_open(&st, dir, FT_STORE_WRITE, &err) != FT_OK) {
                    fprintf(stderr, "error: %s\n", err.msg);
                    return 1;
                }
                ft_eth_index_opts o;
                memset(&o, 0, sizeof o);
                o.chain = p;
                o.rpc.url = url;
                o.rpc.window = win;
                o.has_from = o.has_to = 1;
                o.from = from;
                o.to = to;
                ft_eth_index_stats stats;
                double c0 = ft_bench_cpu(), t0 = ft_bench_wall();
                ft_status s = ft_eth_index_rpc(st, &o, NULL, &stats, &err);
                double t = ft_bench_wall() - t0;
                ft_store_close(st);
                double c = ft_bench_cpu() - c0;
                /* the index must be the same every time (untimed) */
                uint8_t dg[32];
                char dh[65];
                if (s == FT_OK && (ft_store_open(&st, dir, FT_STORE_READ, &err) != FT_OK ||
                                   ft_store_digest(st, dg, &err) != FT_OK)) {
                    fprintf(stderr, "error: %s\n", err.msg);
                    return 1;
                }
                if (s == FT_OK) {
                    ft_store_close(st);
                    ft_hex_encode(dh, dg, 32);
                    dh[64] = '\0';
                    if (digest_hex[0] && strcmp(dh, digest_hex) != 0) {
                        fprintf(stderr, "error: index digest %s differs from the first run's %s\n",
                                dh, digest_hex);
                        return 1;
                    }
                    memcpy(digest_hex, dh, sizeof dh);
                }
                char cmd[4200];
                snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir); /* fits: dir < 4096 */
                if (system(cmd) != 0)
                    return 1;
                if (s != FT_OK) {
                    fprintf(stderr, "error: %s\n", err.msg);
                    return 1;
                }
                ib[r] = stats.blocks / t;
                it[r] = (double)stats.xfers / t;
                ic[r] = c * 1e6 / (to - from + 1);
            }
            if (do_raw) {
                double c0 = ft_bench_cpu();
                double tr = raw_run(url, bodies, nb, win);
                if (tr <= 0) {
                    fprintf(stderr, "error: raw requests failed\n");
                    return 1;
                }
                rb[r] = (to - from + 1) / tr;
                rc[r] = (ft_bench_cpu() - c0) * 1e6 / (to - from + 1);
            }
        }
        qsort(ib, reps, sizeof *ib, ft_bench_cmp_double);
        qsort(it, reps, sizeof *it, ft_bench_cmp_double);
        qsort(rb, reps, sizeof *rb, ft_bench_cmp_double);
        qsort(ic, reps, sizeof *ic, ft_bench_cmp_double);
        qsort(rc, reps, sizeof *rc, ft_bench_cmp_double);
        char a[64], b[64], c[64], d[32], e[40], f[40];
        snprintf(a, sizeof a, "%.0f / %.0f / %.0f", ib[0], ib[reps / 2], ib[reps - 1]);
        snprintf(b, sizeof b, "%.0f / %.0f / %.0f", it[0], it[reps / 2], it[reps - 1]);
        snprintf(c, sizeof c, "%.0f / %.0f / %.0f", rb[0], rb[reps / 2], rb[reps - 1]);
        if (do_index && do_raw)
            snprintf(d, sizeof d, "%.2f", ib[reps / 2] / rb[reps / 2]);
        else
            snprintf(d, sizeof d, "-");
        snprintf(e, sizeof e, "%.1f (%.1f)", ic[reps / 2], ic[0]);
        snprintf(f, sizeof f, "%.1f (%.1f)", rc[reps / 2], rc[0]);
        printf("%-7d %-24s %-24s %-24s %-9s %-13s %s\n", win, a, b, c, d, e, f);
        fflush(stdout);
    }
    if (digest_hex[0])
        printf("index digest (every window and rep): %s\n", digest_hex);
    for (size_t i = 0; i < nb; i++)
        free(bodies[i].s);
    free(bodies);
    stop_server();
    curl_global_cleanup();
    return 0;
}
