/*
 * bench_util.h — the clocks and the sort order every benchmark in tests/bench uses, header-only
 * so that each benchmark stays one .c file.
 *
 *  - ft_bench_wall(): monotonic wall-clock seconds;
 *  - ft_bench_cpu(): CPU seconds (user + system) of the whole process, all threads included
 *    (LevelDB's background thread, OpenMP workers): the steadier figure on a shared machine;
 *  - ft_bench_cmp_double: ascending order of doubles for qsort (medians, quantiles);
 *  - ft_bench_mkdtemp(): a fresh scratch directory "$TMPDIR/NAME.XXXXXX" (/tmp when TMPDIR is
 *    unset or empty, as tests/unit/ft_test.h's ft_test_tmpl), with a one-line error naming the
 *    path when it cannot be made.
 */
#ifndef FT_BENCH_UTIL_H
#define FT_BENCH_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline double ft_bench_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline double ft_bench_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int ft_bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* 0 and the directory's path in buf, or -1 after printing why. */
static inline int ft_bench_mkdtemp(char *buf, size_t n, const char *name)
{
    const char *t = getenv("TMPDIR");
    int len = snprintf(buf, n, "%s/%s.XXXXXX", t && *t ? t : "/tmp", name);
    if (len < 0 || (size_t)len >= n) {
        fprintf(stderr, "error: scratch directory path under '%s' is too long\n", t);
        return -1;
    }
    if (!mkdtemp(buf)) {
        fprintf(stderr, "error: cannot create scratch directory '%s': %s\n", buf, strerror(errno));
        return -1;
    }
    return 0;
}

#endif
