/*
 * bench_address.c — whole-process time of `fundtrace address X` against the cost of a
 * process that only opens the store and closes it, measured in the same run.
 *
 *     bench_address --db DIR [--fundtrace PATH] [--rounds N] [--addresses N]
 *                   [--address A]...
 *
 * 1. Picks addresses of different history sizes: one scan of the history keys (type 0x09)
 *    counts rows per address id; the busiest tenth of the picks are the addresses with the
 *    most rows (an exchange's hot wallet on a generated chain), the rest are spread
 *    log-uniformly over the other addresses by row count (1 row … thousands). --address adds
 *    more by text. Default 50 addresses in all.
 * 2. Closes the store (LevelDB allows one process), then runs, for N rounds (default 5), in
 *    this order each round: `fundtrace --db DIR address X` for every address (default text
 *    output, the history listing included), and the bounds: this program with --open-close
 *    (a process with the same libraries that opens the store read-only and closes it),
 *    `fundtrace version` (start-up only, no store) and /bin/true (process creation). Bounds
 *    and target run interleaved so that they see the same machine load.
 * 0. Prints the load average (at start and at end), how many shared objects the fundtrace
 *    binary maps at start, and the index's LevelDB levels (files and MB per level, and whether
 *    a compaction is pending, which every reader would restart): what a figure depends on.
 * 3. Prints min / median / p90 / max of the wall time (fork to exit) and of the child's CPU
 *    time (user + system, from wait4), per group and per history-size class, and the ratio
 *    of the address median to the open-close median.
 *
 * stdout of the children goes to /dev/null; a child that exits non-zero aborts the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "chains/bitcoin/address.h"
#include "chains/bitcoin/params.h"
#include "engine/keys.h"
#include "engine/query.h"
#include "engine/reader.h"
#include "engine/store.h"

#include "tests/bench/bench_util.h"

#include "engine/banned.h"

#define MAX_ADDR 1000

typedef struct sample {
    double wall_ms, cpu_ms;
} sample;

typedef struct series {
    sample *v;
    size_t n, cap;
} series;

typedef struct pick {
    char text[FT_BTC_ADDR_STR_MAX];
    uint64_t rows; /* history rows */
    series s;
} pick;

static void push(series *s, sample x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
    }
    s->v[s->n++] = x;
}

/* Runs argv with stdout to /dev/null; returns its wall and CPU time; exits on failure. */
static sample run(char *const argv[])
{
    double t0 = (ft_bench_wall() * 1e3);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        exit(1);
    }
    double t1 = (ft_bench_wall() * 1e3);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_address: '%s %s' failed (status %d)\n", argv[0],
                argv[1] ? argv[1] : "", status);
        exit(1);
    }
    sample x;
    x.wall_ms = t1 - t0;
    x.cpu_ms = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e3 +
               ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e3;
    return x;
}

/* q-quantile (nearest rank) of n values (sorted in place). */
static double quantile(double *v, size_t n, double q)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, ft_bench_cmp_double);
    size_t k = (size_t)ceil(q * (double)n);
    return v[k ? k - 1 : 0];
}

static void stats(const char *name, const series *s, double *median_wall)
{
    double *w = malloc((s->n ? s->n : 1) * sizeof *w), *c = malloc((s->n ? s->n : 1) * sizeof *c);
    if (!w || !c) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < s->n; i++) {
        w[i] = s->v[i].wall_ms;
        c[i] = s->v[i].cpu_ms;
    }
    double mw = quantile(w, s->n, 0.5);
    printf("%-28s %5zu runs  wall ms: min %6.1f median %6.1f p90 %6.1f max %6.1f   cpu ms: "
           "median %5.1f p90 %5.1f\n",
           name, s->n, s->n ? w[0] : 0, mw, quantile(w, s->n, 0.9), s->n ? w[s->n - 1] : 0,
           quantile(c, s->n, 0.5), quantile(c, s->n, 0.9));
    if (median_wall)
        *median_wall = mw;
    free(w);
    free(c);
}

/* --open-close: the bound process. */
static int open_close(const char *db)
{
    ft_store *st;
    ft_err err;
    if (ft_store_open(&st, db, FT_STORE_READ, &err) != FT_OK) {
        fprintf(stderr, "bench_address: %s\n", err.msg);
        return 1;
    }
    ft_store_close(st);
    return 0;
}

static int cmp_rows_desc(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b; /* pairs (rows, id) */
    if (x[0] != y[0])
        return x[0] < y[0] ? 1 : -1;
    return (x[1] > y[1]) - (x[1] < y[1]);
}

/* Fills picks[0..*n) from the index: the busiest and a log-uniform spread by rows. */
static int choose(const char *db, pick *picks, size_t *n, size_t want)
{
    ft_store *st;
    ft_err err;
    ft_query_chainrec rec;
    if (ft_store_open(&st, db, FT_STORE_READ, &err) != FT_OK ||
        ft_query_chain_get(st, FT_CHAIN_BTC, &rec, &err) != FT_OK) {
        fprintf(stderr, "bench_address: %s\n", err.msg);
        return 1;
    }
    ft_store_shape sh;
    if (ft_store_levels(st, &sh, &err) == FT_OK) {
        printf("index levels (table files / MB): ");
        for (int l = 0; l < 7; l++)
            if (sh.files[l])
                printf("L%d %d/%.0f  ", l, sh.files[l], sh.mb[l]);
        printf("— %s\n", sh.settled ? "settled (no compaction pending)"
                                     : "compaction pending (readers will restart it)");
    }
    const ft_btc_params *net = ft_btc_params_by_name(rec.network);
    uint64_t n_addr = rec.next_addr;
    uint32_t *rows = calloc(n_addr ? n_addr : 1, sizeof *rows);
    if (!net || !rows) {
        fprintf(stderr, "bench_address: unknown network or out of memory\n");
        return 1;
    }
    double t0 = (ft_bench_wall() * 1e3);
    uint8_t prefix[2] = {FT_KEY_HIST, FT_CHAIN_BTC};
    ft_store_iter *it = ft_store_iter_new(st, prefix, 2);
    const uint8_t *k;
    size_t kl;
    uint64_t total = 0;
    while (ft_store_iter_next(it, &k, &kl, NULL, NULL)) {
        if (kl != FT_QUERY_HIST_KEY_LEN)
            continue;
        uint64_t id = ft_get_u64be(k + 2);
        if (id < n_addr)
            rows[id]++;
        total++;
    }
    if (ft_store_iter_status(it, &err) != FT_OK) {
        fprintf(stderr, "bench_address: %s\n", err.msg);
        return 1;
    }
    ft_store_iter_free(it);
    fprintf(stderr, "scanned %llu history rows of %llu addresses in %.1f s\n",
            (unsigned long long)total, (unsigned long long)(n_addr ? n_addr - 1 : 0),
            ((ft_bench_wall() * 1e3) - t0) / 1e3);
    /* (rows, id) of every seen address, busiest first */
    uint64_t(*order)[2] = malloc((n_addr ? n_addr : 1) * sizeof *order);
    size_t m = 0;
    for (uint64_t id = 1; id < n_addr; id++)
        if (rows[id]) {
            order[m][0] = rows[id];
            order[m][1] = id;
            m++;
        }
    qsort(order, m, sizeof *order, cmp_rows_desc);
    size_t busiest = want / 10 ? want / 10 : 1;
    uint64_t *ids = malloc((want + 1) * sizeof *ids);
    uint64_t *idrows = malloc((want + 1) * sizeof *idrows);
    size_t got = 0;
    for (size_t i = 0; i < m && got < busiest; i++) {
        ids[got] = order[i][1];
        idrows[got++] = order[i][0];
    }
    /* the rest: row counts log-uniform between the most and 1, each the first address in
     * busiest-first order at or below the target (no address twice) */
    size_t rest = want > got ? want - got : 0;
    size_t pos = busiest;
    double top = m > busiest ? (double)order[busiest][0] : 1.0;
    for (size_t j = 0; j < rest && pos < m; j++) {
        double target = exp(log(top) * (1.0 - (double)j / (double)(rest > 1 ? rest - 1 : 1)));
        while (pos < m - 1 && (double)order[pos][0] > target)
            pos++;
        ids[got] = order[pos][1];
        idrows[got++] = order[pos][0];
        pos++;
    }
    for (size_t i = 0; i < got && *n < MAX_ADDR; i++) {
        ft_addr_key key;
        if (ft_query_addr_key(st, FT_CHAIN_BTC, ids[i], &key, &err) != FT_OK ||
            ft_btc_address_encode(picks[*n].text, &key, net) != FT_OK)
            continue; /* a key without address text (bare multisig …) */
        picks[*n].rows = idrows[i];
        (*n)++;
    }
    free(ids);
    free(idrows);
    free(order);
    free(rows);
    ft_store_close(st);
    return 0;
}

/* The load average now (first three fields of /proc/loadavg). */
static void print_load(const char *when)
{
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            snprintf(buf, sizeof buf, "?");
        fclose(f);
    }
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    printf("load average %s: %s\n", when, buf);
}

/* Shared objects the dynamic loader maps for path (LD_TRACE_LOADED_OBJECTS, as ldd), or -1. */
static int count_libraries(const char *path)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        setenv("LD_TRACE_LOADED_OBJECTS", "1", 1);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    int lines = 0;
    char buf[4096];
    ssize_t r;
    while ((r = read(fd[0], buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < r; i++)
            lines += buf[i] == '\n';
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? lines : -1;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_address --db DIR [--fundtrace PATH] [--rounds N] "
                    "[--addresses N] [--address A]...\n");
    exit(129);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--open-close") == 0)
        return open_close(argv[2]);
    const char *db = NULL;
    char fundtrace[4096];
    fundtrace[0] = '\0';
    int rounds = 5, want = 50;
    static pick picks[MAX_ADDR];
    size_t n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(a, "--db") == 0)
            db = v;
        else if (strcmp(a, "--fundtrace") == 0)
            snprintf(fundtrace, sizeof fundtrace, "%s", v);
        else if (strcmp(a, "--rounds") == 0)
            rounds = atoi(v);
        else if (strcmp(a, "--addresses") == 0)
            want = atoi(v);
        else if (strcmp(a, "--address") == 0 && n < MAX_ADDR) {
            snprintf(picks[n].text, sizeof picks[n].text, "%s", v);
            picks[n++].rows = 0; /* unknown: listed as "given" */
        } else
            usage();
        i++;
    }
    if (!db || rounds < 1 || want < 1 || want > MAX_ADDR - (int)n)
        usage();
    if (!fundtrace[0]) { /* the fundtrace beside this program (same build directory) */
        const char *slash = strrchr(argv[0], '/');
        int dl = slash ? (int)(slash - argv[0]) : 1;
        snprintf(fundtrace, sizeof fundtrace, "%.*s/fundtrace", dl, slash ? argv[0] : ".");
    }
    char self[4096];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) {
        perror("readlink /proc/self/exe");
        return 1;
    }
    self[sl] = '\0';
    size_t given = n;
    print_load("at start");
    printf("%s maps %d shared objects at start (vdso and ld.so included)\n", fundtrace,
           count_libraries(fundtrace));
    if (choose(db, picks, &n, (size_t)want) != 0)
        return 1;

    series all = {0}, oc = {0}, ver = {0}, tru = {0};
    char dbarg[4096];
    snprintf(dbarg, sizeof dbarg, "%s", db);
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++) {
            char *av[] = {fundtrace, "--db", dbarg, "address", picks[i].text, NULL};
            sample x = run(av);
            push(&picks[i].s, x);
            push(&all, x);
            /* the bounds, one of each per 5 addresses, interleaved */
            if (i % 5 == 0) {
                char *ocv[] = {self, "--open-close", dbarg, NULL};
                char *vv[] = {fundtrace, "version", NULL};
                char *tv[] = {"/bin/true", NULL};
                push(&oc, run(ocv));
                push(&ver, run(vv));
                push(&tru, run(tv));
            }
        }
    }
    printf("fundtrace address on '%s': %zu addresses x %d rounds (%s)\n", db, n, rounds, fundtrace);
    printf("\nper address (median of its rounds):\n");
    for (size_t i = 0; i < n; i++) {
        double *w = malloc(picks[i].s.n * sizeof *w);
        for (size_t k = 0; k < picks[i].s.n; k++)
            w[k] = picks[i].s.v[k].wall_ms;
        double med = quantile(w, picks[i].s.n, 0.5);
        free(w);
        if (i < given)
            printf("  %-64s   given   %6.1f ms\n", picks[i].text, med);
        else
            printf("  %-64s %7llu rows %6.1f ms\n", picks[i].text,
                   (unsigned long long)picks[i].rows, med);
    }
    /* classes by history size */
    static const uint64_t bounds[] = {1, 10, 100, 1000, UINT64_MAX};
    printf("\n");
    for (int c = 0; c < 4; c++) {
        series s = {0};
        for (size_t i = given; i < n; i++)
            if (picks[i].rows >= bounds[c] && picks[i].rows < bounds[c + 1])
                for (size_t k = 0; k < picks[i].s.n; k++)
                    push(&s, picks[i].s.v[k]);
        char name[64];
        if (c < 3)
            snprintf(name, sizeof name, "address, %llu-%llu rows", (unsigned long long)bounds[c],
                     (unsigned long long)bounds[c + 1] - 1);
        else
            snprintf(name, sizeof name, "address, >= %llu rows", (unsigned long long)bounds[c]);
        if (s.n)
            stats(name, &s, NULL);
        free(s.v);
    }
    double m_all = 0, m_oc = 0;
    stats("address, all", &all, &m_all);
    stats("bound: open+close store", &oc, &m_oc);
    stats("bound: fundtrace version", &ver, NULL);
    stats("bound: /bin/true", &tru, NULL);
    printf("\nratio address median / open-close median: %.2fx; target: median under 20 ms\n",
           m_oc > 0 ? m_all / m_oc : 0.0);
    print_load("at end");
    for (size_t i = 0; i < n; i++)
        free(picks[i].s.v);
    free(all.v);
    free(oc.v);
    free(ver.v);
    free(tru.v);
    return 0;
}
