/*
 * log.c — the process-wide log callback, serialised with a mutex.
 */
#include "engine/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "engine/banned.h"

static ft_log_fn log_fn;
static void *log_ctx;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

void ft_log_set(ft_log_fn fn, void *ctx)
{
    log_fn = fn;
    log_ctx = ctx;
}

void ft_log(ft_log_level level, const char *fmt, ...)
{
    if (!log_fn)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&log_mutex);
    log_fn(log_ctx, level, buf);
    pthread_mutex_unlock(&log_mutex);
}
