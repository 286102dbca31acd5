/*
 * log.h — the library's only way to say something: a process-wide log callback.
 *
 * Library code never writes to stdout or stderr. It calls ft_log(); the CLI installs a
 * callback that decides, from --quiet/--verbose, what reaches stderr. With no callback
 * installed messages are dropped. The callback may be called from several OpenMP threads at
 * once: ft_log serialises calls with a mutex.
 */
#ifndef FT_LOG_H
#define FT_LOG_H

#include "engine/status.h"

typedef enum ft_log_level {
    FT_LOG_ERROR = 0,
    FT_LOG_WARN = 1,
    FT_LOG_INFO = 2,
    FT_LOG_DEBUG = 3,
} ft_log_level;

typedef void (*ft_log_fn)(void *ctx, ft_log_level level, const char *msg);

/* Installs fn (NULL to silence) with its context pointer. Not thread-safe: call at start. */
void ft_log_set(ft_log_fn fn, void *ctx);

/* Formats and passes a message to the callback. */
void ft_log(ft_log_level level, const char *fmt, ...) FT_PRINTF(2, 3);

#endif
