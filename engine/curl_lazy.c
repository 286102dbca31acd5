/*
 * curl_lazy.c — libcurl loaded on first use (dlopen) instead of at process start.
 *
 * Why: libcurl.so.4 pulls in about 30 more shared libraries (GnuTLS, Kerberos, LDAP, SSH,
 * RTMP, nghttp2, …). Mapping and relocating them costs every `fundtrace` process ~15 ms of
 * CPU before main(), which is most of the budget of a single-address query (docs/
 * performance.md, "address"), while only the RPC ingest paths use curl at all.
 *
 * How: this file defines the libcurl entry points the project calls (chains/bitcoin/
 * rpc_client.c, chains/ethereum/jsonrpc.c, tests/bench/bench_eth_rpc.c). Linked into
 * ftcore, they satisfy those references before the linker reaches libcurl, so with
 * --as-needed (CMakeLists.txt) the binary no longer lists libcurl as needed. The first call
 * loads libcurl.so.4 with dlopen and resolves every entry point once (pthread_once); each
 * wrapper forwards to the real function. The names are libcurl's, not ft_-prefixed: they
 * must be, to stand in for it.
 *
 * Variadic calls: curl_easy_setopt and curl_multi_setopt take one argument whose type
 * libcurl itself derives from the option number's range (CURLOPTTYPE_LONG, OBJECTPOINT,
 * FUNCTIONPOINT, OFF_T, BLOB, as curl.h defines them); the wrappers read it with the same
 * rule and pass it on with that type. curl_easy_getinfo's argument is always a pointer.
 *
 * If libcurl cannot be loaded, the wrappers fail the way libcurl reports failure
 * (curl_global_init CURLE_FAILED_INIT, curl_easy_init/curl_multi_init NULL, …) and the
 * dlerror() text is logged once through ft_log, so an RPC command says why it cannot start.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

#include "engine/log.h"

#include "engine/banned.h"

#define FT_CURL_SONAME "libcurl.so.4"

static struct {
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    const char *(*multi_strerror)(CURLMcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} fn;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded; /* 1: every entry point resolved */

/* dlsym into a function pointer (POSIX guarantees the conversion works). */
#define RESOLVE(field, name)                                                                       \
    do {                                                                                           \
        void *p_ = dlsym(h, name);                                                                 \
        if (!p_) {                                                                                 \
            ft_log(FT_LOG_ERROR, "cannot use '%s': no symbol '%s'", FT_CURL_SONAME, name);         \
            return;                                                                                \
        }                                                                                          \
        *(void **)(&fn.field) = p_;                                                                \
    } while (0)

static void load(void)
{
    void *h = dlopen(FT_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        ft_log(FT_LOG_ERROR, "cannot load '%s' (needed for RPC): %s", FT_CURL_SONAME,
               e ? e : "unknown error");
        return;
    }
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(global_cleanup, "curl_global_cleanup");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_perform, "curl_easy_perform");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(multi_init, "curl_multi_init");
    RESOLVE(multi_cleanup, "curl_multi_cleanup");
    RESOLVE(multi_add_handle, "curl_multi_add_handle");
    RESOLVE(multi_remove_handle, "curl_multi_remove_handle");
    RESOLVE(multi_perform, "curl_multi_perform");
    RESOLVE(multi_poll, "curl_multi_poll");
    RESOLVE(multi_info_read, "curl_multi_info_read");
    RESOLVE(multi_setopt, "curl_multi_setopt");
    RESOLVE(multi_strerror, "curl_multi_strerror");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
    loaded = 1; /* the handle stays open for the life of the process */
}

static int ready(void)
{
    pthread_once(&load_once, load);
    return loaded;
}

CURLcode curl_global_init(long flags)
{
    return ready() ? fn.global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
    if (ready())
        fn.global_cleanup();
}

CURL *curl_easy_init(void)
{
    return ready() ? fn.easy_init() : NULL;
}

void curl_easy_cleanup(CURL *h)
{
    if (h && ready())
        fn.easy_cleanup(h);
}

CURLcode curl_easy_perform(CURL *h)
{
    return ready() ? fn.easy_perform(h) : CURLE_FAILED_INIT;
}

/* The argument of a setopt call, read with the type the option number's range gives. */
#define FORWARD_OPT(call, handle, opt, ap)                                                         \
    do {                                                                                           \
        if ((opt) < CURLOPTTYPE_OBJECTPOINT) {                                                     \
            long v_ = va_arg(ap, long);                                                            \
            rc = call(handle, opt, v_);                                                            \
        } else if ((opt) < CURLOPTTYPE_FUNCTIONPOINT) {                                            \
            void *v_ = va_arg(ap, void *);                                                         \
            rc = call(handle, opt, v_);                                                            \
        } else if ((opt) < CURLOPTTYPE_OFF_T) {                                                    \
            void (*v_)(void) = va_arg(ap, void (*)(void));                                         \
            rc = call(handle, opt, v_);                                                            \
        } else if ((opt) < CURLOPTTYPE_BLOB) {                                                     \
            curl_off_t v_ = va_arg(ap, curl_off_t);                                                \
            rc = call(handle, opt, v_);                                                            \
        } else {                                                                                   \
            void *v_ = va_arg(ap, void *);                                                         \
            rc = call(handle, opt, v_);                                                            \
        }                                                                                          \
    } while (0)

CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
    if (!ready())
        return CURLE_FAILED_INIT;
    CURLcode rc;
    va_list ap;
    va_start(ap, opt);
    FORWARD_OPT(fn.easy_setopt, h, opt, ap);
    va_end(ap);
    return rc;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    if (!ready())
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    void *p = va_arg(ap, void *);
    va_end(ap);
    return fn.easy_getinfo(h, info, p);
}

const char *curl_easy_strerror(CURLcode code)
{
    return ready() ? fn.easy_strerror(code) : "libcurl could not be loaded";
}

CURLM *curl_multi_init(void)
{
    return ready() ? fn.multi_init() : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
    return ready() ? fn.multi_cleanup(m) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
    return ready() ? fn.multi_add_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
    return ready() ? fn.multi_remove_handle(m, h) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
    return ready() ? fn.multi_perform(m, running) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra_fds[], unsigned int extra_nfds,
                          int timeout_ms, int *ret)
{
    return ready() ? fn.multi_poll(m, extra_fds, extra_nfds, timeout_ms, ret)
                   : CURLM_INTERNAL_ERROR;
}

CURLMsg *curl_multi_info_read(CURLM *m, int *msgs_in_queue)
{
    return ready() ? fn.multi_info_read(m, msgs_in_queue) : NULL;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
    if (!ready())
        return CURLM_INTERNAL_ERROR;
    CURLMcode rc;
    va_list ap;
    va_start(ap, opt);
    FORWARD_OPT(fn.multi_setopt, m, opt, ap);
    va_end(ap);
    return rc;
}

const char *curl_multi_strerror(CURLMcode code)
{
    return ready() ? fn.multi_strerror(code) : "libcurl could not be loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
    return ready() ? fn.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    if (list && ready())
        fn.slist_free_all(list);
}
