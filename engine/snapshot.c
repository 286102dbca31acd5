/*
 * snapshot.c — the snapshot container (see snapshot.h for the layout).
 *
 * Write: compute the layout (header, table, then each section at the next multiple of 64),
 * hash every section (SHA-256, sections in parallel), write header + table + sections with
 * zero padding to FILE.tmp, fsync, rename over FILE, fsync the directory.
 * Open: fstat, mmap read-only, then parse the header and the table through ft_reader and
 * check magic, version, file size, table hash, per section name/alignment/size/bounds/order.
 * Section checksums are verified lazily: ft_snapshot_find verifies a section the first time
 * it is handed out, ft_snapshot_verify verifies a group of sections at once (all their 4 MiB
 * chunks in one OpenMP loop); the graph loader verifies only the graph's sections.
 * Invariants: no pointer into a section is ever returned before every byte of that section
 * was hashed and matched; a section's state (unchecked, good, bad) changes once, under one
 * OpenMP critical section, and is read with acquire loads, so concurrent finds from OpenMP
 * threads are safe; sections lie inside the file, 64-byte aligned, in table order, without
 * overlap.
 * Account graphs (version 2): one group of sections per chain ("acct<b>_..."), verified as a
 * group by ft_snapshot_account_graph and checked for every id the tracer indexes with.
 */
#include "engine/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/account.h"
#include "engine/hash.h"
#include "engine/reader.h"

#include "engine/banned.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "snapshot arrays are stored in host order, which the format fixes as little-endian"
#endif

#define HEADER_BYTES 64u
#define ENTRY_BYTES 96u
static const uint8_t magic[8] = {'F', 'T', 'S', 'N', 'A', 'P', 0, 0};

/* A section's checksum is a two-level SHA-256 so that verifying a big file uses every core:
 *     sha256( sha256(chunk 0) || sha256(chunk 1) || ... )   chunks of CHUNK bytes (the last
 * one shorter; a section of 0 bytes has no chunk: sha256 of the empty string).
 * hash_sections fills out[i] for n sections, all chunks of all sections in one parallel loop. */
#define CHUNK ((uint64_t)4 << 20)

static uint64_t n_chunks(uint64_t bytes)
{
    return (bytes + CHUNK - 1) / CHUNK;
}

/* Faults the pages of [p, p + len) of the mapping in with one call (Linux >= 5.14) instead of
 * one fault per 64 KiB; without it (or when it fails) the hash faults them in itself. */
static void populate(const uint8_t *p, uint64_t len)
{
#ifdef MADV_POPULATE_READ
    uintptr_t page = 4096, a = (uintptr_t)p & ~(page - 1);
    (void)madvise((void *)a, (size_t)((uintptr_t)p + len - a), MADV_POPULATE_READ);
#else
    (void)p;
    (void)len;
#endif
}

static int hash_sections(uint8_t (*out)[32], const uint8_t *const *data, const uint64_t *bytes,
                         size_t n, int mapped)
{
    uint64_t total = 0, all = 0;
    uint64_t *first = malloc((n + 1) * sizeof *first);
    if (!first)
        return 0;
    for (size_t i = 0; i < n; i++) {
        first[i] = total;
        total += n_chunks(bytes[i]);
        all += bytes[i];
    }
    first[n] = total;
    uint8_t(*cd)[32] = malloc((total ? total : 1) * 32);
    uint32_t *sec_of = malloc((total ? total : 1) * sizeof *sec_of);
    if (!cd || !sec_of) {
        free(first);
        free(cd);
        free(sec_of);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        for (uint64_t c = first[i]; c < first[i + 1]; c++)
            sec_of[c] = (uint32_t)i;
    /* at most one chunk's worth of bytes: one thread (waking a team costs more, and on a
     * loaded node a woken thread may wait for a core) */
#pragma omp parallel for schedule(dynamic, 1) if (all > CHUNK)
    for (int64_t c = 0; c < (int64_t)total; c++) {
        size_t i = sec_of[c];
        uint64_t at = ((uint64_t)c - first[i]) * CHUNK;
        uint64_t len = bytes[i] - at < CHUNK ? bytes[i] - at : CHUNK;
        if (mapped)
            populate(data[i] + at, len);
        ft_sha256(cd[c], data[i] + at, (size_t)len);
    }
    for (size_t i = 0; i < n; i++)
        ft_sha256(out[i], cd + first[i], (size_t)(first[i + 1] - first[i]) * 32);
    free(first);
    free(cd);
    free(sec_of);
    return 1;
}

static uint64_t align_up(uint64_t x)
{
    return (x + FT_SNAPSHOT_ALIGN - 1) / FT_SNAPSHOT_ALIGN * FT_SNAPSHOT_ALIGN;
}

static int write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        b += w;
        n -= (size_t)w;
    }
    return 1;
}

ft_status ft_snapshot_write(const char *path, const ft_snapshot_input *secs, size_t n,
                            ft_err *err)
{
    if (n > FT_SNAPSHOT_MAX_SECTIONS)
        return ft_err_set(err, FT_ERR_ARG, "snapshot '%s': %zu sections (at most %u)", path, n,
                          FT_SNAPSHOT_MAX_SECTIONS);
    for (size_t i = 0; i < n; i++) {
        size_t len = secs[i].name ? strlen(secs[i].name) : 0;
        if (len == 0 || len >= FT_SNAPSHOT_NAME_MAX || secs[i].elem_size == 0 ||
            (secs[i].count > 0 && !secs[i].data) ||
            secs[i].count > UINT64_MAX / 2 / secs[i].elem_size)
            return ft_err_set(err, FT_ERR_ARG, "snapshot '%s': bad section %zu ('%s')", path, i,
                              secs[i].name ? secs[i].name : "");
        for (size_t j = 0; j < i; j++)
            if (strcmp(secs[i].name, secs[j].name) == 0)
                return ft_err_set(err, FT_ERR_ARG, "snapshot '%s': section '%s' given twice",
                                  path, secs[i].name);
    }
    size_t table_len = (size_t)n * ENTRY_BYTES;
    uint8_t *head = calloc(1, HEADER_BYTES + table_len);
    if (!head)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory writing snapshot '%s'", path);
    uint8_t(*sha)[32] = calloc(n ? n : 1, 32);
    if (!sha) {
        free(head);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory writing snapshot '%s'", path);
    }
    const uint8_t **dp = malloc((n ? n : 1) * sizeof *dp);
    uint64_t *bp = malloc((n ? n : 1) * sizeof *bp);
    int hashed = dp && bp;
    for (size_t i = 0; hashed && i < n; i++) {
        dp[i] = secs[i].data;
        bp[i] = (uint64_t)secs[i].elem_size * secs[i].count;
    }
    hashed = hashed && hash_sections(sha, dp, bp, n, 0);
    free(dp);
    free(bp);
    if (!hashed) {
        free(head);
        free(sha);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory writing snapshot '%s'", path);
    }
    uint64_t off = align_up(HEADER_BYTES + table_len);
    uint8_t *tab = head + HEADER_BYTES;
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = tab + i * ENTRY_BYTES;
        uint64_t bytes = (uint64_t)secs[i].elem_size * secs[i].count;
        memcpy(e, secs[i].name, strlen(secs[i].name));
        ft_put_u32le(e + 32, secs[i].elem_size);
        ft_put_u32le(e + 36, 0);
        ft_put_u64le(e + 40, secs[i].count);
        ft_put_u64le(e + 48, off);
        ft_put_u64le(e + 56, bytes);
        memcpy(e + 64, sha[i], 32);
        off = align_up(off + bytes);
    }
    uint64_t file_size = off;
    memcpy(head, magic, 8);
    ft_put_u32le(head + 8, FT_SNAPSHOT_VERSION);
    ft_put_u32le(head + 12, (uint32_t)n);
    ft_put_u64le(head + 16, file_size);
    ft_sha256(head + 24, tab, table_len);
    free(sha);

    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(head);
        return ft_err_set(err, FT_ERR_IO, "cannot create snapshot '%s': %s", tmp,
                          strerror(errno));
    }
    static const uint8_t zeros[FT_SNAPSHOT_ALIGN];
    uint64_t pos = HEADER_BYTES + table_len;
    int ok = write_all(fd, head, (size_t)pos);
    for (size_t i = 0; ok && i < n; i++) {
        uint64_t at = ft_get_u64le(tab + i * ENTRY_BYTES + 48);
        ok = write_all(fd, zeros, (size_t)(at - pos));
        uint64_t bytes = (uint64_t)secs[i].elem_size * secs[i].count;
        if (ok && bytes)
            ok = write_all(fd, secs[i].data, (size_t)bytes);
        pos = at + bytes;
    }
    if (ok)
        ok = write_all(fd, zeros, (size_t)(file_size - pos));
    int saved = errno;
    free(head);
    if (ok && fsync(fd) != 0) {
        ok = 0;
        saved = errno;
    }
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        return ft_err_set(err, FT_ERR_IO, "cannot write snapshot '%s': %s", tmp,
                          strerror(saved));
    }
    if (rename(tmp, path) != 0) {
        saved = errno;
        unlink(tmp);
        return ft_err_set(err, FT_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path,
                          strerror(saved));
    }
    /* make the rename durable: fsync the directory holding path */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return FT_OK;
}

void ft_snapshot_close(ft_snapshot *s)
{
    if (!s)
        return;
    if (s->base)
        munmap((void *)s->base, s->len);
    free(s->sec);
    free(s->state);
    memset(s, 0, sizeof *s);
}

static ft_status corrupt(ft_snapshot *s, ft_err *err, const char *fmt, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, what);
    ft_err_set(err, FT_ERR_CORRUPT, "snapshot '%s': %s", s->path, msg);
    ft_snapshot_close(s);
    return FT_ERR_CORRUPT;
}

ft_status ft_snapshot_open(ft_snapshot *s, const char *path, ft_err *err)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ft_err_set(err, FT_ERR_IO, "cannot open snapshot '%s': %s", path,
                          strerror(errno));
    struct stat stt;
    if (fstat(fd, &stt) != 0) {
        int e = errno;
        close(fd);
        return ft_err_set(err, FT_ERR_IO, "cannot stat snapshot '%s': %s", path, strerror(e));
    }
    if (!S_ISREG(stt.st_mode)) {
        close(fd);
        return ft_err_set(err, FT_ERR_IO, "snapshot '%s' is not a regular file", path);
    }
    size_t len = (size_t)stt.st_size;
    if (len < HEADER_BYTES) {
        close(fd);
        char what[64];
        snprintf(what, sizeof what, "%zu", len);
        return corrupt(s, err, "truncated: %s bytes, not even a header", what);
    }
    /* no MAP_POPULATE: only the sections a command uses are read (and verified) */
    void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED)
        return ft_err_set(err, FT_ERR_IO, "cannot map snapshot '%s': %s", path, strerror(e));
    s->base = m;
    s->len = len;

    ft_reader r;
    ft_reader_init(&r, s->base, len);
    const uint8_t *mg = ft_reader_ptr(&r, 8);
    uint32_t version = 0, n = 0;
    uint64_t file_size = 0, reserved = 0;
    const uint8_t *tab_sha = NULL;
    if (!mg || memcmp(mg, magic, 8) != 0)
        return corrupt(s, err, "not a fundtrace snapshot (bad magic)%s", "");
    if (!ft_reader_u32le(&r, &version) || !ft_reader_u32le(&r, &n) ||
        !ft_reader_u64le(&r, &file_size) || !(tab_sha = ft_reader_ptr(&r, 32)) ||
        !ft_reader_u64le(&r, &reserved))
        return corrupt(s, err, "truncated header%s", "");
    if (version != FT_SNAPSHOT_VERSION) {
        char what[96];
        snprintf(what, sizeof what, "%u (this build reads %u)%s", version, FT_SNAPSHOT_VERSION,
                 version < FT_SNAPSHOT_VERSION ? ": written by an older fundtrace, write it "
                                                 "again with 'fundtrace snapshot'"
                                               : "");
        return corrupt(s, err, "format version %s", what);
    }
    if (file_size != len) {
        char what[96];
        snprintf(what, sizeof what, "%zu bytes, the header says %llu", len,
                 (unsigned long long)file_size);
        return corrupt(s, err, "truncated or extended: %s", what);
    }
    if (n > FT_SNAPSHOT_MAX_SECTIONS)
        return corrupt(s, err, "too many sections%s", "");
    const uint8_t *tab = ft_reader_ptr(&r, (size_t)n * ENTRY_BYTES);
    if (!tab)
        return corrupt(s, err, "truncated section table%s", "");
    uint8_t h[32];
    ft_sha256(h, tab, (size_t)n * ENTRY_BYTES);
    if (memcmp(h, tab_sha, 32) != 0)
        return corrupt(s, err, "section table checksum mismatch%s", "");
    s->sec = calloc(n ? n : 1, sizeof *s->sec);
    s->state = calloc(n ? n : 1, 1);
    if (!s->sec || !s->state) {
        ft_snapshot_close(s);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory opening snapshot '%s'", path);
    }
    s->n_sections = n;
    uint64_t min_off = HEADER_BYTES + (uint64_t)n * ENTRY_BYTES;
    ft_reader_init(&r, tab, (size_t)n * ENTRY_BYTES);
    for (uint32_t i = 0; i < n; i++) {
        ft_snapshot_section *x = &s->sec[i];
        const uint8_t *nm = NULL, *sh = NULL;
        uint32_t flags = 0;
        int ok = (nm = ft_reader_ptr(&r, FT_SNAPSHOT_NAME_MAX)) != NULL &&
                 ft_reader_u32le(&r, &x->elem_size) && ft_reader_u32le(&r, &flags) &&
                 ft_reader_u64le(&r, &x->count) && ft_reader_u64le(&r, &x->offset) &&
                 ft_reader_u64le(&r, &x->bytes) && (sh = ft_reader_ptr(&r, 32)) != NULL;
        if (!ok)
            return corrupt(s, err, "truncated section table%s", "");
        if (!memchr(nm, 0, FT_SNAPSHOT_NAME_MAX) || nm[0] == 0)
            return corrupt(s, err, "section name not terminated%s", "");
        memcpy(x->name, nm, FT_SNAPSHOT_NAME_MAX);
        memcpy(x->sha256, sh, 32);
        if (x->elem_size == 0 || x->count > UINT64_MAX / x->elem_size ||
            x->bytes != (uint64_t)x->elem_size * x->count || flags != 0)
            return corrupt(s, err, "section '%s' has inconsistent sizes", x->name);
        if (x->offset % FT_SNAPSHOT_ALIGN != 0 || x->offset < min_off || x->offset > len ||
            x->bytes > len - x->offset)
            return corrupt(s, err, "section '%s' lies outside the file (truncated?)", x->name);
        min_off = x->offset + x->bytes;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(s->sec[j].name, x->name) == 0)
                return corrupt(s, err, "section '%s' appears twice", x->name);
    }
    return FT_OK;
}

/* ---- lazy verification ----------------------------------------------------------------------- */

enum { SEC_UNCHECKED = 0, SEC_GOOD = 1, SEC_BAD = 2 };

static uint8_t sec_state(const ft_snapshot *s, uint32_t i)
{
    return __atomic_load_n(&s->state[i], __ATOMIC_ACQUIRE);
}

/* Verifies the sections idx[0..n) not verified yet (all their chunks in one parallel loop),
 * then reports the first of them (in idx order) whose checksum does not match. */
static ft_status verify_idx(const ft_snapshot *s, const uint32_t *idx, size_t n, ft_err *err)
{
    size_t pending = 0;
    for (size_t k = 0; k < n; k++)
        pending += sec_state(s, idx[k]) == SEC_UNCHECKED;
    int nomem = 0;
    if (pending) {
#pragma omp critical(ft_snapshot_verify)
        {
            /* again inside: another thread may have verified some meanwhile */
            uint32_t *todo = malloc(n * sizeof *todo);
            uint8_t(*d)[32] = malloc(n * 32);
            const uint8_t **dp = malloc(n * sizeof *dp);
            uint64_t *bp = malloc(n * sizeof *bp);
            size_t m = 0;
            if (todo && d && dp && bp) {
                for (size_t k = 0; k < n; k++) {
                    uint32_t i = idx[k];
                    int dup = 0;
                    for (size_t q = 0; q < m; q++)
                        dup |= todo[q] == i;
                    if (dup || s->state[i] != SEC_UNCHECKED)
                        continue;
                    todo[m] = i;
                    dp[m] = s->base + s->sec[i].offset;
                    bp[m] = s->sec[i].bytes;
                    m++;
                }
                if (m > 0 && hash_sections(d, dp, bp, m, 1)) {
                    for (size_t q = 0; q < m; q++)
                        __atomic_store_n(&s->state[todo[q]],
                                         memcmp(d[q], s->sec[todo[q]].sha256, 32) == 0
                                             ? (uint8_t)SEC_GOOD
                                             : (uint8_t)SEC_BAD,
                                         __ATOMIC_RELEASE);
                } else if (m > 0)
                    nomem = 1;
            } else
                nomem = 1;
            free(todo);
            free(d);
            free(dp);
            free(bp);
        }
    }
    if (nomem)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory checking snapshot '%s'", s->path);
    for (size_t k = 0; k < n; k++)
        if (sec_state(s, idx[k]) != SEC_GOOD)
            return ft_err_set(err, FT_ERR_CORRUPT, "snapshot '%s': section '%s' checksum mismatch",
                              s->path, s->sec[idx[k]].name);
    return FT_OK;
}

static int sec_index(const ft_snapshot *s, const char *name, uint32_t *i)
{
    for (uint32_t k = 0; k < s->n_sections; k++)
        if (strcmp(s->sec[k].name, name) == 0) {
            *i = k;
            return 1;
        }
    return 0;
}

ft_status ft_snapshot_verify(const ft_snapshot *s, const char *const *names, size_t n,
                             ft_err *err)
{
    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    if (!idx)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory checking snapshot '%s'", s->path);
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (sec_index(s, names[k], &idx[m]))
            m++;
    ft_status rc = verify_idx(s, idx, m, err);
    free(idx);
    return rc;
}

ft_status ft_snapshot_verify_all(const ft_snapshot *s, ft_err *err)
{
    uint32_t *idx = malloc((s->n_sections ? s->n_sections : 1) * sizeof *idx);
    if (!idx)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory checking snapshot '%s'", s->path);
    for (uint32_t k = 0; k < s->n_sections; k++)
        idx[k] = k;
    ft_status rc = verify_idx(s, idx, s->n_sections, err);
    free(idx);
    return rc;
}

int ft_snapshot_verified(const ft_snapshot *s, const char *name)
{
    uint32_t i;
    return sec_index(s, name, &i) && sec_state(s, i) == SEC_GOOD;
}

int ft_snapshot_has(const ft_snapshot *s, const char *name)
{
    for (uint32_t i = 0; i < s->n_sections; i++)
        if (strcmp(s->sec[i].name, name) == 0)
            return 1;
    return 0;
}

ft_status ft_snapshot_find(const ft_snapshot *s, const char *name, uint32_t elem_size,
                           uint64_t expect_count, const void **data, uint64_t *count,
                           ft_err *err)
{
    *data = NULL;
    if (count)
        *count = 0;
    for (uint32_t i = 0; i < s->n_sections; i++) {
        const ft_snapshot_section *x = &s->sec[i];
        if (strcmp(x->name, name) != 0)
            continue;
        if (x->elem_size != elem_size ||
            (expect_count != FT_SNAPSHOT_ANY && x->count != expect_count))
            return ft_err_set(err, FT_ERR_CORRUPT,
                              "snapshot '%s': section '%s' has %llu elements of %u bytes, "
                              "expected %llu of %u",
                              s->path, name, (unsigned long long)x->count, x->elem_size,
                              (unsigned long long)(expect_count == FT_SNAPSHOT_ANY ? x->count
                                                                                   : expect_count),
                              elem_size);
        ft_status rc = verify_idx(s, &i, 1, err);
        if (rc != FT_OK)
            return rc;
        *data = s->base + x->offset;
        if (count)
            *count = x->count;
        return FT_OK;
    }
    return ft_err_set(err, FT_ERR_NOTFOUND, "snapshot '%s' has no section '%s'", s->path, name);
}

/* ---- the graph ----------------------------------------------------------------------------- */

#define GRAPH_META_FORMAT 1u

void ft_snapshot_graph_sections(const ft_graph *g, uint64_t meta[8], ft_snapshot_input *out,
                                size_t *n)
{
    int utxo = g->model == FT_GRAPH_UTXO;
    uint64_t nt = utxo ? g->n_tx : 0, no = utxo ? g->n_out : 0, ni = utxo ? g->n_in : 0;
    uint64_t nx = utxo ? 0 : g->n_xfer;
    meta[0] = GRAPH_META_FORMAT;
    meta[1] = (uint64_t)g->model;
    meta[2] = g->chain;
    meta[3] = g->n_addr;
    meta[4] = nt;
    meta[5] = ni;
    meta[6] = no;
    meta[7] = nx;
    const ft_snapshot_input v[FT_SNAPSHOT_GRAPH_SECTIONS] = {
        {"graph_meta", 8, 8, meta},
        {"tx_time", 8, nt, g->tx_time},
        {"tx_flags", 1, nt, g->tx_flags},
        {"tx_addr_new", 4, nt, g->tx_addr_new},
        {"in_off", 4, utxo ? nt + 1 : 0, g->in_off},
        {"out_off", 4, utxo ? nt + 1 : 0, g->out_off},
        {"in_out", 4, ni, g->in_out},
        {"out_value", 8, no, g->out_value},
        {"out_addr", 4, no, g->out_addr},
        {"out_type", 1, no, g->out_type},
        {"out_spent_by", 4, no, g->out_spent_by},
        {"xfer_from", 4, nx, g->xfer_from},
        {"xfer_to", 4, nx, g->xfer_to},
        {"xfer_tx", 4, nx, g->xfer_tx},
        {"xfer_time", 8, nx, g->xfer_time},
    };
    for (size_t i = 0; i < FT_SNAPSHOT_GRAPH_SECTIONS; i++)
        out[(*n)++] = v[i];
}

static ft_status graph_bad(const ft_snapshot *s, ft_err *err, const char *what)
{
    return ft_err_set(err, FT_ERR_CORRUPT, "snapshot '%s': impossible graph (%s)", s->path,
                      what);
}

/* The checks of ft_graph_load_utxo, on arrays that came from a file. */
static ft_status check_utxo(const ft_snapshot *s, const ft_graph *g, ft_err *err)
{
    uint32_t nt = g->n_tx;
    if (g->in_off[0] != 0 || g->out_off[0] != 0 || g->in_off[nt] != g->n_in ||
        g->out_off[nt] != g->n_out)
        return graph_bad(s, err, "prefix sums do not start at 0 or end at the counts");
    /* One byte per output, marked by the input that spends it: a second input of the same tx
     * spending the same output (found by fuzz_snapshot: the spent-by link and the count
     * alone let it through) marks it twice. With that, inputs map one to one onto the outputs
     * whose spent-by names their tx, and the count below makes that every spent output. Only
     * the thread of tx t = out_spent_by[o] touches hit[o] (checked first): no data race. */
    uint8_t *hit = calloc((size_t)g->n_out + 1, 1);
    if (!hit)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory checking snapshot '%s'", s->path);
    int64_t bad = 0, spent = 0;
#pragma omp parallel for schedule(static) reduction(+ : bad, spent)
    for (int64_t t = 0; t < (int64_t)nt; t++) {
        uint32_t i0 = g->in_off[t], i1 = g->in_off[t + 1];
        uint32_t o0 = g->out_off[t], o1 = g->out_off[t + 1];
        if (i1 < i0 || o1 < o0 || i1 > g->n_in || o1 > g->n_out) {
            bad++;
            continue;
        }
        for (uint32_t i = i0; i < i1; i++) {
            uint32_t o = g->in_out[i];
            if (o >= o0 || g->out_spent_by[o] != (uint32_t)t)
                bad++;
            else if (hit[o]++)
                bad++; /* spent twice */
        }
        for (uint32_t o = o0; o < o1; o++) {
            uint32_t sb = g->out_spent_by[o];
            if (g->out_addr[o] >= g->n_addr || (sb != FT_GRAPH_NONE && (sb <= t || sb >= nt)))
                bad++;
            spent += sb != FT_GRAPH_NONE;
        }
    }
    free(hit);
    if (bad)
        return graph_bad(s, err, "inputs, outputs or spent-by links out of range");
    if ((uint64_t)spent != g->n_in)
        return graph_bad(s, err, "an output spent twice or a spent-by link without its input");
    return FT_OK;
}

ft_status ft_snapshot_graph(const ft_snapshot *s, ft_graph *g, ft_err *err)
{
    memset(g, 0, sizeof *g);
    /* the graph's sections only (not the text ones), verified together: every core hashes */
    static const char *const graph_names[FT_SNAPSHOT_GRAPH_SECTIONS] = {
        "graph_meta", "tx_time",      "tx_flags",  "tx_addr_new", "in_off",
        "out_off",    "in_out",       "out_value", "out_addr",    "out_type",
        "out_spent_by", "xfer_from",  "xfer_to",   "xfer_tx",     "xfer_time"};
    ft_status rc = ft_snapshot_verify(s, graph_names, FT_SNAPSHOT_GRAPH_SECTIONS, err);
    if (rc != FT_OK)
        return rc;
    const void *p;
    rc = ft_snapshot_find(s, "graph_meta", 8, 8, &p, NULL, err);
    if (rc != FT_OK)
        return rc;
    uint64_t m[8];
    for (int i = 0; i < 8; i++)
        m[i] = ft_get_u64le((const uint8_t *)p + 8 * i);
    if (m[0] != GRAPH_META_FORMAT || m[1] > FT_GRAPH_ACCOUNT || m[2] > 255 || m[3] == 0 ||
        m[3] > UINT32_MAX - 1 || m[4] > UINT32_MAX - 1 || m[5] > UINT32_MAX - 1 ||
        m[6] > UINT32_MAX - 1 || m[7] > UINT32_MAX - 1)
        return graph_bad(s, err, "bad graph_meta");
    int utxo = m[1] == FT_GRAPH_UTXO;
    uint64_t nt = m[4], ni = m[5], no = m[6], nx = m[7];
    struct {
        const char *name;
        uint32_t size;
        uint64_t count;
        void *dst;
    } want[] = {
        {"tx_time", 8, nt, &g->tx_time},
        {"tx_flags", 1, nt, &g->tx_flags},
        {"tx_addr_new", 4, nt, &g->tx_addr_new},
        {"in_off", 4, utxo ? nt + 1 : 0, &g->in_off},
        {"out_off", 4, utxo ? nt + 1 : 0, &g->out_off},
        {"in_out", 4, ni, &g->in_out},
        {"out_value", 8, no, &g->out_value},
        {"out_addr", 4, no, &g->out_addr},
        {"out_type", 1, no, &g->out_type},
        {"out_spent_by", 4, no, &g->out_spent_by},
        {"xfer_from", 4, nx, &g->xfer_from},
        {"xfer_to", 4, nx, &g->xfer_to},
        {"xfer_tx", 4, nx, &g->xfer_tx},
        {"xfer_time", 8, nx, &g->xfer_time},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const void *d;
        rc = ft_snapshot_find(s, want[i].name, want[i].size, want[i].count, &d, NULL, err);
        if (rc != FT_OK) {
            memset(g, 0, sizeof *g);
            return rc == FT_ERR_NOTFOUND ? FT_ERR_CORRUPT : rc;
        }
        /* the mapping is read-only; ft_graph's fields are non-const only because loaders
         * fill them: nothing writes through a borrowed graph */
        memcpy(want[i].dst, &d, sizeof d);
    }
    g->model = utxo ? FT_GRAPH_UTXO : FT_GRAPH_ACCOUNT;
    g->chain = (uint8_t)m[2];
    g->n_addr = (uint32_t)m[3];
    g->n_tx = (uint32_t)nt;
    g->n_in = (uint32_t)ni;
    g->n_out = (uint32_t)no;
    g->n_xfer = (uint32_t)nx;
    g->borrowed = 1;
    if (utxo)
        rc = check_utxo(s, g, err);
    else {
        int64_t bad = 0;
#pragma omp parallel for schedule(static) reduction(+ : bad)
        for (int64_t i = 0; i < (int64_t)nx; i++)
            bad += g->xfer_from[i] >= g->n_addr || g->xfer_to[i] >= g->n_addr;
        if (bad)
            rc = graph_bad(s, err, "transfer address ids out of range");
    }
    if (rc != FT_OK)
        memset(g, 0, sizeof *g);
    return rc;
}

/* ---- account graphs ---------------------------------------------------------------------- */

#define ACCOUNT_META_FORMAT 1u

/* field names of the account sections, in write order (meta first) */
static const char *const acct_field[FT_SNAPSHOT_ACCOUNT_SECTIONS] = {
    "meta",      "xfer_from",  "xfer_to",    "xfer_tx",     "xfer_time",  "xfer_kind",
    "xfer_flags", "xfer_asset", "xfer_amount", "addr_bytes", "asset_addr", "atx_hash"};

void ft_snapshot_account_name(char out[FT_SNAPSHOT_NAME_MAX], uint8_t chain, const char *what)
{
    snprintf(out, FT_SNAPSHOT_NAME_MAX, "acct%u_%s", (unsigned)chain, what);
}

void ft_snapshot_account_sections(const ft_graph *g, ft_snapshot_account_buf *buf,
                                  ft_snapshot_input *out, size_t *n)
{
    uint64_t nx = g->n_xfer, na = g->n_addr, ns = g->n_asset, nt = g->n_atx;
    buf->meta[0] = ACCOUNT_META_FORMAT;
    buf->meta[1] = g->chain;
    buf->meta[2] = na;
    buf->meta[3] = nx;
    buf->meta[4] = ns;
    buf->meta[5] = nt;
    buf->meta[6] = 0;
    buf->meta[7] = 0;
    for (size_t i = 0; i < FT_SNAPSHOT_ACCOUNT_SECTIONS; i++)
        ft_snapshot_account_name(buf->name[i], g->chain, acct_field[i]);
    const ft_snapshot_input v[FT_SNAPSHOT_ACCOUNT_SECTIONS] = {
        {buf->name[0], 8, 8, buf->meta},
        {buf->name[1], 4, nx, g->xfer_from},
        {buf->name[2], 4, nx, g->xfer_to},
        {buf->name[3], 4, nx, g->xfer_tx},
        {buf->name[4], 8, nx, g->xfer_time},
        {buf->name[5], 1, nx, g->xfer_kind},
        {buf->name[6], 1, nx, g->xfer_flags},
        {buf->name[7], 4, nx, g->xfer_asset},
        {buf->name[8], 16, nx, g->xfer_amount},
        {buf->name[9], 20, na, g->addr_bytes},
        {buf->name[10], 20, ns, g->asset_addr},
        {buf->name[11], 32, nt, g->atx_hash},
    };
    for (size_t i = 0; i < FT_SNAPSHOT_ACCOUNT_SECTIONS; i++)
        out[(*n)++] = v[i];
}

static ft_status acct_bad(const ft_snapshot *s, ft_err *err, uint8_t chain, const char *what)
{
    return ft_err_set(err, FT_ERR_CORRUPT, "snapshot '%s': impossible account graph of chain "
                                           "%u (%s)",
                      s->path, (unsigned)chain, what);
}

ft_status ft_snapshot_account_graph(const ft_snapshot *s, uint8_t chain, ft_graph *g,
                                    ft_err *err)
{
    memset(g, 0, sizeof *g);
    char names[FT_SNAPSHOT_ACCOUNT_SECTIONS][FT_SNAPSHOT_NAME_MAX];
    const char *np[FT_SNAPSHOT_ACCOUNT_SECTIONS];
    for (size_t i = 0; i < FT_SNAPSHOT_ACCOUNT_SECTIONS; i++) {
        ft_snapshot_account_name(names[i], chain, acct_field[i]);
        np[i] = names[i];
    }
    if (!ft_snapshot_has(s, names[0]))
        return ft_err_set(err, FT_ERR_NOTFOUND, "snapshot '%s' has no account chain %u",
                          s->path, (unsigned)chain);
    for (size_t i = 1; i < FT_SNAPSHOT_ACCOUNT_SECTIONS; i++)
        if (!ft_snapshot_has(s, names[i]))
            return ft_err_set(err, FT_ERR_CORRUPT, "snapshot '%s' has no section '%s'", s->path,
                              names[i]);
    /* every section of the chain's graph in one parallel pass */
    ft_status rc = ft_snapshot_verify(s, np, FT_SNAPSHOT_ACCOUNT_SECTIONS, err);
    if (rc != FT_OK)
        return rc;
    const void *p;
    rc = ft_snapshot_find(s, names[0], 8, 8, &p, NULL, err);
    if (rc != FT_OK)
        return rc;
    uint64_t m[8];
    for (int i = 0; i < 8; i++)
        m[i] = ft_get_u64le((const uint8_t *)p + 8 * i);
    if (m[0] != ACCOUNT_META_FORMAT || m[1] != chain || m[2] == 0 || m[2] > UINT32_MAX - 1 ||
        m[3] > UINT32_MAX - 1 || m[4] == 0 || m[4] > UINT32_MAX - 1 || m[5] > UINT32_MAX - 1)
        return acct_bad(s, err, chain, "bad meta");
    uint64_t na = m[2], nx = m[3], ns = m[4], nt = m[5];
    struct {
        uint32_t size;
        uint64_t count;
        void *dst;
    } want[FT_SNAPSHOT_ACCOUNT_SECTIONS - 1] = {
        {4, nx, &g->xfer_from},  {4, nx, &g->xfer_to},     {4, nx, &g->xfer_tx},
        {8, nx, &g->xfer_time},  {1, nx, &g->xfer_kind},   {1, nx, &g->xfer_flags},
        {4, nx, &g->xfer_asset}, {16, nx, &g->xfer_amount}, {20, na, &g->addr_bytes},
        {20, ns, &g->asset_addr}, {32, nt, &g->atx_hash},
    };
    for (size_t i = 0; i < FT_SNAPSHOT_ACCOUNT_SECTIONS - 1; i++) {
        const void *d;
        rc = ft_snapshot_find(s, names[i + 1], want[i].size, want[i].count, &d, NULL, err);
        if (rc != FT_OK) {
            memset(g, 0, sizeof *g);
            return rc == FT_ERR_NOTFOUND ? FT_ERR_CORRUPT : rc;
        }
        /* read-only mapping; nothing writes through a borrowed graph (see ft_snapshot_graph) */
        memcpy(want[i].dst, &d, sizeof d);
    }
    g->model = FT_GRAPH_ACCOUNT;
    g->chain = chain;
    g->n_addr = (uint32_t)na;
    g->n_xfer = (uint32_t)nx;
    g->n_asset = (uint32_t)ns;
    g->n_atx = (uint32_t)nt;
    g->borrowed = 1;
    int64_t bad = 0;
#pragma omp parallel for schedule(static) reduction(+ : bad) if (nx > 65536)
    for (int64_t i = 0; i < (int64_t)nx; i++)
        bad += g->xfer_from[i] >= na || g->xfer_to[i] >= na ||
               (g->xfer_tx[i] != FT_GRAPH_NONE && g->xfer_tx[i] >= nt) ||
               g->xfer_asset[i] >= ns || g->xfer_kind[i] > FT_XFER_REWARD ||
               (g->xfer_flags[i] & ~FT_XFER_FLAGS_MASK) != 0;
    if (bad) {
        memset(g, 0, sizeof *g);
        return acct_bad(s, err, chain, "transfer ids, kinds or flags out of range");
    }
    return FT_OK;
}
