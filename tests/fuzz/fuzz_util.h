/*
 * fuzz_util.h — helpers shared by the fuzz targets whose parser takes a path or a directory
 * (prices, ethereum-etl exports, blk files, snapshots, eval truth files), header-only so that
 * every target stays one .c file.
 *
 *  - ft_fuzz_dir(): one private scratch directory per process (mkdtemp under $TMPDIR or
 *    /tmp), removed with everything in it at exit; each input works in a fresh subdirectory
 *    (ft_fuzz_subdir) that the target removes again (ft_fuzz_rmtree) before returning, so no
 *    state leaks from one input to the next and the fuzzer stays deterministic.
 *  - a multi-file input format, readable and easy to mutate:
 *        @@ NAME\n  <bytes of file NAME up to the next "\n@@ " or the end>
 *    (bytes before the first "@@ " line go to the default name the target gives). Names are
 *    checked against the target's list, so a mutated name never escapes the directory.
 */
#ifndef FT_FUZZ_UTIL_H
#define FT_FUZZ_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char ft_fuzz_root[4096];

/* Removes path and everything under it (best effort; symbolic links are removed, not
 * followed). */
static inline void ft_fuzz_rmtree(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[4352];
                int k = snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
                if (k > 0 && (size_t)k < sizeof sub)
                    ft_fuzz_rmtree(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static inline void ft_fuzz_cleanup(void)
{
    if (ft_fuzz_root[0])
        ft_fuzz_rmtree(ft_fuzz_root);
}

/* The process's scratch directory (created on first use; aborts if it cannot be). */
static inline const char *ft_fuzz_dir(void)
{
    if (!ft_fuzz_root[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(ft_fuzz_root, sizeof ft_fuzz_root, "%s/ft-fuzz-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(ft_fuzz_root))
            abort();
        atexit(ft_fuzz_cleanup);
    }
    return ft_fuzz_root;
}

/* A fresh empty directory "<root>/<name>" in out (removed first if an earlier input left it). */
static inline void ft_fuzz_subdir(char *out, size_t cap, const char *name)
{
    int k = snprintf(out, cap, "%s/%s", ft_fuzz_dir(), name);
    if (k < 0 || (size_t)k >= cap)
        abort();
    ft_fuzz_rmtree(out);
    if (mkdir(out, 0700) != 0)
        abort();
}

/* Writes len bytes to dir/name; aborts on failure (the harness, not the parser, is broken). */
static inline void ft_fuzz_write(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (len && fwrite(data, 1, len, f) != len)
        abort();
    if (fclose(f) != 0)
        abort();
}

/* Splits data into files as described above and writes each whose name is in names[0..n)
 * (others are dropped; a later section of the same name replaces an earlier one). Bytes before
 * the first "@@ " line go to names[0]. Returns the number of files written. */
static inline int ft_fuzz_write_files(const char *dir, const uint8_t *data, size_t size,
                                      const char *const *names, size_t n)
{
    int written = 0;
    size_t pos = 0, hdr = SIZE_MAX; /* hdr: offset of a section name to read next */
    const char *name = names[0];
    char namebuf[64];
    if (size >= 3 && memcmp(data, "@@ ", 3) == 0)
        hdr = 3;
    for (;;) {
        if (hdr == SIZE_MAX) {
            /* the body of section `name`: up to the next "\n@@ " */
            size_t end = pos;
            while (end < size && !(data[end] == '\n' && end + 3 < size && data[end + 1] == '@' &&
                                   data[end + 2] == '@' && data[end + 3] == ' '))
                end++;
            for (size_t i = 0; i < n; i++)
                if (strcmp(name, names[i]) == 0) {
                    ft_fuzz_write(dir, names[i], data + pos, end - pos);
                    written++;
                    break;
                }
            if (end >= size)
                break;
            hdr = end + 4;
        }
        size_t q = hdr;
        while (q < size && data[q] != '\n')
            q++;
        size_t nl = q - hdr < sizeof namebuf ? q - hdr : sizeof namebuf - 1;
        memcpy(namebuf, data + hdr, nl);
        namebuf[nl] = '\0';
        name = namebuf;
        pos = q < size ? q + 1 : q;
        hdr = SIZE_MAX;
    }
    return written;
}

/* Reads a whole file (for round trips); NULL when it cannot be read. */
static inline uint8_t *ft_fuzz_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, cap);
            if (!nb)
                abort();
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (!got)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return buf;
}

#endif
