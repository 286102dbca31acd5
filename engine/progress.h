/*
 * progress.h — how long jobs report progress without printing: a callback the caller
 * supplies (the CLI draws a line on stderr only when stderr is a terminal). `done` and `total`
 * are in the job's own unit (blocks, transactions); total 0 means unknown.
 */
#ifndef FT_PROGRESS_H
#define FT_PROGRESS_H

#include <stdint.h>

typedef struct ft_progress {
    void (*fn)(void *ctx, const char *what, uint64_t done, uint64_t total);
    void *ctx;
} ft_progress;

/* Calls p->fn if p and p->fn are set. */
static inline void ft_progress_report(const ft_progress *p, const char *what, uint64_t done,
                                      uint64_t total)
{
    if (p && p->fn)
        p->fn(p->ctx, what, done, total);
}

#endif
