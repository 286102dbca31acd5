/*
 * progress.h — the terminal progress line of long commands (index): an ft_progress callback
 * that redraws one line on stderr ("\r<what> <done>/<total> (<pct>%) <rate>/s") at most five
 * times a second, and a finish call that clears it. Commands install it only when
 * cli->progress is set (stderr is a terminal and not --quiet), so logs and pipes never see
 * carriage returns.
 */
#ifndef FT_CLI_PROGRESS_H
#define FT_CLI_PROGRESS_H

#include <stdint.h>

#include "engine/progress.h"

typedef struct ft_cli_progress {
    double start; /* monotonic seconds at init */
    double last_draw;
    uint64_t first_done;
    int have_first;
    int drawn; /* a line is on the terminal */
} ft_cli_progress;

/* Starts the clock; *out gets a callback bound to p (p must outlive its use). */
void ft_cli_progress_init(ft_cli_progress *p, ft_progress *out);
/* Clears the line if one was drawn. */
void ft_cli_progress_finish(ft_cli_progress *p);
/* Monotonic seconds (for elapsed-time figures). */
double ft_cli_progress_now(void);

#endif
