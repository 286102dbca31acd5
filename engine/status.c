/*
 * status.c — status names, the ft_err record and the status → exit code table.
 */
#include "engine/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/banned.h"

const char *ft_status_str(ft_status st)
{
    switch (st) {
    case FT_OK: return "ok";
    case FT_ERR_ARG: return "bad argument";
    case FT_ERR_PARSE: return "parse error";
    case FT_ERR_NOTFOUND: return "not found";
    case FT_ERR_IO: return "i/o error";
    case FT_ERR_NOMEM: return "out of memory";
    case FT_ERR_LIMIT: return "limit exceeded";
    case FT_ERR_CORRUPT: return "corrupt index";
    case FT_ERR_NET: return "service error";
    case FT_ERR_STATE: return "inconsistent state";
    }
    return "unknown error";
}

ft_status ft_err_set(ft_err *err, ft_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

ft_status ft_err_prefix(ft_err *err, const char *fmt, ...)
{
    if (!err)
        return FT_ERR_ARG;
    char old[FT_ERR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg - 2) {
        size_t pos = (size_t)n;
        err->msg[pos++] = ':';
        err->msg[pos++] = ' ';
        size_t room = sizeof err->msg - pos - 1;
        size_t olen = strnlen(old, sizeof old);
        if (olen > room)
            olen = room;
        memcpy(err->msg + pos, old, olen);
        err->msg[pos + olen] = '\0';
    }
    return err->code;
}

void ft_err_clear(ft_err *err)
{
    if (err) {
        err->code = FT_OK;
        err->msg[0] = '\0';
    }
}

int ft_status_exit_code(ft_status st)
{
    switch (st) {
    case FT_OK: return 0;
    case FT_ERR_ARG: return 129;
    case FT_ERR_PARSE:
    case FT_ERR_LIMIT:
    case FT_ERR_CORRUPT:
    case FT_ERR_STATE:
    case FT_ERR_NOTFOUND: return 2;
    case FT_ERR_IO:
    case FT_ERR_NOMEM:
    case FT_ERR_NET: return 1;
    }
    return 1;
}
