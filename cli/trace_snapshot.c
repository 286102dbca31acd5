/*
 * trace_snapshot.c — trace jobs from a snapshot file and their MPI run (trace_snapshot.h).
 *
 * Opening: engine/snapshot.c maps the file and checks its table; here the graph is pointed
 * into the mapping (ft_snapshot_graph verifies the graph sections' checksums and checks its
 * invariants) and the job's own sections are verified and checked once (cluster ids and
 * terminals in range, seeds naming real outputs), so nothing later indexes out of bounds
 * whatever the file. The text sections (addr_text_off, addr_text, txid: two thirds of the
 * file) are verified and checked only by ft_cli_snap_text, which the commands call on the
 * writing rank (rank 0) before the run names flow addresses and before any output file; the
 * text callbacks refuse to read before that. Other ranks never read the text.
 *
 * A job from a snapshot borrows its big arrays (graph, term_cat, term_ent, the labels'
 * addr_entity) from the mapping and copies the small ones (incident rows, seeds, entity
 * names). Address and txid text come from the addr_text and txid sections through the job's
 * callbacks, so the output files are byte-identical to those of a job prepared from the index.
 * The account chains' part of the job (cli/trace_job_account.c, from their acct<b>_ sections)
 * is filled first, as prepare does from the index; a snapshot of an index without Bitcoin has
 * an empty UTXO graph and no network (job_meta[7]), and only account incidents.
 *
 * MPI (built with FT_HAVE_MPI, i.e. in fundtrace-mpi; the plain fundtrace re-executes itself
 * as fundtrace-mpi when a launcher started it, cli/main.c): every rank maps the same file (one
 * page-cached copy per node). The cost of an incident is the number of transactions reachable forward from its
 * seeds (within --max-hops), computed in a round-robin share on each rank and summed with
 * one allreduce; incidents go to ranks by longest-processing-time-first (cost descending,
 * then incident index; least-loaded rank, then lowest rank), the same assignment on every
 * rank. Each rank traces its incidents (OpenMP inside), packs the result (engine/trace_pack.c)
 * with its status, rank 0 gathers and merges them into the one result a single process
 * computes. The exit code is broadcast so every rank ends alike; only rank 0 prints.
 * Account incidents are not split: rank 0 traces them all (each exactly once); the other
 * ranks load and check their sections like rank 0, agree on the exit code, then drop them.
 */
#include "cli/trace_snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef FT_HAVE_MPI
#include <mpi.h>
#endif

#include "cli/btc_index.h"
#include "engine/hex.h"
#include "engine/labels.h"
#include "engine/log.h"
#include "engine/reader.h"
#include "engine/csv.h"
#include "engine/trace_pack.h"
#include "heuristics/cluster_mpi.h"

#include "engine/banned.h"

/* ---- incident rows as records ----------------------------------------------------------- */

/* offsets of the text fields in a 904-byte record: chain at 0, line at 4 */
#define R_INC 8
#define R_DATE (R_INC + FT_INCIDENT_NAME_MAX)
#define R_SEED (R_DATE + 16)
#define R_ASSET (R_SEED + FT_INCIDENT_NAME_MAX)
#define R_AMOUNT (R_ASSET + 64)
#define R_ATTR (R_AMOUNT + 48)
#define R_SOURCE (R_ATTR + FT_INCIDENT_TEXT_MAX)
_Static_assert(R_SOURCE + FT_INCIDENT_TEXT_MAX == FT_CLI_SNAP_ROW_BYTES, "row record size");

static void put_text(uint8_t *rec, size_t at, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1);
    memcpy(rec + at, s, n);
}

void ft_cli_snap_row_encode(uint8_t rec[FT_CLI_SNAP_ROW_BYTES], const ft_incident_row *x)
{
    memset(rec, 0, FT_CLI_SNAP_ROW_BYTES);
    rec[0] = x->chain;
    ft_put_u32le(rec + 4, x->line);
    put_text(rec, R_INC, sizeof x->incident, x->incident);
    put_text(rec, R_DATE, sizeof x->date, x->date);
    put_text(rec, R_SEED, sizeof x->seed, x->seed);
    put_text(rec, R_ASSET, sizeof x->asset, x->asset);
    put_text(rec, R_AMOUNT, sizeof x->amount, x->amount);
    put_text(rec, R_ATTR, sizeof x->attribution, x->attribution);
    put_text(rec, R_SOURCE, sizeof x->source, x->source);
}

static int get_text(char *out, size_t cap, const uint8_t *rec, size_t at)
{
    const uint8_t *z = memchr(rec + at, 0, cap);
    if (!z)
        return 0;
    memcpy(out, rec + at, (size_t)(z - (rec + at)) + 1);
    return 1;
}

int ft_cli_snap_row_decode(ft_incident_row *x, const uint8_t rec[FT_CLI_SNAP_ROW_BYTES])
{
    memset(x, 0, sizeof *x);
    x->chain = rec[0];
    x->line = ft_get_u32le(rec + 4);
    return get_text(x->incident, sizeof x->incident, rec, R_INC) &&
           get_text(x->date, sizeof x->date, rec, R_DATE) &&
           get_text(x->seed, sizeof x->seed, rec, R_SEED) &&
           get_text(x->asset, sizeof x->asset, rec, R_ASSET) &&
           get_text(x->amount, sizeof x->amount, rec, R_AMOUNT) &&
           get_text(x->attribution, sizeof x->attribution, rec, R_ATTR) &&
           get_text(x->source, sizeof x->source, rec, R_SOURCE) && x->incident[0] != '\0';
}

/* ---- opening ------------------------------------------------------------------------------- */

static int snap_bad(ft_cli_snap *cs, const char *what)
{
    int rc = ft_cli_error(2, "snapshot '%s': %s", cs->s.path, what);
    ft_cli_snap_close(cs);
    return rc;
}

void ft_cli_snap_close(ft_cli_snap *cs)
{
    ft_graph_release(&cs->g);
    ft_snapshot_close(&cs->s);
    memset(cs, 0, sizeof *cs);
}

static int find(ft_cli_snap *cs, const char *name, uint32_t size, uint64_t count, const void **p,
                uint64_t *n)
{
    ft_err err;
    ft_err_clear(&err);
    ft_status s = ft_snapshot_find(&cs->s, name, size, count, p, n, &err);
    if (s == FT_OK)
        return 0;
    int rc = ft_cli_error(2, "%s", err.msg);
    ft_cli_snap_close(cs);
    return rc;
}

int ft_cli_snap_open(ft_cli_snap *cs, const char *path)
{
    memset(cs, 0, sizeof *cs);
    ft_err err;
    ft_err_clear(&err);
    ft_status s = ft_snapshot_open(&cs->s, path, &err);
    if (s == FT_OK)
        s = ft_snapshot_graph(&cs->s, &cs->g, &err);
    if (s != FT_OK) {
        ft_snapshot_close(&cs->s);
        return ft_cli_fail(s, &err);
    }
    if (cs->g.model != FT_GRAPH_UTXO)
        return snap_bad(cs, "not a bitcoin (UTXO) graph");
    const void *p;
    uint64_t n = 0;
    int rc;
    if ((rc = find(cs, "job_meta", 8, 8, &p, NULL)) != 0)
        return rc;
    uint64_t meta[8];
    for (int i = 0; i < 8; i++)
        meta[i] = ft_get_u64le((const uint8_t *)p + 8 * i);
    if (meta[0] != FT_CLI_SNAP_FORMAT)
        return snap_bad(cs, "unknown job_meta format");
    cs->clustered = meta[1] != 0;
    cs->n_acct_chains = meta[6];
    uint32_t na = cs->g.n_addr;
    if (meta[7] > 1)
        return snap_bad(cs, "bad job_meta");
    if ((rc = find(cs, "net", 1, FT_SNAPSHOT_ANY, &p, &n)) != 0)
        return rc;
    char net[32];
    if (meta[7] == 1) { /* an index of account chains only: no network, an empty graph */
        if (n != 0 || cs->g.n_tx != 0 || cs->g.n_addr != 1 || meta[4] != 0)
            return snap_bad(cs, "bitcoin data in a snapshot without a bitcoin chain");
    } else {
        if (n == 0 || n >= sizeof net)
            return snap_bad(cs, "bad network name");
        memcpy(net, p, (size_t)n);
        net[n] = '\0';
        if (!(cs->net = ft_btc_params_by_name(net)))
            return snap_bad(cs, "unknown network name");
    }
    if ((rc = find(cs, "cluster", 4, na, &p, NULL)) != 0)
        return rc;
    cs->cluster = p;
    int64_t bad = 0;
#pragma omp parallel for schedule(static) reduction(+ : bad)
    for (int64_t a = 0; a < (int64_t)na; a++)
        bad += cs->cluster[a] >= na;
    if (bad)
        return snap_bad(cs, "cluster id out of range");
    if (ft_snapshot_has(&cs->s, "inc_rows")) {
        if ((rc = find(cs, "inc_rows", FT_CLI_SNAP_ROW_BYTES, FT_SNAPSHOT_ANY, &p,
                       &cs->n_rows)) != 0 ||
            (rc = find(cs, "seeds", FT_CLI_SNAP_SEED_BYTES, FT_SNAPSHOT_ANY, &p, &cs->n_seeds)) !=
                0)
            return rc;
    }
    return 0;
}

int ft_cli_snap_text(ft_cli_snap *cs)
{
    if (cs->addr_text)
        return 0;
    /* the three text sections in one parallel pass, then their bounds */
    static const char *const names[] = {"addr_text_off", "addr_text", "txid"};
    ft_err err;
    ft_err_clear(&err);
    ft_status s = ft_snapshot_verify(&cs->s, names, 3, &err);
    const void *off = NULL, *text = NULL, *txid = NULL;
    uint64_t n = 0;
    uint32_t na = cs->g.n_addr;
    if (s == FT_OK)
        s = ft_snapshot_find(&cs->s, "addr_text_off", 8, (uint64_t)na + 1, &off, NULL, &err);
    if (s == FT_OK)
        s = ft_snapshot_find(&cs->s, "addr_text", 1, FT_SNAPSHOT_ANY, &text, &n, &err);
    if (s == FT_OK)
        s = ft_snapshot_find(&cs->s, "txid", 32, cs->g.n_tx, &txid, NULL, &err);
    if (s != FT_OK)
        return ft_cli_error(2, "%s", err.msg);
    const uint64_t *o = off;
    int64_t bad = o[0] != 0 || o[na] != n;
#pragma omp parallel for schedule(static) reduction(+ : bad)
    for (int64_t a = 0; a < (int64_t)na; a++)
        bad += o[a + 1] < o[a] || o[a + 1] - o[a] >= FT_CLI_ADDR_TEXT_MAX;
    if (bad)
        return ft_cli_error(2, "snapshot '%s': address text offsets out of order", cs->s.path);
    cs->addr_off = o;
    cs->txid = txid;
    cs->addr_text = text; /* last: it marks the text as checked */
    return 0;
}

/* ---- the job -------------------------------------------------------------------------------- */

static ft_status snap_addr_text(void *ctx, uint32_t addr, char out[FT_CLI_ADDR_TEXT_MAX],
                                ft_err *err)
{
    const ft_cli_snap *cs = ctx;
    if (!cs->addr_text) /* ft_cli_snap_text was not called: nothing unverified is read */
        return ft_err_set(err, FT_ERR_ARG, "snapshot '%s': address text not checked",
                          cs->s.path);
    if (addr >= cs->g.n_addr)
        return ft_err_set(err, FT_ERR_ARG, "snapshot '%s': no address id %u", cs->s.path, addr);
    size_t len = (size_t)(cs->addr_off[addr + 1] - cs->addr_off[addr]);
    memcpy(out, cs->addr_text + cs->addr_off[addr], len);
    out[len] = '\0';
    return FT_OK;
}

static ft_status snap_txid_text(void *ctx, uint32_t tx, char out[65], ft_err *err)
{
    const ft_cli_snap *cs = ctx;
    if (!cs->addr_text)
        return ft_err_set(err, FT_ERR_ARG, "snapshot '%s': txid text not checked", cs->s.path);
    if (tx >= cs->g.n_tx)
        return ft_err_set(err, FT_ERR_ARG, "snapshot '%s': no tx id %u", cs->s.path, tx);
    ft_hex_encode_rev(out, cs->txid + (size_t)tx * 32, 32);
    out[64] = '\0';
    return FT_OK;
}

int ft_cli_snap_labels(const ft_cli_snap *cs, ft_cli_labels *lab)
{
    return ft_cli_snap_labels_prefix(&cs->s, "", cs->g.n_addr, lab);
}

int ft_cli_snap_labels_prefix(const ft_snapshot *snap, const char *prefix, uint32_t na,
                              ft_cli_labels *lab)
{
    memset(lab, 0, sizeof *lab);
    char n_cat[FT_SNAPSHOT_NAME_MAX], n_off[FT_SNAPSHOT_NAME_MAX], n_names[FT_SNAPSHOT_NAME_MAX],
        n_ae[FT_SNAPSHOT_NAME_MAX];
    snprintf(n_cat, sizeof n_cat, "%slab_entity_cat", prefix);
    snprintf(n_off, sizeof n_off, "%slab_entity_name_off", prefix);
    snprintf(n_names, sizeof n_names, "%slab_entity_name", prefix);
    snprintf(n_ae, sizeof n_ae, "%slab_addr_entity", prefix);
    if (!ft_snapshot_has(snap, n_cat))
        return 0;
    ft_err err;
    ft_err_clear(&err);
    const void *cat, *off, *names, *ae;
    uint64_t n_ent = 0, n_names_len = 0;
    ft_status s = ft_snapshot_find(snap, n_cat, 1, FT_SNAPSHOT_ANY, &cat, &n_ent, &err);
    if (s == FT_OK)
        s = ft_snapshot_find(snap, n_off, 8, n_ent + 1, &off, NULL, &err);
    if (s == FT_OK)
        s = ft_snapshot_find(snap, n_names, 1, FT_SNAPSHOT_ANY, &names, &n_names_len, &err);
    if (s == FT_OK)
        s = ft_snapshot_find(snap, n_ae, 4, na, &ae, NULL, &err);
    if (s != FT_OK)
        return ft_cli_error(2, "%s", err.msg);
    if (n_ent > UINT32_MAX - 1)
        return ft_cli_error(2, "snapshot '%s': too many entities", snap->path);
    const uint64_t *o = off;
    const uint32_t *a = ae;
    lab->entity_name = calloc(n_ent ? (size_t)n_ent : 1, sizeof *lab->entity_name);
    lab->entity_cat = malloc(n_ent ? (size_t)n_ent : 1);
    lab->addr_entity = malloc(((size_t)na + 1) * sizeof *lab->addr_entity);
    if (!lab->entity_name || !lab->entity_cat || !lab->addr_entity) {
        ft_cli_labels_release(lab);
        return ft_cli_error(1, "out of memory");
    }
    int bad = o[0] != 0 || o[n_ent] != n_names_len;
    for (uint64_t e = 0; e < n_ent && !bad; e++) {
        if (o[e + 1] < o[e] || o[e + 1] - o[e] >= FT_LABEL_TEXT_MAX ||
            ((const uint8_t *)cat)[e] >= FT_CAT_COUNT) {
            bad = 1;
            break;
        }
        size_t len = (size_t)(o[e + 1] - o[e]);
        char *t = malloc(len + 1);
        if (!t) {
            ft_cli_labels_release(lab);
            return ft_cli_error(1, "out of memory");
        }
        memcpy(t, (const char *)names + o[e], len);
        t[len] = '\0';
        lab->entity_name[e] = t;
        lab->entity_cat[e] = ((const uint8_t *)cat)[e];
        lab->n_entities = (uint32_t)e + 1;
    }
    for (uint32_t x = 0; x < na && !bad; x++) {
        bad = a[x] != FT_GRAPH_NONE && a[x] >= n_ent;
        lab->addr_entity[x] = a[x];
        lab->n_labeled += a[x] != FT_GRAPH_NONE;
    }
    if (bad) {
        ft_cli_labels_release(lab);
        return ft_cli_error(2, "snapshot '%s': labels out of range", snap->path);
    }
    return 0;
}

int ft_cli_trace_job_from_snapshot(ft_cli_trace_job *job, const ft_cli_snap *cs,
                                   const char *incident)
{
    memset(job, 0, sizeof *job);
    job->net = cs->net;
    job->addr_text = snap_addr_text;
    job->txid_text = snap_txid_text;
    job->text_ctx = (void *)cs;
    job->opts.max_hops = FT_TRACE_NO_HOP_LIMIT;
    const char *path = cs->s.path;
    /* the account chains first (as prepare from the index), then the Bitcoin incidents */
    int acode = ft_cli_trace_job_account_from_snapshot(job, &cs->s, cs->n_acct_chains, incident);
    if (acode)
        return acode;
    size_t n_acct = ft_cli_trace_job_account_incidents(job);
    if (cs->n_rows == 0 && n_acct == 0 && !incident)
        return ft_cli_error(2, "snapshot '%s' holds no %sincident: import incidents "
                               "into the index and write the snapshot again",
                            path, cs->n_acct_chains ? "" : "bitcoin ");
    if (cs->n_rows == 0 && n_acct == 0)
        return ft_cli_error(2, "no %sincident '%s' in snapshot '%s'",
                            cs->n_acct_chains ? "" : "bitcoin ", incident, path);
    if (cs->n_rows == 0) { /* account chains only: an empty Bitcoin part */
        job->g = cs->g;
        job->addr_cluster = cs->cluster;
        return 0;
    }
    ft_err err;
    ft_err_clear(&err);
    const void *rows_p, *seeds_p, *cat_p, *ent_p;
    uint32_t na = cs->g.n_addr;
    ft_status s = ft_snapshot_find(&cs->s, "inc_rows", FT_CLI_SNAP_ROW_BYTES, cs->n_rows,
                                   &rows_p, NULL, &err);
    if (s == FT_OK)
        s = ft_snapshot_find(&cs->s, "seeds", FT_CLI_SNAP_SEED_BYTES, cs->n_seeds, &seeds_p,
                             NULL, &err);
    if (s == FT_OK)
        s = ft_snapshot_find(&cs->s, "term_cat", 1, na, &cat_p, NULL, &err);
    if (s == FT_OK)
        s = ft_snapshot_find(&cs->s, "term_ent", 4, na, &ent_p, NULL, &err);
    if (s != FT_OK)
        return ft_cli_error(2, "%s", err.msg);

    /* rows: all of them decoded, group index per row (rows of one incident are adjacent, in
     * the store's key order), then the selected ones kept */
    size_t n_rows = (size_t)cs->n_rows;
    ft_incident_set *set = &job->set;
    set->v = malloc(n_rows * sizeof *set->v);
    uint32_t *local = malloc(n_rows * sizeof *local); /* global group -> local or NONE */
    job->names = malloc(n_rows * sizeof *job->names);
    job->inc_first_row = malloc(n_rows * sizeof *job->inc_first_row);
    if (!set->v || !local || !job->names || !job->inc_first_row) {
        free(local);
        return ft_cli_error(1, "out of memory");
    }
    set->cap = n_rows;
    size_t n_groups = 0;
    char prev[FT_INCIDENT_NAME_MAX] = "";
    for (size_t i = 0; i < n_rows; i++) {
        ft_incident_row x;
        if (!ft_cli_snap_row_decode(&x, (const uint8_t *)rows_p + i * FT_CLI_SNAP_ROW_BYTES)) {
            free(local);
            return ft_cli_error(2, "snapshot '%s': incident row %zu malformed", path, i);
        }
        int new_group = i == 0 || strcmp(prev, x.incident) != 0;
        snprintf(prev, sizeof prev, "%s", x.incident);
        if (new_group)
            local[n_groups++] = FT_GRAPH_NONE;
        if (incident && strcmp(x.incident, incident) != 0)
            continue;
        set->v[set->n] = x;
        if (new_group) {
            local[n_groups - 1] = (uint32_t)job->n_inc;
            job->inc_first_row[job->n_inc++] = set->n;
        }
        set->n++;
    }
    for (size_t k = 0; k < job->n_inc; k++)
        job->names[k] = set->v[job->inc_first_row[k]].incident;
    if (job->n_inc == 0 && n_acct == 0) {
        free(local);
        return ft_cli_error(2, "no %sincident '%s' in snapshot '%s'",
                            cs->n_acct_chains ? "" : "bitcoin ", incident, path);
    }

    /* seeds of the selected incidents, renumbered */
    const ft_graph *g = &cs->g;
    job->seeds = malloc((cs->n_seeds ? (size_t)cs->n_seeds : 1) * sizeof *job->seeds);
    if (!job->seeds) {
        free(local);
        return ft_cli_error(1, "out of memory");
    }
    job->cap_seeds = cs->n_seeds ? (size_t)cs->n_seeds : 1;
    for (uint64_t i = 0; i < cs->n_seeds; i++) {
        const uint8_t *r = (const uint8_t *)seeds_p + i * FT_CLI_SNAP_SEED_BYTES;
        ft_trace_seed sd = {ft_get_u32le(r), ft_get_u32le(r + 4), ft_get_u32le(r + 8),
                            ft_get_u64le(r + 16)};
        if (sd.incident >= n_groups || sd.tx >= g->n_tx || sd.out < g->out_off[sd.tx] ||
            sd.out >= g->out_off[sd.tx + 1] || sd.amount > g->out_value[sd.out]) {
            free(local);
            return ft_cli_error(2, "snapshot '%s': seed %llu out of range", path,
                                (unsigned long long)i);
        }
        if (local[sd.incident] == FT_GRAPH_NONE)
            continue;
        sd.incident = local[sd.incident];
        job->seeds[job->n_seeds++] = sd;
    }
    free(local);

    /* graph, terminals, labels: borrowed from the mapping, entity names copied */
    job->g = cs->g;
    job->addr_cluster = cs->cluster;
    job->term_cat = (uint8_t *)cat_p;
    job->term_ent = (uint32_t *)ent_p;
    job->inputs_borrowed = 1;
    int rc = ft_cli_snap_labels(cs, &job->lab);
    if (rc)
        return rc;
    int64_t bad = 0;
    uint32_t n_ent = job->lab.n_entities;
#pragma omp parallel for schedule(static) reduction(+ : bad)
    for (int64_t a = 0; a < (int64_t)na; a++)
        bad += (job->term_cat[a] != FT_CAT_NONE && job->term_cat[a] >= FT_CAT_COUNT) ||
               (job->term_ent[a] != FT_GRAPH_NONE && job->term_ent[a] >= n_ent);
    /* the copy of addr_entity is not needed: point at the mapping like the other arrays */
    if (job->lab.addr_entity) {
        free(job->lab.addr_entity);
        const void *ae = NULL;
        if (ft_snapshot_find(&cs->s, "lab_addr_entity", 4, na, &ae, NULL, &err) != FT_OK)
            bad++;
        job->lab.addr_entity = (uint32_t *)ae;
    }
    if (bad)
        return ft_cli_error(2, "snapshot '%s': terminals out of range", path);
    return 0;
}

/* ---- MPI ------------------------------------------------------------------------------------ */

static int mpi_rank, mpi_size = 1;
#ifdef FT_HAVE_MPI
static int mpi_started;
#endif

int ft_cli_mpi_active(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_SIZE");
    if (!v)
        v = getenv("PMI_SIZE");
    if (!v && getenv("PMIX_RANK"))
        v = "2";
    return v != NULL;
}

int ft_cli_mpi_built(void)
{
#ifdef FT_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

int ft_cli_mpi_begin(int *rank, int *size)
{
    *rank = 0;
    *size = 1;
#ifdef FT_HAVE_MPI
    if (!mpi_started && ft_cli_mpi_active()) {
        int provided = 0, init = 0;
        MPI_Initialized(&init);
        if (!init && MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
            return ft_cli_error(1, "cannot initialise MPI");
        mpi_started = 1;
        MPI_Comm_rank(MPI_COMM_WORLD, &mpi_rank);
        MPI_Comm_size(MPI_COMM_WORLD, &mpi_size);
        /* one error line per job, not one per rank: every rank meets the same errors (the
         * same file, the same agreed exit code), rank 0 reports them. FT_MPI_ALL_STDERR=1
         * keeps every rank's stderr for debugging. */
        const char *all = getenv("FT_MPI_ALL_STDERR");
        if (mpi_rank != 0 && !(all && strcmp(all, "1") == 0) && !freopen("/dev/null", "w", stderr))
            return ft_cli_error(1, "cannot silence the standard error of rank %d", mpi_rank);
    }
#else
    const char *v = getenv("OMPI_COMM_WORLD_SIZE");
    if (v && strcmp(v, "1") != 0)
        ft_log(FT_LOG_WARN, "this fundtrace was built without MPI: every one of the %s "
                            "processes runs the whole job",
               v);
#endif
    *rank = mpi_rank;
    *size = mpi_size;
    return 0;
}

void ft_cli_mpi_end(void)
{
#ifdef FT_HAVE_MPI
    if (mpi_started) {
        MPI_Finalize();
        mpi_started = 0;
        mpi_rank = 0;
        mpi_size = 1;
    }
#endif
}

#ifdef FT_HAVE_MPI
/* Transactions reachable forward from the seeds of incident inc (at most max_hops hops). */
static uint64_t reach_count(const ft_graph *g, const ft_trace_seed *seeds, size_t n_seeds,
                            uint32_t inc, uint32_t max_hops, uint8_t *mark, uint32_t *queue)
{
    size_t head = 0, tail = 0;
    uint64_t n = 1;
    for (size_t i = 0; i < n_seeds; i++) {
        if (seeds[i].incident != inc)
            continue;
        uint32_t t = g->out_spent_by[seeds[i].out];
        if (t != FT_GRAPH_NONE && !mark[t]) {
            mark[t] = 1;
            queue[tail++] = t;
        }
    }
    size_t level_end = tail;
    uint32_t hop = 1;
    while (head < tail) {
        if (head == level_end) {
            hop++;
            level_end = tail;
        }
        uint32_t t = queue[head++];
        n++;
        if (max_hops != FT_TRACE_NO_HOP_LIMIT && hop >= max_hops)
            continue;
        for (uint32_t o = g->out_off[t]; o < g->out_off[t + 1]; o++) {
            uint32_t s = g->out_spent_by[o];
            if (s != FT_GRAPH_NONE && !mark[s]) {
                mark[s] = 1;
                queue[tail++] = s;
            }
        }
    }
    for (size_t i = 0; i < tail; i++)
        mark[queue[i]] = 0;
    return n;
}

static const uint64_t *sort_cost;
static int cmp_cost(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (sort_cost[x] != sort_cost[y])
        return sort_cost[x] > sort_cost[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* The trace_fn of the MPI path. */
static ft_status mpi_trace(ft_cli_trace_job *job, ft_err *err)
{
    const ft_graph *g = &job->g;
    size_t n_inc = job->n_inc;
    uint64_t *cost = calloc(n_inc ? n_inc : 1, sizeof *cost);
    uint64_t *sum = calloc(n_inc ? n_inc : 1, sizeof *sum);
    uint32_t *owner = malloc((n_inc ? n_inc : 1) * sizeof *owner);
    uint32_t *order = malloc((n_inc ? n_inc : 1) * sizeof *order);
    uint64_t *load = calloc((size_t)mpi_size, sizeof *load);
    uint8_t *mark = calloc((size_t)g->n_tx + 1, 1);
    uint32_t *queue = malloc(((size_t)g->n_tx + 1) * sizeof *queue);
    if (!cost || !sum || !owner || !order || !load || !mark || !queue) {
        /* the other ranks are in a collective call: only an abort ends them */
        ft_cli_error(1, "rank %d: out of memory balancing incidents", mpi_rank);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    ft_status rc = FT_OK;
    /* costs: a round-robin share on each rank, summed over the ranks */
    for (size_t i = (size_t)mpi_rank; i < n_inc; i += (size_t)mpi_size)
        cost[i] = reach_count(g, job->seeds, job->n_seeds, (uint32_t)i, job->opts.max_hops,
                              mark, queue);
    free(mark);
    free(queue);
    MPI_Allreduce(cost, sum, (int)n_inc, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    size_t n_local = 0;
    uint32_t *mine = NULL;
    {
        for (size_t i = 0; i < n_inc; i++)
            order[i] = (uint32_t)i;
        sort_cost = sum;
        qsort(order, n_inc, sizeof *order, cmp_cost);
        sort_cost = NULL;
        for (size_t k = 0; k < n_inc; k++) {
            int best = 0;
            for (int r = 1; r < mpi_size; r++)
                if (load[r] < load[best])
                    best = r;
            owner[order[k]] = (uint32_t)best;
            load[best] += sum[order[k]];
        }
        ft_log(FT_LOG_DEBUG, "rank %d of %d: %llu reachable txs to trace", mpi_rank, mpi_size,
               (unsigned long long)load[mpi_rank]);
        mine = malloc((n_inc ? n_inc : 1) * sizeof *mine);
        if (!mine)
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        for (size_t i = 0; rc == FT_OK && i < n_inc; i++)
            if (owner[i] == (uint32_t)mpi_rank)
                mine[n_local++] = (uint32_t)i;
    }
    free(cost);
    free(sum);
    free(order);
    free(load);

    /* this rank's share */
    ft_trace_result part;
    memset(&part, 0, sizeof part);
    ft_trace_seed *seeds = NULL;
    const char **names = NULL;
    size_t n_seeds = 0;
    if (rc == FT_OK) {
        seeds = malloc((job->n_seeds ? job->n_seeds : 1) * sizeof *seeds);
        names = malloc((n_local ? n_local : 1) * sizeof *names);
        uint32_t *loc = malloc((n_inc ? n_inc : 1) * sizeof *loc);
        if (!seeds || !names || !loc)
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        for (size_t i = 0; rc == FT_OK && i < n_inc; i++)
            loc[i] = FT_GRAPH_NONE;
        for (size_t k = 0; rc == FT_OK && k < n_local; k++) {
            loc[mine[k]] = (uint32_t)k;
            names[k] = job->names[mine[k]];
        }
        for (size_t i = 0; rc == FT_OK && i < job->n_seeds; i++)
            if (loc[job->seeds[i].incident] != FT_GRAPH_NONE) {
                seeds[n_seeds] = job->seeds[i];
                seeds[n_seeds++].incident = loc[job->seeds[i].incident];
            }
        free(loc);
    }
    if (rc == FT_OK)
        rc = ft_trace_run(&part, g, job->term_cat, job->term_ent, seeds, n_seeds, names,
                          n_local, &job->opts, err);
    free(seeds);
    free(names);

    /* pack: status:i32 msg_len:u32 msg, then the result */
    uint8_t *packed = NULL;
    size_t plen = 0;
    if (rc == FT_OK)
        rc = ft_trace_pack(&part, &packed, &plen, err);
    free(part.exposure);
    part.exposure = NULL;
    ft_trace_result_release(&part);
    size_t mlen = rc == FT_OK ? 0 : strlen(err->msg);
    size_t blen = 8 + mlen + (rc == FT_OK ? plen : 0);
    static uint8_t fallback[8 + FT_ERR_MSG_MAX];
    uint8_t *buf = blen <= (size_t)INT32_MAX ? malloc(blen) : NULL;
    int own = buf != NULL;
    if (!buf) {
        if (rc == FT_OK)
            rc = ft_err_set(err, FT_ERR_LIMIT, "rank %d: trace result too large to gather",
                            mpi_rank);
        buf = fallback;
        mlen = strlen(err->msg);
        blen = 8 + mlen;
    }
    ft_put_u32le(buf, (uint32_t)(int32_t)rc);
    ft_put_u32le(buf + 4, (uint32_t)mlen);
    memcpy(buf + 8, err->msg, mlen);
    if (rc == FT_OK && plen)
        memcpy(buf + 8 + mlen, packed, plen);
    free(packed);

    int my_len = (int)blen;
    int *lens = NULL, *displs = NULL;
    uint8_t *all = NULL;
    int root_ok = 1;
    if (mpi_rank == 0) {
        lens = calloc((size_t)mpi_size, sizeof *lens);
        displs = calloc((size_t)mpi_size, sizeof *displs);
        root_ok = lens && displs;
    }
    MPI_Gather(&my_len, 1, MPI_INT, lens, 1, MPI_INT, 0, MPI_COMM_WORLD);
    size_t total = 0;
    if (mpi_rank == 0 && root_ok) {
        for (int r = 0; r < mpi_size; r++) {
            displs[r] = (int)total;
            total += (size_t)lens[r];
        }
        if (total > (size_t)INT32_MAX || !(all = malloc(total ? total : 1)))
            root_ok = 0;
    }
    /* a root that cannot receive still takes part, with room for nothing */
    if (mpi_rank == 0 && !root_ok)
        for (int r = 0; lens && displs && r < mpi_size; r++)
            lens[r] = displs[r] = 0;
    MPI_Gatherv(buf, my_len, MPI_BYTE, all, lens, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (own)
        free(buf);

    /* who owns which incident, for the merge: every rank knows owner[] */
    if (mpi_rank == 0) {
        ft_status frc = root_ok ? FT_OK : ft_err_set(err, FT_ERR_NOMEM, "out of memory "
                                                                        "gathering results");
        ft_trace_result *parts = calloc((size_t)mpi_size, sizeof *parts);
        uint32_t **maps = calloc((size_t)mpi_size, sizeof *maps);
        size_t *cnt = calloc((size_t)mpi_size, sizeof *cnt);
        if (frc == FT_OK && (!parts || !maps || !cnt))
            frc = ft_err_set(err, FT_ERR_NOMEM, "out of memory gathering results");
        for (int r = 0; frc == FT_OK && r < mpi_size; r++) {
            const uint8_t *b = all + displs[r];
            if (lens[r] < 8) {
                frc = ft_err_set(err, FT_ERR_PARSE, "rank %d sent a short result", r);
                break;
            }
            int32_t st = (int32_t)ft_get_u32le(b);
            uint32_t ml = ft_get_u32le(b + 4);
            if (ml > (uint32_t)lens[r] - 8 || ml >= FT_ERR_MSG_MAX) {
                frc = ft_err_set(err, FT_ERR_PARSE, "rank %d sent a malformed result", r);
                break;
            }
            if (st != FT_OK) {
                char m[FT_ERR_MSG_MAX];
                memcpy(m, b + 8, ml);
                m[ml] = '\0';
                frc = ft_err_set(err, (ft_status)st, "%s", m);
                break;
            }
            frc = ft_trace_unpack(&parts[r], b + 8 + ml, (size_t)lens[r] - 8 - ml, err);
            if (frc == FT_OK && !(maps[r] = malloc((n_inc ? n_inc : 1) * sizeof *maps[r])))
                frc = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        }
        if (frc == FT_OK && owner) {
            for (size_t i = 0; i < n_inc; i++) {
                uint32_t r = owner[i];
                maps[r][cnt[r]++] = (uint32_t)i;
            }
            for (int r = 0; frc == FT_OK && r < mpi_size; r++)
                if (cnt[r] != parts[r].n_incidents)
                    frc = ft_err_set(err, FT_ERR_PARSE, "rank %d traced %zu incidents, not %zu",
                                     r, parts[r].n_incidents, cnt[r]);
        }
        if (frc == FT_OK)
            frc = ft_trace_merge(&job->res, n_inc, parts, (const uint32_t *const *)maps,
                                 (size_t)mpi_size, err);
        for (int r = 0; parts && r < mpi_size; r++) {
            free(parts[r].exposure);
            parts[r].exposure = NULL;
            ft_trace_result_release(&parts[r]);
            if (maps)
                free(maps[r]);
        }
        free(parts);
        free(maps);
        free(cnt);
        rc = frc;
    } else {
        memset(&job->res, 0, sizeof job->res);
        rc = FT_OK; /* rank 0 reports; the exit code is broadcast afterwards */
    }
    free(all);
    free(lens);
    free(displs);
    free(owner);
    free(mine);
    return rc;
}
#endif

int ft_cli_trace_job_run_mpi(ft_cli_trace_job *job)
{
#ifdef FT_HAVE_MPI
    if (mpi_started && mpi_size > 1 && job->n_inc > 0) { /* n_inc: the same on every rank */
        job->trace_fn = mpi_trace;
        int code = ft_cli_trace_job_run(job);
        MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
        return code;
    }
#endif
    return ft_cli_trace_job_run(job);
}

int ft_cli_snapshot_job_cmd(ft_cli *cli, const char *path, const char *incident,
                            const ft_trace_opts *opts, const char *out,
                            ft_cli_snap_finish_fn finish)
{
    int rank = 0, size = 1;
    int code = ft_cli_mpi_begin(&rank, &size);
    if (code)
        return code;
    ft_cli_snap cs;
    ft_cli_trace_job job;
    memset(&job, 0, sizeof job);
    /* every rank opens the file (the checks are local; one failing rank fails all: the
     * exit code is agreed before any collective work) */
    code = ft_cli_snap_open(&cs, path);
    if (code == 0) {
        code = ft_cli_trace_job_from_snapshot(&job, &cs, incident);
        if (code == 0)
            code = ft_cli_trace_job_load_prices(&job);
        if (code == 0) { /* the options, with the prices just loaded (as cmd_trace.c does) */
            ft_trace_opts to = *opts;
            to.prices = job.opts.prices;
            to.asset = job.opts.asset;
            to.decimals = job.opts.decimals;
            job.opts = to;
        }
        /* the output needs the text (flow addresses are named at the end of the run, on the
         * rank that writes): its sections are verified, and refused, before the run and any
         * file; the other ranks never read them */
        if (code == 0 && rank == 0)
            code = ft_cli_snap_text(&cs);
        /* account chains are traced whole on rank 0 (each incident exactly once: the other
         * ranks drop their account part, having checked it like rank 0) */
        if (code == 0 && rank != 0)
            ft_cli_trace_job_account_release(&job);
    }
#ifdef FT_HAVE_MPI
    if (size > 1)
        MPI_Allreduce(MPI_IN_PLACE, &code, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#endif
    if (code == 0)
        code = ft_cli_trace_job_run_mpi(&job);
    if (code == 0 && rank == 0)
        code = finish(cli, &job, out);
#ifdef FT_HAVE_MPI
    if (size > 1)
        MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
    ft_cli_trace_job_release(&job);
    if (cs.s.base)
        ft_cli_snap_close(&cs);
    ft_cli_mpi_end();
    return code;
}

/* The clusters as `export clusters` writes them (cli/cmd_cluster.c): every address id in
 * order, with its text, cluster id and cluster size. */
static int write_clusters(const ft_cli_snap *cs, const ft_cluster_result *res, const char *out)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return ft_cli_error(1, "cannot create '%s': %s", tmp, strerror(errno));
    fputs("chain,address,cluster,cluster_size\n", f);
    char text[FT_CLI_ADDR_TEXT_MAX];
    for (uint32_t a = 1; a < res->n_addr; a++) {
        ft_err err;
        if (snap_addr_text((void *)cs, a, text, &err) != FT_OK)
            text[0] = '\0';
        uint32_t c = res->cluster[a];
        fprintf(f, "bitcoin,%s,%u,%u\n", text, c, res->size[c]);
    }
    if (fclose(f) != 0 || rename(tmp, out) != 0) {
        remove(tmp);
        return ft_cli_error(1, "cannot write '%s'", out);
    }
    return 0;
}

int ft_cli_cluster_snapshot_cmd(ft_cli *cli, const char *path, const ft_cluster_opts *o,
                                const char *out)
{
    int rank = 0, size = 1;
    int code = ft_cli_mpi_begin(&rank, &size);
    if (code)
        return code;
    ft_cli_snap cs;
    ft_cli_labels lab;
    memset(&lab, 0, sizeof lab);
    code = ft_cli_snap_open(&cs, path);
    if (code == 0 && !cs.net) {
        code = ft_cli_error(2, "snapshot '%s' holds no bitcoin chain: account chains are "
                               "clustered from the index ('fundtrace cluster')",
                            path);
        ft_cli_snap_close(&cs);
    }
    if (code == 0)
        code = ft_cli_snap_labels(&cs, &lab);
#ifdef FT_HAVE_MPI
    if (size > 1)
        MPI_Allreduce(MPI_IN_PLACE, &code, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#endif
    ft_cluster_result res;
    memset(&res, 0, sizeof res);
    int root = rank == 0;
    if (code == 0) {
        ft_err err;
        ft_err_clear(&err);
        ft_cluster_labels cl = {lab.addr_entity, lab.entity_cat, lab.n_entities};
        ft_status s = ft_cluster_mpi_run(&cs.g, &cl, o, &res, &root, &err);
        if (s != FT_OK)
            code = root ? ft_cli_fail(s, &err) : ft_status_exit_code(s);
    }
    if (code == 0 && root && out)
        code = ft_cli_snap_text(&cs);
    if (code == 0 && root && out)
        code = write_clusters(&cs, &res, out);
    if (code == 0 && root) {
        char heur[256];
        ft_registry_format(o->mask, heur, sizeof heur);
        unsigned long long n_addr = res.n_addr ? res.n_addr - 1 : 0;
        if (cli->json) {
            cJSON *j = cJSON_CreateObject();
            ft_cli_json_str(j, "heuristics", heur, 0);
            ft_cli_json_num(j, "addresses", (double)n_addr);
            ft_cli_json_num(j, "links", (double)res.links);
            ft_cli_json_num(j, "merges", (double)res.merges);
            ft_cli_json_num(j, "clusters", (double)res.n_multi);
            ft_cli_json_num(j, "largest", (double)res.largest);
            ft_cli_json_num(j, "largest_id", (double)res.largest_id);
            ft_cli_json_num(j, "refused", (double)res.n_refused_total);
            cJSON *cj = cJSON_CreateObject();
            for (int k = 1; k < FT_CJ_KIND_COUNT; k++)
                ft_cli_json_num(cj, ft_coinjoin_kind_name((ft_coinjoin_kind)k),
                                (double)res.cj_count[k]);
            cJSON_AddItemToObject(j, "coinjoins", cj);
            ft_cli_json_num(j, "ranks", (double)size);
            code = ft_cli_json_print(j);
        } else if (!cli->quiet) {
            printf("heuristics  %s\n", heur);
            printf("addresses   %llu\n", n_addr);
            printf("links       %llu\n", (unsigned long long)res.links);
            printf("merges      %llu\n", (unsigned long long)res.merges);
            printf("clusters    %llu of 2 or more addresses\n", (unsigned long long)res.n_multi);
            printf("largest     %llu addresses (cluster %llu)\n",
                   (unsigned long long)res.largest, (unsigned long long)res.largest_id);
            printf("coinjoins  ");
            for (int k = 1; k < FT_CJ_KIND_COUNT; k++)
                printf(" %s %llu", ft_coinjoin_kind_name((ft_coinjoin_kind)k),
                       (unsigned long long)res.cj_count[k]);
            printf("\nrefused     %llu merges%s\n", (unsigned long long)res.n_refused_total,
                   res.n_refused_total ? " (see 'fundtrace cluster --explain')" : "");
        }
    }
#ifdef FT_HAVE_MPI
    if (size > 1)
        MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
    ft_cluster_result_release(&res);
    ft_cli_labels_release(&lab);
    if (cs.s.base)
        ft_cli_snap_close(&cs);
    ft_cli_mpi_end();
    return code;
}
