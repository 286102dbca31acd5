/*
 * status.h — status codes and the error record every fallible call fills.
 *
 * Functions that can fail return an ft_status (FT_OK = 0, failures negative) and, when the
 * caller passed one, write a one-line human message into an ft_err: the error first, the
 * subject in quotes, no final full stop (git's message style), e.g.
 *     cannot open index 'idx/': LOCK held by another process
 * The library never prints; the CLI turns the status into an exit code (ft_status_exit_code)
 * and prints "error: <msg>". Every public function is FT_WARN_UNUSED so an ignored failure is
 * a compiler warning.
 */
#ifndef FT_STATUS_H
#define FT_STATUS_H

#include <stddef.h>

#define FT_WARN_UNUSED __attribute__((warn_unused_result))
#define FT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

typedef enum ft_status {
    FT_OK = 0,
    FT_ERR_ARG = -1,      /* caller error or bad command-line value: usage */
    FT_ERR_PARSE = -2,    /* malformed input data: a block, a JSON reply, a CSV row */
    FT_ERR_NOTFOUND = -3, /* the thing asked for is not in the index */
    FT_ERR_IO = -4,       /* a file or the store could not be read or written */
    FT_ERR_NOMEM = -5,    /* out of memory */
    FT_ERR_LIMIT = -6,    /* a size or count beyond what the format or we allow */
    FT_ERR_CORRUPT = -7,  /* the index itself is damaged or of another schema */
    FT_ERR_NET = -8,      /* a service (node RPC) unreachable, timed out or failing */
    FT_ERR_STATE = -9,    /* inconsistent with the index: wrong network, unknown parent */
} ft_status;

/* The message buffer is large enough for a path and a reason. */
#define FT_ERR_MSG_MAX 512

typedef struct ft_err {
    ft_status code;
    char msg[FT_ERR_MSG_MAX];
} ft_err;

/* Returns a short fixed name for a status ("parse error"); never NULL. */
const char *ft_status_str(ft_status st);

/* Sets err (if not NULL) to code and the printf-style message; returns code, so that
 * `return ft_err_set(err, FT_ERR_PARSE, "...")` reads naturally. A message that is already set
 * is replaced. */
ft_status ft_err_set(ft_err *err, ft_status code, const char *fmt, ...) FT_PRINTF(3, 4);

/* Prefixes the message already in err with more context: "<prefix>: <old message>". */
ft_status ft_err_prefix(ft_err *err, const char *fmt, ...) FT_PRINTF(2, 3);

/* Clears err to FT_OK and an empty message. */
void ft_err_clear(ft_err *err);

/* The process exit code for a status (ARCHITECTURE.md section 6): 0 success, 2 bad input
 * data (PARSE, LIMIT, CORRUPT, STATE, NOTFOUND), 129 usage (ARG), 1 any other failure. */
int ft_status_exit_code(ft_status st);

/* Internal invariant check, on in debug and test builds (libsecp256k1's VERIFY_CHECK). */
#ifdef FT_VERIFY
#include <stdio.h>
#include <stdlib.h>
#define FT_VERIFY_CHECK(cond)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)
#else
#define FT_VERIFY_CHECK(cond) ((void)0)
#endif

#endif
