/*
 * cmd_snapshot.c — `fundtrace snapshot --out FILE`: writes the analysis graph of the Bitcoin
 * index and everything `trace`, `cluster` and `report --snapshot FILE` need into one
 * checksummed, mmap-able file (engine/snapshot.h; sections in cli/trace_snapshot.h), so that
 * batch jobs (many processes, many nodes) never open LevelDB.
 *
 * Flow: open the index read-only; when it holds incidents, prepare a trace job for all of
 * them (cli/trace_job.c: graph, seeds, labels, terminals: exactly the inputs `trace` would
 * use), else load the graph and labels alone (and the account chains' incidents); read the
 * stored clustering (identity when the index was never clustered); the text of every address
 * id (one scan of the address records) and the txid of every tx (one scan of the tx
 * records); every indexed account chain (EVM) with its graph, assets, labels, terminals,
 * clusters, incident rows and seeds (cli/trace_job_account.c); write all sections at once.
 * Exit codes: 0 ok, 1 I/O, 2 index damaged or a seed not in it, 129 usage.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/btc_index.h"
#include "cli/commands.h"
#include "cli/trace_job.h"
#include "cli/trace_snapshot.h"
#include "engine/clusterstore.h"
#include "engine/keys.h"
#include "engine/query.h"
#include "engine/reader.h"
#include "engine/snapshot.h"

#include "engine/banned.h"

const char cmd_snapshot_usage[] =
    "usage: fundtrace [--json] snapshot --out FILE\n"
    "\n"
    "Writes the Bitcoin index's analysis graph (dense ids, prefix-sum input and output\n"
    "arrays, spent-by links, values, times), the stored cluster ids, the labels, every\n"
    "imported incident with its resolved seeds and terminals, and the text of every address\n"
    "and txid into one versioned, checksummed file that can be mapped into memory, and\n"
    "every indexed account chain (Ethereum, other EVM chains: transfers with amounts,\n"
    "assets, labels, terminals, clusters, incidents and seeds; an index may hold only\n"
    "account chains). Then 'trace --snapshot FILE' and 'report --snapshot FILE' (all\n"
    "chains) and 'cluster --snapshot FILE' (Bitcoin only) read\n"
    "only that file (never the index), any number of processes at once, with the same\n"
    "output as from the index. Run 'cluster', 'labels import' and 'incidents import' first:\n"
    "the snapshot holds what the index holds when it is written. Written through FILE.tmp\n"
    "and renamed; a damaged or truncated file is refused when opened (checksums).\n"
    "docs/hpc.md describes the format and the batch runs (MPI, Slurm).\n"
    "\n"
    "Exit codes: 0 ok, 1 cannot write, 2 index damaged or an incident seed not in it,\n"
    "129 usage error.\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Address text of every id: offsets (n_addr + 1) and one blob. */
static ft_status address_text(ft_store *st, const ft_btc_params *net, uint32_t n_addr,
                              uint64_t **off_out, char **blob_out, uint64_t *blob_len,
                              ft_err *err)
{
    /* one scan: ids arrive in key (= id) order, the blob grows */
    size_t cap = (size_t)n_addr * 36 + 64, used = 0;
    char *blob = malloc(cap);
    if (!blob) {
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for address text");
    }
    uint64_t *off = calloc((size_t)n_addr + 1, sizeof *off);
    if (!off) {
        free(blob);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for address text");
    }
    uint8_t p[2] = {FT_KEY_ADDR_ID, FT_CHAIN_BTC};
    ft_store_iter *it = ft_store_iter_new(st, p, 2);
    ft_status s = it ? FT_OK : ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    const uint8_t *k, *v;
    size_t kl, vl;
    uint64_t next = 1; /* ids without a record (none in a sound index) get "" */
    while (s == FT_OK && ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        uint64_t id = kl == 10 ? ft_get_u64be(k + 2) : 0;
        if (id == 0 || id >= n_addr || id < next || vl < 2 || vl - 1 > FT_ADDR_KEY_MAX ||
            v[0] != 1) {
            s = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': corrupt address record",
                           ft_store_path(st));
            break;
        }
        for (; next < id; next++)
            off[next + 1] = used;
        ft_addr_key key;
        key.len = (uint8_t)(vl - 1);
        memcpy(key.bytes, v + 1, vl - 1);
        char t[FT_BTC_ADDR_STR_MAX];
        ft_cli_btc_address(t, &key, net);
        size_t n = strlen(t);
        if (used + n > cap) {
            size_t nc = cap * 2 + n;
            char *nb = realloc(blob, nc);
            if (!nb) {
                s = ft_err_set(err, FT_ERR_NOMEM, "out of memory for address text");
                break;
            }
            blob = nb;
            cap = nc;
        }
        memcpy(blob + used, t, n);
        used += n;
        off[id + 1] = used;
        next = id + 1;
    }
    if (s == FT_OK && it)
        s = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    for (; s == FT_OK && next < n_addr; next++)
        off[next + 1] = used;
    if (s != FT_OK) {
        free(off);
        free(blob);
        return s;
    }
    *off_out = off;
    *blob_out = blob;
    *blob_len = used;
    return FT_OK;
}

/* The txid of every tx (internal byte order). */
static ft_status txids(ft_store *st, uint32_t n_tx, uint8_t **out, ft_err *err)
{
    uint8_t *t = malloc((size_t)n_tx * 32 + 1);
    if (!t)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for txids");
    uint8_t p[2] = {FT_KEY_TX, FT_CHAIN_BTC};
    ft_store_iter *it = ft_store_iter_new(st, p, 2);
    ft_status s = it ? FT_OK : ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    const uint8_t *k, *v;
    size_t kl, vl;
    uint64_t n = 0;
    while (s == FT_OK && ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        if (kl != 10 || ft_get_u64be(k + 2) != n || n >= n_tx) {
            s = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': tx records not contiguous",
                           ft_store_path(st));
            break;
        }
        ft_query_txrec rec;
        s = ft_query_txrec_decode(&rec, n, v, vl, err);
        if (s != FT_OK)
            break;
        memcpy(t + n * 32, rec.txid, 32);
        ft_query_txrec_release(&rec);
        n++;
    }
    if (s == FT_OK && it)
        s = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (s == FT_OK && n != n_tx)
        s = ft_err_set(err, FT_ERR_CORRUPT, "index '%s': %llu tx records, the graph has %u",
                       ft_store_path(st), (unsigned long long)n, n_tx);
    if (s != FT_OK) {
        free(t);
        return s;
    }
    *out = t;
    return FT_OK;
}

int cmd_snapshot(ft_cli *cli, int argc, char **argv)
{
    const char *out = NULL;
    const ft_opt opts[] = {{"out", 1, &out, NULL}, {NULL, 0, NULL, NULL}};
    int rc = ft_cli_parse("snapshot", argc, argv, opts, NULL, 0, NULL);
    if (rc)
        return rc;
    if (!out || !*out)
        return ft_cli_usage_error("snapshot", "--out FILE is required");
    double t0 = now_s();
    ft_store *st = NULL;
    const ft_btc_params *net = NULL; /* NULL: an index of account chains only */
    if ((rc = ft_cli_trace_open(cli, &st, &net)) != 0)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    ft_cli_trace_job job;
    memset(&job, 0, sizeof job);
    ft_incident_set probe;
    memset(&probe, 0, sizeof probe);
    ft_status s = net ? ft_incidents_scan(st, FT_CHAIN_BTC, &probe, &err) : FT_OK;
    size_t n_rows = probe.n;
    ft_incident_set_release(&probe);
    if (s != FT_OK) {
        ft_store_close(st);
        return ft_cli_fail(s, &err);
    }
    /* no Bitcoin chain: an empty UTXO graph (address id 0 only) stands for it, the files
     * sections are all there and empty, job_meta[7] says so */
    static uint32_t zero_off[1];
    if (!net) {
        job.g.model = FT_GRAPH_UTXO;
        job.g.chain = FT_CHAIN_BTC;
        job.g.n_addr = 1;
        job.g.in_off = zero_off;
        job.g.out_off = zero_off;
        job.g.borrowed = 1; /* static arrays: ft_graph_release frees nothing */
        rc = ft_cli_trace_job_account_prepare(&job, st, NULL);
    } else if (n_rows > 0) {
        rc = ft_cli_trace_job_prepare(&job, st, net, cli->db_path, NULL); /* + account chains */
    } else {
        s = ft_graph_load_utxo(&job.g, st, FT_CHAIN_BTC, &err);
        if (s == FT_OK)
            s = ft_cli_labels_load(st, job.g.n_addr, &job.lab, &err);
        rc = s == FT_OK ? 0 : ft_cli_fail(s, &err);
        if (rc == 0) /* the account chains' incidents (a bad seed fails as in `trace`) */
            rc = ft_cli_trace_job_account_prepare(&job, st, NULL);
    }
    ft_cli_acct_snap *acct = NULL;
    if (rc == 0)
        rc = ft_cli_acct_snap_build(&job, st, &acct);
    uint32_t na = job.g.n_addr;
    uint32_t *cl = NULL;
    uint64_t *addr_off = NULL, addr_len = 0, *ent_off = NULL;
    char *addr_blob = NULL, *ent_blob = NULL;
    uint8_t *txid = NULL, *rows = NULL, *seeds = NULL;
    int clustered = 0;
    if (rc == 0) {
        ft_clusterstore_run run;
        s = ft_clusterstore_run_get(st, FT_CHAIN_BTC, &run, &err);
        clustered = s == FT_OK;
        if (s == FT_ERR_NOTFOUND) {
            ft_err_clear(&err);
            s = FT_OK;
        }
        if (s == FT_OK)
            s = ft_clusterstore_load(st, FT_CHAIN_BTC, na, &cl, &err);
        if (s == FT_OK)
            s = address_text(st, net, na, &addr_off, &addr_blob, &addr_len, &err);
        if (s == FT_OK)
            s = txids(st, job.g.n_tx, &txid, &err);
        if (s == FT_OK && job.lab.n_entities) {
            size_t total = 0;
            for (uint32_t e = 0; e < job.lab.n_entities; e++)
                total += strlen(job.lab.entity_name[e]);
            ent_off = malloc(((size_t)job.lab.n_entities + 1) * sizeof *ent_off);
            ent_blob = malloc(total + 1);
            if (!ent_off || !ent_blob)
                s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
            for (uint32_t e = 0, at = 0; s == FT_OK && e <= job.lab.n_entities; e++) {
                ent_off[e] = at;
                if (e == job.lab.n_entities)
                    break;
                size_t n = strlen(job.lab.entity_name[e]);
                memcpy(ent_blob + at, job.lab.entity_name[e], n);
                at += (uint32_t)n;
            }
        }
        if (s == FT_OK && n_rows) {
            rows = malloc(job.set.n * FT_CLI_SNAP_ROW_BYTES + 1);
            seeds = calloc(job.n_seeds + 1, FT_CLI_SNAP_SEED_BYTES);
            if (!rows || !seeds)
                s = ft_err_set(&err, FT_ERR_NOMEM, "out of memory");
            for (size_t i = 0; s == FT_OK && i < job.set.n; i++)
                ft_cli_snap_row_encode(rows + i * FT_CLI_SNAP_ROW_BYTES, &job.set.v[i]);
            for (size_t i = 0; s == FT_OK && i < job.n_seeds; i++) {
                uint8_t *r = seeds + i * FT_CLI_SNAP_SEED_BYTES;
                ft_put_u32le(r, job.seeds[i].incident);
                ft_put_u32le(r + 4, job.seeds[i].tx);
                ft_put_u32le(r + 8, job.seeds[i].out);
                ft_put_u64le(r + 16, job.seeds[i].amount);
            }
        }
        rc = s == FT_OK ? 0 : ft_cli_fail(s, &err);
    }
    ft_store_close(st);
    uint64_t file_bytes = 0;
    if (rc == 0) {
        uint64_t gmeta[8], jmeta[8] = {FT_CLI_SNAP_FORMAT, (uint64_t)clustered,
                                       job.lab.n_labeled, job.lab.n_entities, job.set.n,
                                       job.n_seeds, ft_cli_acct_snap_chains(acct),
                                       net ? 0u : 1u};
        size_t n_acct = 0;
        const ft_snapshot_input *ain = ft_cli_acct_snap_inputs(acct, &n_acct);
        ft_snapshot_input *in = malloc((FT_SNAPSHOT_GRAPH_SECTIONS + 16 + n_acct) * sizeof *in);
        if (!in) {
            ft_cli_acct_snap_free(acct);
            ft_cli_trace_job_release(&job);
            free(cl);
            free(addr_off);
            free(addr_blob);
            free(txid);
            free(ent_off);
            free(ent_blob);
            free(rows);
            free(seeds);
            return ft_cli_error(1, "out of memory");
        }
        size_t n = 0;
        ft_snapshot_graph_sections(&job.g, gmeta, in, &n);
        const char *netname = net ? net->name : "";
        in[n++] = (ft_snapshot_input){"job_meta", 8, 8, jmeta};
        in[n++] = (ft_snapshot_input){"net", 1, strlen(netname), netname};
        in[n++] = (ft_snapshot_input){"addr_text_off", 8, (uint64_t)na + 1, addr_off};
        in[n++] = (ft_snapshot_input){"addr_text", 1, addr_len, addr_blob};
        in[n++] = (ft_snapshot_input){"txid", 32, job.g.n_tx, txid};
        in[n++] = (ft_snapshot_input){"cluster", 4, na, cl};
        if (job.lab.n_entities) {
            in[n++] = (ft_snapshot_input){"lab_addr_entity", 4, na, job.lab.addr_entity};
            in[n++] = (ft_snapshot_input){"lab_entity_cat", 1, job.lab.n_entities,
                                          job.lab.entity_cat};
            in[n++] = (ft_snapshot_input){"lab_entity_name_off", 8,
                                          (uint64_t)job.lab.n_entities + 1, ent_off};
            in[n++] = (ft_snapshot_input){"lab_entity_name", 1, ent_off[job.lab.n_entities],
                                          ent_blob};
        }
        if (n_rows) {
            in[n++] = (ft_snapshot_input){"inc_rows", FT_CLI_SNAP_ROW_BYTES, job.set.n, rows};
            in[n++] = (ft_snapshot_input){"seeds", FT_CLI_SNAP_SEED_BYTES, job.n_seeds, seeds};
            in[n++] = (ft_snapshot_input){"term_cat", 1, na, job.term_cat};
            in[n++] = (ft_snapshot_input){"term_ent", 4, na, job.term_ent};
        }
        for (size_t i = 0; i < n_acct; i++)
            in[n++] = ain[i];
        s = ft_snapshot_write(out, in, n, &err);
        free(in);
        if (s != FT_OK)
            rc = ft_cli_fail(s, &err);
        struct stat sb;
        if (rc == 0 && stat(out, &sb) == 0)
            file_bytes = (uint64_t)sb.st_size;
    }
    if (rc == 0) {
        double per_tx = job.g.n_tx ? (double)file_bytes / job.g.n_tx : 0;
        if (cli->json) {
            cJSON *o = cJSON_CreateObject();
            ft_cli_json_str(o, "out", out, 0);
            ft_cli_json_num(o, "bytes", (double)file_bytes);
            ft_cli_json_num(o, "txs", (double)job.g.n_tx);
            ft_cli_json_num(o, "outputs", (double)job.g.n_out);
            ft_cli_json_num(o, "addresses", (double)(na ? na - 1 : 0));
            ft_cli_json_num(o, "incidents", (double)job.n_inc);
            ft_cli_json_num(o, "seeds", (double)job.n_seeds);
            cJSON_AddBoolToObject(o, "clustered", clustered);
            ft_cli_json_num(o, "graph_bytes", (double)ft_graph_bytes(&job.g));
            cJSON_AddBoolToObject(o, "bitcoin", net != NULL);
            ft_cli_json_num(o, "account_chains", (double)ft_cli_acct_snap_chains(acct));
            ft_cli_json_num(o, "account_incidents",
                            (double)ft_cli_trace_job_account_incidents(&job));
            rc = ft_cli_json_print(o);
        } else if (!cli->quiet) {
            char adesc[512];
            ft_cli_acct_snap_describe(acct, adesc, sizeof adesc);
            if (!net)
                printf("wrote snapshot '%s': no bitcoin chain; account chains %s; %llu bytes in "
                       "%.2f s\n",
                       out, adesc[0] ? adesc : "none", (unsigned long long)file_bytes,
                       now_s() - t0);
            else
                printf("wrote snapshot '%s': %u txs, %u outputs, %u addresses, %zu incidents "
                       "(%zu seeds)%s%s%s; %llu bytes (%.1f per tx) in %.2f s\n",
                       out, job.g.n_tx, job.g.n_out, na ? na - 1 : 0, job.n_inc, job.n_seeds,
                       clustered ? "" : "; not clustered", adesc[0] ? "; account chains " : "",
                       adesc, (unsigned long long)file_bytes, per_tx, now_s() - t0);
        }
    }
    free(cl);
    free(addr_off);
    free(addr_blob);
    free(txid);
    free(ent_off);
    free(ent_blob);
    free(rows);
    free(seeds);
    ft_cli_acct_snap_free(acct);
    ft_cli_trace_job_release(&job);
    return rc;
}
