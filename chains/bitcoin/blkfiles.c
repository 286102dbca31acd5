/*
 * blkfiles.c — finding, framing and ordering the blocks of Bitcoin Core's blk files (see
 * blkfiles.h).
 *
 * Open = one pass over every file: for each record, 8 framing bytes and the 80-byte header
 * are read with pread (never the whole block), de-obfuscated with the xor.dat key by file
 * offset, checked (magic, size within the file and the 4 MB limit, proof of work) and
 * appended to a node array; a hash table maps block hash -> node. Then every node is linked
 * to its parent and given its height and cumulative work (iteratively, so a long chain read
 * child-first needs no deep recursion); nodes that do not reach the genesis are orphans.
 * The node with the most work (the earliest in file order on a tie, as Core keeps the first
 * it received) is the tip; walking its parents gives the height -> node table of the chain.
 *
 * Invariants: chain[h] is the node at height h of the best chain, chain[0] the genesis;
 * a node's (file, offset, size) always lies inside its file as measured at open time; a
 * built-in genesis has file == -1.
 */
#include "chains/bitcoin/blkfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chains/bitcoin/block.h"
#include "engine/hex.h"
#include "engine/log.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define RECORD_HEADER 8
#define ZERO_CHECK_CHUNK (1u << 20)

typedef struct blk_node {
    uint8_t hash[32];
    uint8_t prev[32];
    uint8_t work[32]; /* cumulative, big-endian */
    uint32_t bits;
    int32_t file; /* -1: built-in genesis */
    uint32_t size;
    uint64_t offset; /* of the record's magic */
    uint32_t height;
    int32_t parent; /* node index, -1 none */
    uint8_t state;  /* 0 unresolved, 1 on a chain from genesis, 2 orphan, 3 in progress */
} blk_node;

struct ft_btc_blkfiles {
    const ft_btc_params *net;
    char **paths;
    uint32_t n_files;
    uint8_t key[8];
    int xor_on;
    blk_node *nodes;
    size_t n_nodes;
    size_t cap_nodes;
    int32_t *map; /* open addressing: node index or -1 */
    size_t map_cap;
    int32_t *chain; /* height -> node index */
    uint32_t tip;
    uint8_t *genesis; /* built-in genesis bytes */
    size_t genesis_len;
    ft_btc_blkfiles_info info;
};

/* ---- helpers ----------------------------------------------------------------------------- */

static void xor_apply(const ft_btc_blkfiles *bf, uint8_t *p, size_t n, uint64_t offset)
{
    if (!bf->xor_on)
        return;
    for (size_t i = 0; i < n; i++)
        p[i] ^= bf->key[(offset + i) & 7];
}

/* Reads exactly n bytes at offset; returns 0 on success, -1 with errno (EIO for short). */
static int pread_full(int fd, void *buf, size_t n, uint64_t offset)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t got = pread(fd, p, n, (off_t)offset);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0) {
            errno = EIO;
            return -1;
        }
        p += got;
        n -= (size_t)got;
        offset += (uint64_t)got;
    }
    return 0;
}

static size_t map_slot(const ft_btc_blkfiles *bf, const uint8_t hash[32])
{
    /* block hashes are uniformly distributed (and end in zero bytes): use the first 8 */
    return (size_t)ft_get_u64le(hash) & (bf->map_cap - 1);
}

static int32_t map_find(const ft_btc_blkfiles *bf, const uint8_t hash[32])
{
    if (!bf->map_cap)
        return -1;
    for (size_t i = map_slot(bf, hash);; i = (i + 1) & (bf->map_cap - 1)) {
        int32_t n = bf->map[i];
        if (n < 0)
            return -1;
        if (memcmp(bf->nodes[n].hash, hash, 32) == 0)
            return n;
    }
}

static void map_insert_raw(ft_btc_blkfiles *bf, int32_t idx)
{
    for (size_t i = map_slot(bf, bf->nodes[idx].hash);; i = (i + 1) & (bf->map_cap - 1))
        if (bf->map[i] < 0) {
            bf->map[i] = idx;
            return;
        }
}

static int map_grow(ft_btc_blkfiles *bf)
{
    size_t cap = bf->map_cap ? bf->map_cap * 2 : 4096;
    int32_t *m = malloc(cap * sizeof *m);
    if (!m)
        return 0;
    for (size_t i = 0; i < cap; i++)
        m[i] = -1;
    free(bf->map);
    bf->map = m;
    bf->map_cap = cap;
    for (size_t i = 0; i < bf->n_nodes; i++)
        map_insert_raw(bf, (int32_t)i);
    return 1;
}

/* Adds a node (unless its hash is known: then counts a duplicate). */
static ft_status node_add(ft_btc_blkfiles *bf, const ft_btc_header *h, int32_t file,
                          uint64_t offset, uint32_t size, ft_err *err)
{
    if (map_find(bf, h->hash) >= 0) {
        bf->info.n_duplicates++;
        return FT_OK;
    }
    if (bf->n_nodes >= INT32_MAX - 1)
        return ft_err_set(err, FT_ERR_LIMIT, "too many blocks in the block files");
    if (bf->n_nodes == bf->cap_nodes) {
        size_t cap = bf->cap_nodes ? bf->cap_nodes * 2 : 4096;
        blk_node *n = realloc(bf->nodes, cap * sizeof *n);
        if (!n)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading block headers");
        bf->nodes = n;
        bf->cap_nodes = cap;
    }
    if ((bf->n_nodes + 1) * 2 > bf->map_cap && !map_grow(bf))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading block headers");
    blk_node *n = &bf->nodes[bf->n_nodes];
    memset(n, 0, sizeof *n);
    memcpy(n->hash, h->hash, 32);
    memcpy(n->prev, h->prev, 32);
    n->bits = h->bits;
    n->file = file;
    n->offset = offset;
    n->size = size;
    n->parent = -1;
    map_insert_raw(bf, (int32_t)bf->n_nodes);
    bf->n_nodes++;
    return FT_OK;
}

/* 1 if hash (internal order, a little-endian number) <= the target encoded in bits. */
static int pow_ok(const uint8_t hash[32], uint32_t bits)
{
    uint8_t target[32];
    memset(target, 0, sizeof target);
    unsigned size = bits >> 24;
    uint32_t word = bits & 0x007fffff;
    if (word == 0 || (bits & 0x00800000u))
        return 0; /* zero or negative target */
    if (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32))
        return 0; /* overflow */
    if (size <= 3) {
        word >>= 8 * (3 - size);
        target[29] = (uint8_t)(word >> 16);
        target[30] = (uint8_t)(word >> 8);
        target[31] = (uint8_t)word;
    } else {
        for (int j = 0; j < 3; j++) {
            int idx = 32 - (int)size + j;
            uint8_t byte = (uint8_t)(word >> (8 * (2 - j)));
            if (idx >= 0 && idx < 32)
                target[idx] = byte;
        }
    }
    for (int i = 0; i < 32; i++) {
        uint8_t hb = hash[31 - i];
        if (hb != target[i])
            return hb < target[i];
    }
    return 1;
}

/* out = a + b for 256-bit big-endian numbers (saturating: cannot overflow in practice). */
static void work_add(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned s = (unsigned)a[i] + b[i] + carry;
        out[i] = (uint8_t)s;
        carry = s >> 8;
    }
    if (carry)
        memset(out, 0xff, 32);
}

/* ---- finding the files ------------------------------------------------------------------- */

static int is_blk_name(const char *name, unsigned long *num)
{
    /* blk<digits>.dat */
    if (strncmp(name, "blk", 3) != 0)
        return 0;
    const char *p = name + 3;
    if (*p < '0' || *p > '9')
        return 0;
    unsigned long v = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (digits++ > 9)
            return 0;
        v = v * 10 + (unsigned long)(*p - '0');
        p++;
    }
    if (strcmp(p, ".dat") != 0)
        return 0;
    *num = v;
    return 1;
}

typedef struct name_num {
    unsigned long num;
    char *path;
} name_num;

static int cmp_name_num(const void *a, const void *b)
{
    const name_num *x = a, *y = b;
    return x->num < y->num ? -1 : x->num > y->num;
}

/* Lists dir's blk files in numeric order into bf->paths. Returns FT_OK with n_files 0 when
 * there are none. */
static ft_status list_files(ft_btc_blkfiles *bf, const char *dir, ft_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return ft_err_set(err, FT_ERR_IO, "cannot open block directory '%s': %s", dir,
                          strerror(errno));
    name_num *list = NULL;
    size_t n = 0, cap = 0;
    ft_status rc = FT_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        unsigned long num;
        if (!is_blk_name(e->d_name, &num))
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            name_num *nl = realloc(list, nc * sizeof *nl);
            if (!nl) {
                rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory listing '%s'", dir);
                break;
            }
            list = nl;
            cap = nc;
        }
        size_t plen = strlen(dir) + 1 + strlen(e->d_name) + 1;
        list[n].path = malloc(plen);
        if (!list[n].path) {
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory listing '%s'", dir);
            break;
        }
        snprintf(list[n].path, plen, "%s/%s", dir, e->d_name);
        list[n].num = num;
        n++;
    }
    closedir(d);
    if (rc == FT_OK && n) {
        qsort(list, n, sizeof *list, cmp_name_num);
        bf->paths = malloc(n * sizeof *bf->paths);
        if (!bf->paths)
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory listing '%s'", dir);
    }
    if (rc != FT_OK) {
        for (size_t i = 0; i < n; i++)
            free(list[i].path);
        free(list);
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        bf->paths[i] = list[i].path;
    bf->n_files = (uint32_t)n;
    free(list);
    return FT_OK;
}

/* Reads dir/xor.dat if present: exactly 8 bytes. */
static ft_status read_xor_key(ft_btc_blkfiles *bf, const char *dir, ft_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%.4096s/xor.dat", dir);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT)
            return FT_OK;
        return ft_err_set(err, FT_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return ft_err_set(err, FT_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    }
    if (sb.st_size != 8) {
        close(fd);
        return ft_err_set(err, FT_ERR_PARSE,
                          "'%s' holds %lld bytes; an obfuscation key is exactly 8 bytes", path,
                          (long long)sb.st_size);
    }
    if (pread_full(fd, bf->key, 8, 0) != 0) {
        int e = errno;
        close(fd);
        return ft_err_set(err, FT_ERR_IO, "cannot read '%s': %s", path, strerror(e));
    }
    close(fd);
    for (int i = 0; i < 8; i++)
        if (bf->key[i])
            bf->xor_on = 1;
    bf->info.xor_obfuscated = bf->xor_on;
    return FT_OK;
}

/* ---- scanning ---------------------------------------------------------------------------- */

/* After a zero magic: everything up to the end of the file must be zero too. */
static ft_status check_zero_tail(ft_btc_blkfiles *bf, int fd, uint32_t fi, uint64_t off,
                                 uint64_t fsize, ft_err *err)
{
    uint8_t *buf = malloc(ZERO_CHECK_CHUNK);
    if (!buf)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading '%s'", bf->paths[fi]);
    ft_status rc = FT_OK;
    while (off < fsize) {
        size_t n = fsize - off < ZERO_CHECK_CHUNK ? (size_t)(fsize - off) : ZERO_CHECK_CHUNK;
        if (pread_full(fd, buf, n, off) != 0) {
            rc = ft_err_set(err, FT_ERR_IO, "cannot read '%s' at offset %llu: %s", bf->paths[fi],
                            (unsigned long long)off, strerror(errno));
            break;
        }
        xor_apply(bf, buf, n, off);
        for (size_t i = 0; i < n; i++)
            if (buf[i]) {
                rc = ft_err_set(err, FT_ERR_PARSE,
                                "unexpected data after the zero padding in '%s' at offset %llu",
                                bf->paths[fi], (unsigned long long)(off + i));
                goto out;
            }
        off += n;
    }
out:
    free(buf);
    return rc;
}

static ft_status scan_file(ft_btc_blkfiles *bf, uint32_t fi, ft_err *err)
{
    const char *path = bf->paths[fi];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return ft_err_set(err, FT_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return ft_err_set(err, FT_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    }
    uint64_t fsize = (uint64_t)sb.st_size, off = 0;
    ft_status rc = FT_OK;
    while (off < fsize) {
        uint8_t rec[RECORD_HEADER + FT_BTC_HEADER_SIZE];
        uint64_t left = fsize - off;
        size_t want = left < sizeof rec ? (size_t)left : sizeof rec;
        if (pread_full(fd, rec, want, off) != 0) {
            rc = ft_err_set(err, FT_ERR_IO, "cannot read '%s' at offset %llu: %s", path,
                            (unsigned long long)off, strerror(errno));
            break;
        }
        xor_apply(bf, rec, want, off);
        static const uint8_t zero4[4] = {0, 0, 0, 0};
        if (want >= 4 && memcmp(rec, zero4, 4) == 0) {
            rc = check_zero_tail(bf, fd, fi, off, fsize, err);
            break;
        }
        if (want < 4 && memcmp(rec, zero4, want) == 0) {
            break; /* a zero tail shorter than a magic */
        }
        if (want < RECORD_HEADER) {
            rc = ft_err_set(err, FT_ERR_PARSE,
                            "truncated block record in '%s' at offset %llu: %llu bytes left", path,
                            (unsigned long long)off, (unsigned long long)left);
            break;
        }
        if (memcmp(rec, bf->net->magic, 4) != 0) {
            const ft_btc_params *other = ft_btc_params_by_magic(rec);
            if (other)
                rc = ft_err_set(err, FT_ERR_PARSE,
                                "'%s' holds %s blocks (magic at offset %llu); use --network %s",
                                path, other->name, (unsigned long long)off, other->name);
            else
                rc = ft_err_set(err, FT_ERR_PARSE,
                                "unknown magic %02x%02x%02x%02x in '%s' at offset %llu", rec[0],
                                rec[1], rec[2], rec[3], path, (unsigned long long)off);
            break;
        }
        uint32_t size = ft_get_u32le(rec + 4);
        if (size > FT_BTC_MAX_BLOCK_SIZE) {
            rc = ft_err_set(err, FT_ERR_LIMIT,
                            "block record in '%s' at offset %llu claims %u bytes, above the "
                            "%u-byte limit",
                            path, (unsigned long long)off, size, FT_BTC_MAX_BLOCK_SIZE);
            break;
        }
        if ((uint64_t)size > left - RECORD_HEADER) {
            rc = ft_err_set(err, FT_ERR_PARSE,
                            "block record in '%s' at offset %llu claims %u bytes but only %llu "
                            "remain (truncated file?)",
                            path, (unsigned long long)off, size,
                            (unsigned long long)(left - RECORD_HEADER));
            break;
        }
        if (size < FT_BTC_HEADER_SIZE + 1) {
            rc = ft_err_set(err, FT_ERR_PARSE,
                            "block record in '%s' at offset %llu is %u bytes, too small for a "
                            "block",
                            path, (unsigned long long)off, size);
            break;
        }
        ft_btc_header h;
        if (ft_btc_header_parse(&h, rec + RECORD_HEADER, FT_BTC_HEADER_SIZE) != FT_OK) {
            rc = ft_err_set(err, FT_ERR_PARSE, "bad block header in '%s' at offset %llu", path,
                            (unsigned long long)off);
            break;
        }
        if (!pow_ok(h.hash, h.bits)) {
            char hex[65];
            ft_hex_encode_rev(hex, h.hash, 32);
            rc = ft_err_set(err, FT_ERR_PARSE,
                            "block %s in '%s' at offset %llu fails its proof of work (bits "
                            "%08x)",
                            hex, path, (unsigned long long)off, h.bits);
            break;
        }
        rc = node_add(bf, &h, (int32_t)fi, off, size, err);
        if (rc != FT_OK)
            break;
        bf->info.n_records++;
        bf->info.bytes += size;
        off += RECORD_HEADER + (uint64_t)size;
    }
    close(fd);
    return rc;
}

/* Links every node to its parent and gives it height and cumulative work; picks the tip. */
static ft_status build_chain(ft_btc_blkfiles *bf, int32_t genesis, ft_err *err)
{
    blk_node *g = &bf->nodes[genesis];
    ft_btc_header_work(g->work, g->bits);
    g->height = 0;
    g->state = 1;
    int32_t *stack = malloc((bf->n_nodes ? bf->n_nodes : 1) * sizeof *stack);
    if (!stack)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory ordering blocks");
    for (size_t i = 0; i < bf->n_nodes; i++) {
        if (bf->nodes[i].state == 1 || bf->nodes[i].state == 2)
            continue;
        /* walk up until a resolved node or a missing parent */
        size_t sp = 0;
        int32_t cur = (int32_t)i;
        uint8_t end_state;
        for (;;) {
            blk_node *n = &bf->nodes[cur];
            if (n->state == 1 || n->state == 2) {
                end_state = n->state;
                break;
            }
            n->state = 3;
            stack[sp++] = cur;
            int32_t p = map_find(bf, n->prev);
            if (p < 0 || bf->nodes[p].state == 3) {
                end_state = 2; /* parent unknown (or a cycle, impossible with real hashes) */
                cur = -1;
                break;
            }
            n->parent = p;
            cur = p;
        }
        while (sp) {
            blk_node *n = &bf->nodes[stack[--sp]];
            if (end_state == 2) {
                n->state = 2;
                continue;
            }
            const blk_node *p = &bf->nodes[n->parent];
            uint8_t w[32];
            ft_btc_header_work(w, n->bits);
            work_add(n->work, p->work, w);
            n->height = p->height + 1;
            n->state = 1;
        }
    }
    free(stack);
    int32_t best = genesis;
    for (size_t i = 0; i < bf->n_nodes; i++)
        if (bf->nodes[i].state == 1 && memcmp(bf->nodes[i].work, bf->nodes[best].work, 32) > 0)
            best = (int32_t)i;
    bf->tip = bf->nodes[best].height;
    bf->chain = malloc(((size_t)bf->tip + 1) * sizeof *bf->chain);
    if (!bf->chain)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory ordering blocks");
    for (int32_t n = best; n >= 0; n = bf->nodes[n].parent) {
        bf->chain[bf->nodes[n].height] = n;
        if (n == genesis)
            break;
    }
    bf->info.tip_height = bf->tip;
    bf->info.n_off_chain = bf->n_nodes - ((uint64_t)bf->tip + 1);
    return FT_OK;
}

/* ---- public ------------------------------------------------------------------------------ */

void ft_btc_blkfiles_close(ft_btc_blkfiles *bf)
{
    if (!bf)
        return;
    for (uint32_t i = 0; i < bf->n_files; i++)
        free(bf->paths[i]);
    free(bf->paths);
    free(bf->nodes);
    free(bf->map);
    free(bf->chain);
    free(bf->genesis);
    free(bf);
}

ft_status ft_btc_blkfiles_open(ft_btc_blkfiles **out, const char *dir, const ft_btc_params *net,
                               ft_err *err)
{
    *out = NULL;
    if (!dir || !net)
        return ft_err_set(err, FT_ERR_ARG, "block files need a directory and a network");
    ft_btc_blkfiles *bf = calloc(1, sizeof *bf);
    if (!bf)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory opening block files");
    bf->net = net;
    ft_status rc;
    /* dir itself, or Bitcoin Core's data directory layout dir/blocks */
    char sub[4200];
    if (strlen(dir) > 4096) {
        free(bf);
        return ft_err_set(err, FT_ERR_ARG, "block directory path too long");
    }
    const char *where = dir;
    rc = list_files(bf, dir, err);
    if (rc == FT_OK && bf->n_files == 0) {
        snprintf(sub, sizeof sub, "%.4096s/blocks", dir);
        struct stat sb;
        if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            where = sub;
            rc = list_files(bf, sub, err);
        }
    }
    if (rc == FT_OK && bf->n_files == 0)
        rc = ft_err_set(err, FT_ERR_IO, "no blk*.dat files in '%s' or '%s/blocks'", dir, dir);
    if (rc == FT_OK)
        rc = read_xor_key(bf, where, err);
    bf->info.n_files = bf->n_files;
    for (uint32_t i = 0; rc == FT_OK && i < bf->n_files; i++)
        rc = scan_file(bf, i, err);
    if (rc != FT_OK)
        goto fail;

    /* the genesis: from the files, or built in */
    ft_btc_header gh;
    rc = ft_hex_decode_alloc(&bf->genesis, &bf->genesis_len, net->genesis_hex,
                             strlen(net->genesis_hex));
    if (rc != FT_OK || ft_btc_header_parse(&gh, bf->genesis, bf->genesis_len) != FT_OK) {
        rc = ft_err_set(err, FT_ERR_STATE, "the built-in %s genesis block does not parse",
                        net->name);
        goto fail;
    }
    int32_t genesis = map_find(bf, gh.hash);
    if (genesis < 0) {
        rc = node_add(bf, &gh, -1, 0, (uint32_t)bf->genesis_len, err);
        if (rc != FT_OK)
            goto fail;
        genesis = map_find(bf, gh.hash);
        bf->info.genesis_built_in = 1;
    }
    rc = build_chain(bf, genesis, err);
    if (rc != FT_OK)
        goto fail;
    ft_log(FT_LOG_DEBUG,
           "block files: %u files, %llu blocks, best chain to height %u, %llu off the best chain "
           "(stale or orphan) ignored%s",
           bf->n_files, (unsigned long long)bf->info.n_records, bf->tip,
           (unsigned long long)bf->info.n_off_chain, bf->xor_on ? ", xor-obfuscated" : "");
    if (bf->info.n_duplicates)
        ft_log(FT_LOG_WARN, "block files: %llu duplicate block records ignored",
               (unsigned long long)bf->info.n_duplicates);
    *out = bf;
    return FT_OK;
fail:
    ft_btc_blkfiles_close(bf);
    return rc;
}

void ft_btc_blkfiles_get_info(const ft_btc_blkfiles *bf, ft_btc_blkfiles_info *info)
{
    *info = bf->info;
}

uint32_t ft_btc_blkfiles_tip(const ft_btc_blkfiles *bf)
{
    return bf->tip;
}

const uint8_t *ft_btc_blkfiles_hash(const ft_btc_blkfiles *bf, uint32_t height)
{
    if (height > bf->tip)
        return NULL;
    return bf->nodes[bf->chain[height]].hash;
}

uint32_t ft_btc_blkfiles_size(const ft_btc_blkfiles *bf, uint32_t height)
{
    if (height > bf->tip)
        return 0;
    return bf->nodes[bf->chain[height]].size;
}

const char *ft_btc_blkfiles_where(const ft_btc_blkfiles *bf, uint32_t height, char *out, size_t cap)
{
    if (height > bf->tip) {
        snprintf(out, cap, "no block at height %u", height);
        return out;
    }
    const blk_node *n = &bf->nodes[bf->chain[height]];
    if (n->file < 0)
        snprintf(out, cap, "the built-in genesis block");
    else
        snprintf(out, cap, "'%s' offset %llu", bf->paths[n->file], (unsigned long long)n->offset);
    return out;
}

ft_status ft_btc_blkfiles_read(const ft_btc_blkfiles *bf, uint32_t height, uint8_t **data,
                               size_t *len, ft_err *err)
{
    *data = NULL;
    *len = 0;
    if (height > bf->tip)
        return ft_err_set(err, FT_ERR_ARG, "no block at height %u in the block files", height);
    const blk_node *n = &bf->nodes[bf->chain[height]];
    uint8_t *buf = malloc(n->size ? n->size : 1);
    if (!buf)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory reading block %u", height);
    if (n->file < 0) {
        memcpy(buf, bf->genesis, bf->genesis_len);
    } else {
        const char *path = bf->paths[n->file];
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            free(buf);
            return ft_err_set(err, FT_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        }
        uint64_t at = n->offset + RECORD_HEADER;
        if (pread_full(fd, buf, n->size, at) != 0) {
            int e = errno;
            close(fd);
            free(buf);
            return ft_err_set(err, FT_ERR_IO, "cannot read '%s' at offset %llu: %s", path,
                              (unsigned long long)n->offset, strerror(e));
        }
        close(fd);
        xor_apply(bf, buf, n->size, at);
    }
    *data = buf;
    *len = n->size;
    return FT_OK;
}
