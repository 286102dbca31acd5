/*
 * progress.c — the terminal progress line (see progress.h).
 *
 * The callback may be called very often (every block window); it redraws only when 0.2 s have
 * passed since the last draw, so drawing never costs indexing time. The rate is computed from
 * the first report seen, so a resumed run shows its own speed.
 */
#include "cli/progress.h"

#include <stdio.h>
#include <time.h>

#include "engine/banned.h"

double ft_cli_progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw(void *ctx, const char *what, uint64_t done, uint64_t total)
{
    ft_cli_progress *p = ctx;
    double now = ft_cli_progress_now();
    if (!p->have_first) {
        p->have_first = 1;
        p->first_done = done;
    }
    if (p->drawn && now - p->last_draw < 0.2 && done != total)
        return;
    p->last_draw = now;
    double secs = now - p->start;
    double rate = secs > 0 && done >= p->first_done ? (double)(done - p->first_done) / secs : 0;
    if (total)
        fprintf(stderr, "\r%s %llu/%llu (%.1f%%) %.0f/s   ", what, (unsigned long long)done,
                (unsigned long long)total, total ? 100.0 * (double)done / (double)total : 0.0,
                rate);
    else
        fprintf(stderr, "\r%s %llu %.0f/s   ", what, (unsigned long long)done, rate);
    fflush(stderr);
    p->drawn = 1;
}

void ft_cli_progress_init(ft_cli_progress *p, ft_progress *out)
{
    p->start = ft_cli_progress_now();
    p->last_draw = 0;
    p->first_done = 0;
    p->have_first = 0;
    p->drawn = 0;
    out->fn = draw;
    out->ctx = p;
}

void ft_cli_progress_finish(ft_cli_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = 0;
    }
}
