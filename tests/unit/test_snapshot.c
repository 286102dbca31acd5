/*
 * test_snapshot.c — engine/snapshot.c (the container, the graph in it) and engine/trace_pack.c.
 *
 * Container: round trip of named sections (values, alignment, an empty section); lazy
 * verification (nothing verified at open, a section verified by its first find, the others
 * untouched, ft_snapshot_verify of a group, concurrent finds from OpenMP threads); every kind
 * of damage refused with FT_ERR_CORRUPT and a message naming the file and what is wrong: a
 * flipped byte in each section (open succeeds, the damaged section is refused by find, verify
 * and verify_all while the intact one is still handed out), the table, the magic, the
 * version, every truncation at a boundary (refused at open); a graph snapshot with a damaged
 * non-graph section loads its graph; a file whose checksums are valid but whose graph is
 * impossible. Pack: round trip of a result with amounts above 2^64, every proper prefix
 * refused, and the merge of two partial results equal to the expected single result.
 * The end-to-end comparison with the index on the real sample chain is tests/cli/snapshot.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/reader.h"
#include "engine/snapshot.h"
#include "engine/trace_pack.h"
#include "ft_test.h"
#include "graph_builder.h"

#include "engine/banned.h"

static char dir[64];

static const char *tmp_path(const char *name)
{
    static char p[4][256];
    static int k;
    if (!dir[0]) {
        ft_test_tmpl(dir, sizeof dir, "ft_test_snapshot");
        if (!mkdtemp(dir))
            abort();
    }
    char *o = p[k++ & 3];
    snprintf(o, 256, "%s/%s", dir, name);
    return o;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    return ft_test_read(path, n);
}

static void spit(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fwrite(b, 1, n, f) == n);
    fclose(f);
}

static void write_sample(const char *path)
{
    static uint64_t a[1000];
    static uint8_t b[77];
    for (int i = 0; i < 1000; i++)
        a[i] = (uint64_t)i * 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 77; i++)
        b[i] = (uint8_t)(i * 7);
    ft_snapshot_input in[3] = {{"alpha", 8, 1000, a}, {"empty", 4, 0, NULL}, {"beta", 1, 77, b}};
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_snapshot_write(path, in, 3, &err) == FT_OK);
}

static void test_round_trip(void)
{
    const char *path = tmp_path("rt.ftsnap");
    write_sample(path);
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CHECK(access(tmp, F_OK) != 0); /* renamed away */
    ft_snapshot s;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    CHECK_EQ_U64(s.n_sections, 3);
    /* lazy: nothing verified at open; a find verifies its section only */
    CHECK(!ft_snapshot_verified(&s, "alpha") && !ft_snapshot_verified(&s, "beta"));
    const void *p;
    uint64_t n;
    CHECK(ft_snapshot_find(&s, "alpha", 8, 1000, &p, &n, &err) == FT_OK);
    CHECK(ft_snapshot_verified(&s, "alpha") && !ft_snapshot_verified(&s, "beta"));
    CHECK_EQ_U64(n, 1000);
    CHECK(((uintptr_t)p & 63) == 0);
    CHECK_EQ_U64(((const uint64_t *)p)[999], 999 * 0x9e3779b97f4a7c15ull);
    CHECK(ft_snapshot_find(&s, "beta", 1, FT_SNAPSHOT_ANY, &p, &n, &err) == FT_OK);
    CHECK_EQ_U64(n, 77);
    CHECK_EQ_U64(((const uint8_t *)p)[76], (uint8_t)(76 * 7));
    CHECK(ft_snapshot_find(&s, "empty", 4, 0, &p, &n, &err) == FT_OK);
    CHECK_EQ_U64(n, 0);
    CHECK(ft_snapshot_find(&s, "gamma", 1, FT_SNAPSHOT_ANY, &p, &n, &err) == FT_ERR_NOTFOUND);
    CHECK(ft_snapshot_find(&s, "alpha", 4, FT_SNAPSHOT_ANY, &p, &n, &err) == FT_ERR_CORRUPT);
    CHECK(strstr(err.msg, "section 'alpha' has 1000 elements of 8 bytes") != NULL);
    CHECK(ft_snapshot_find(&s, "alpha", 8, 999, &p, &n, &err) == FT_ERR_CORRUPT);
    CHECK(ft_snapshot_has(&s, "beta") && !ft_snapshot_has(&s, "bet"));
    /* layout: header 64 + 3 entries of 96 = 352 -> first section at 384 */
    CHECK_EQ_U64(s.sec[0].offset, 384);
    CHECK_EQ_U64(s.sec[2].offset % 64, 0);
    CHECK(ft_snapshot_verified(&s, "beta") && ft_snapshot_verified(&s, "empty"));
    ft_snapshot_close(&s);
    /* a group at once (unknown names skipped), then everything */
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    const char *grp[2] = {"beta", "nosuch"};
    CHECK(ft_snapshot_verify(&s, grp, 2, &err) == FT_OK);
    CHECK(ft_snapshot_verified(&s, "beta") && !ft_snapshot_verified(&s, "alpha"));
    CHECK(ft_snapshot_verify_all(&s, &err) == FT_OK);
    CHECK(ft_snapshot_verified(&s, "alpha") && ft_snapshot_verified(&s, "empty"));
    ft_snapshot_close(&s);
    /* concurrent first finds from OpenMP threads: all see the same verified data */
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    int64_t wrong = 0;
#pragma omp parallel for schedule(static, 1) reduction(+ : wrong)
    for (int i = 0; i < 64; i++) {
        ft_err e2;
        const void *q;
        uint64_t m;
        const char *nm = i % 2 ? "alpha" : "beta";
        if (ft_snapshot_find(&s, nm, i % 2 ? 8 : 1, FT_SNAPSHOT_ANY, &q, &m, &e2) != FT_OK)
            wrong++;
        else if (i % 2 ? ((const uint64_t *)q)[999] != 999 * 0x9e3779b97f4a7c15ull
                       : ((const uint8_t *)q)[76] != (uint8_t)(76 * 7))
            wrong++;
    }
    CHECK_EQ_U64(wrong, 0);
    CHECK(ft_snapshot_verified(&s, "alpha") && ft_snapshot_verified(&s, "beta"));
    ft_snapshot_close(&s);
    /* bad arguments to the writer */
    ft_snapshot_input dup[2] = {{"x", 1, 1, "a"}, {"x", 1, 1, "b"}};
    CHECK(ft_snapshot_write(tmp_path("dup"), dup, 2, &err) == FT_ERR_ARG);
    CHECK(strstr(err.msg, "section 'x' given twice") != NULL);
    ft_snapshot_input longname[1] = {{"a_name_that_is_longer_than_31_bytes", 1, 1, "a"}};
    CHECK(ft_snapshot_write(tmp_path("long"), longname, 1, &err) == FT_ERR_ARG);
    CHECK(ft_snapshot_open(&s, tmp_path("missing"), &err) == FT_ERR_IO);
    CHECK(strstr(err.msg, "cannot open snapshot") != NULL);
}

/* Expects path (a copy with section `name` damaged) to open (checksums are lazy), then the
 * damaged section to be refused by find, verify and verify_all, and the other one of alpha
 * and beta still handed out with its values. */
static void expect_section_corrupt(const char *path, const char *name)
{
    ft_snapshot s;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    if (!s.base)
        return;
    char want[64];
    snprintf(want, sizeof want, "section '%s' checksum mismatch", name);
    const void *p = NULL;
    uint64_t n;
    int alpha = strcmp(name, "alpha") == 0;
    CHECK(ft_snapshot_find(&s, name, alpha ? 8 : 1, FT_SNAPSHOT_ANY, &p, &n, &err) ==
          FT_ERR_CORRUPT);
    CHECK(p == NULL);
    if (!strstr(err.msg, want) || !strstr(err.msg, path)) {
        fprintf(stderr, "  message '%s' lacks '%s'\n", err.msg, want);
        CHECK(0);
    }
    CHECK(!ft_snapshot_verified(&s, name));
    const char *nm[1] = {name};
    CHECK(ft_snapshot_verify(&s, nm, 1, &err) == FT_ERR_CORRUPT && strstr(err.msg, want));
    CHECK(ft_snapshot_verify_all(&s, &err) == FT_ERR_CORRUPT && strstr(err.msg, want));
    if (alpha) {
        CHECK(ft_snapshot_find(&s, "beta", 1, 77, &p, &n, &err) == FT_OK);
        CHECK(p && ((const uint8_t *)p)[76] == (uint8_t)(76 * 7));
    } else {
        CHECK(ft_snapshot_find(&s, "alpha", 8, 1000, &p, &n, &err) == FT_OK);
        CHECK(p && ((const uint64_t *)p)[999] == 999 * 0x9e3779b97f4a7c15ull);
    }
    ft_snapshot_close(&s);
}

/* Expects path (a damaged copy) to be refused as corrupt with `want` in the message. */
static void expect_corrupt(const char *path, const char *want)
{
    ft_snapshot s;
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_snapshot_open(&s, path, &err);
    CHECK(st == FT_ERR_CORRUPT);
    CHECK(s.base == NULL && s.sec == NULL);
    if (!strstr(err.msg, want) || !strstr(err.msg, path)) {
        fprintf(stderr, "  message '%s' lacks '%s'\n", err.msg, want);
        CHECK(0);
    }
}

static void test_damage(void)
{
    const char *path = tmp_path("dmg.ftsnap"), *bad = tmp_path("bad.ftsnap");
    write_sample(path);
    size_t n;
    uint8_t *b = slurp(path, &n);
    /* a flipped byte in the first, the middle and the last byte of each section */
    const char *names[2] = {"alpha", "beta"};
    size_t off[2] = {384, 0}, len[2] = {8000, 77};
    off[1] = (384 + 8000 + 63) / 64 * 64;
    for (int k = 0; k < 2; k++) {
        size_t at[3] = {off[k], off[k] + len[k] / 2, off[k] + len[k] - 1};
        for (int j = 0; j < 3; j++) {
            b[at[j]] ^= 0x40;
            spit(bad, b, n);
            b[at[j]] ^= 0x40;
            expect_section_corrupt(bad, names[k]);
        }
    }
    /* the table (count field of 'alpha') */
    b[64 + 40] ^= 1;
    spit(bad, b, n);
    b[64 + 40] ^= 1;
    expect_corrupt(bad, "section table checksum mismatch");
    b[0] = 'X';
    spit(bad, b, n);
    b[0] = 'F';
    expect_corrupt(bad, "bad magic");
    b[8] = 3;
    spit(bad, b, n);
    b[8] = 2;
    expect_corrupt(bad, "format version 3 (this build reads 2)");
    b[8] = 1; /* an older file: refused, saying to write it again */
    spit(bad, b, n);
    b[8] = 2;
    expect_corrupt(bad, "format version 1 (this build reads 2): written by an older "
                        "fundtrace, write it again with 'fundtrace snapshot'");
    /* truncations at every interesting boundary, and one byte appended */
    size_t cuts[] = {0, 7, 63, 64, 100, 351, 352, 384, 384 + 4000, n - 64, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        spit(bad, b, cuts[i]);
        expect_corrupt(bad, "truncated");
    }
    uint8_t *longer = calloc(n + 1, 1);
    memcpy(longer, b, n);
    spit(bad, longer, n + 1);
    expect_corrupt(bad, "truncated or extended");
    free(longer);
    /* still fine after all that */
    spit(bad, b, n);
    ft_snapshot s;
    ft_err err;
    CHECK(ft_snapshot_open(&s, bad, &err) == FT_OK);
    ft_snapshot_close(&s);
    free(b);
}

/* A small chain: coinbase -> split -> two spends, one output left unspent. */
static void build_graph(ft_graph *g)
{
    gb_init(g, 6);
    uint32_t c = gb_coin(g, 5000000000ull, 1, 1);
    gb_out o1[2] = {{3000000000ull, 2, 1}, {1999990000ull, 3, 1}};
    uint32_t in1[1] = {c};
    uint32_t t1 = gb_tx(g, in1, 1, o1, 2);
    gb_out o2[1] = {{2999980000ull, 4, 2}};
    uint32_t in2[1] = {g->out_off[t1]};
    gb_tx(g, in2, 1, o2, 1);
    gb_out o3[2] = {{1000000000ull, 5, 2}, {999980000ull, 3, 1}};
    uint32_t in3[1] = {g->out_off[t1] + 1};
    gb_tx(g, in3, 1, o3, 2);
}

static void test_graph(void)
{
    ft_graph g;
    build_graph(&g);
    uint64_t meta[8];
    ft_snapshot_input in[FT_SNAPSHOT_GRAPH_SECTIONS];
    size_t n = 0;
    ft_snapshot_graph_sections(&g, meta, in, &n);
    CHECK_EQ_U64(n, FT_SNAPSHOT_GRAPH_SECTIONS);
    const char *path = tmp_path("g.ftsnap");
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_snapshot_write(path, in, n, &err) == FT_OK);
    ft_snapshot s;
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    ft_graph h;
    CHECK(ft_snapshot_graph(&s, &h, &err) == FT_OK);
    CHECK(h.borrowed == 1);
    CHECK_EQ_U64(h.n_tx, 4);
    CHECK_EQ_U64(h.n_out, 6);
    CHECK_EQ_U64(h.n_in, 3);
    CHECK_EQ_U64(h.n_addr, 6);
    CHECK(memcmp(h.in_off, g.in_off, 5 * 4) == 0);
    CHECK(memcmp(h.out_off, g.out_off, 5 * 4) == 0);
    CHECK(memcmp(h.in_out, g.in_out, 3 * 4) == 0);
    CHECK(memcmp(h.out_value, g.out_value, 6 * 8) == 0);
    CHECK(memcmp(h.out_addr, g.out_addr, 6 * 4) == 0);
    CHECK(memcmp(h.out_spent_by, g.out_spent_by, 6 * 4) == 0);
    CHECK(memcmp(h.tx_addr_new, g.tx_addr_new, 4 * 4) == 0);
    CHECK_EQ_U64(h.out_spent_by[1], 2);
    CHECK_EQ_U64(h.out_spent_by[2], 3);
    CHECK_EQ_U64(h.out_spent_by[3], FT_GRAPH_NONE);
    ft_graph_release(&h); /* frees nothing: the mapping stays valid */
    CHECK(h.out_value == NULL);
    CHECK(ft_snapshot_verified(&s, "out_value") && ft_snapshot_verified(&s, "graph_meta"));
    ft_snapshot_close(&s);

    /* lazy: the graph plus a text section; a damaged text section does not stop the graph
     * (never verified by the graph loader) but is refused when found; a damaged graph
     * section is refused by the graph loader naming it */
    {
        static const char text[] = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT";
        ft_snapshot_input in2[FT_SNAPSHOT_GRAPH_SECTIONS + 1];
        size_t n2 = 0;
        ft_snapshot_graph_sections(&g, meta, in2, &n2);
        in2[n2++] = (ft_snapshot_input){"addr_text", 1, sizeof text - 1, text};
        const char *p2 = tmp_path("gt.ftsnap"), *bad = tmp_path("gt_bad.ftsnap");
        CHECK(ft_snapshot_write(p2, in2, n2, &err) == FT_OK);
        CHECK(ft_snapshot_open(&s, p2, &err) == FT_OK);
        uint64_t text_off = 0, value_off = 0;
        for (uint32_t i = 0; i < s.n_sections; i++) {
            if (strcmp(s.sec[i].name, "addr_text") == 0)
                text_off = s.sec[i].offset;
            if (strcmp(s.sec[i].name, "out_value") == 0)
                value_off = s.sec[i].offset;
        }
        ft_snapshot_close(&s);
        CHECK(text_off > 0 && value_off > 0);
        size_t len;
        uint8_t *b = slurp(p2, &len);
        CHECK(b != NULL);
        if (b && text_off > 0 && value_off > 0) {
            b[text_off + 5] ^= 0x20;
            spit(bad, b, len);
            b[text_off + 5] ^= 0x20;
            CHECK(ft_snapshot_open(&s, bad, &err) == FT_OK);
            CHECK(ft_snapshot_graph(&s, &h, &err) == FT_OK);
            CHECK_EQ_U64(h.n_tx, 4);
            CHECK(!ft_snapshot_verified(&s, "addr_text"));
            const void *tp = NULL;
            CHECK(ft_snapshot_find(&s, "addr_text", 1, FT_SNAPSHOT_ANY, &tp, NULL, &err) ==
                  FT_ERR_CORRUPT);
            CHECK(tp == NULL && strstr(err.msg, "section 'addr_text' checksum mismatch"));
            ft_graph_release(&h);
            ft_snapshot_close(&s);
            b[value_off + 3] ^= 0x01;
            spit(bad, b, len);
            CHECK(ft_snapshot_open(&s, bad, &err) == FT_OK);
            CHECK(ft_snapshot_graph(&s, &h, &err) == FT_ERR_CORRUPT);
            CHECK(strstr(err.msg, "section 'out_value' checksum mismatch") != NULL);
            CHECK(h.out_value == NULL);
            ft_snapshot_close(&s);
        }
        free(b);
    }

    /* valid checksums, impossible contents: an input spending a later output, then an
     * output spent twice, then an address id beyond n_addr */
    uint32_t saved = g.in_out[1];
    g.in_out[1] = 5;
    n = 0;
    ft_snapshot_graph_sections(&g, meta, in, &n);
    CHECK(ft_snapshot_write(path, in, n, &err) == FT_OK);
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    CHECK(ft_snapshot_graph(&s, &h, &err) == FT_ERR_CORRUPT);
    CHECK(strstr(err.msg, "impossible graph") != NULL);
    CHECK(h.out_value == NULL);
    ft_snapshot_close(&s);
    g.in_out[1] = saved;
    g.out_addr[4] = 6;
    n = 0;
    ft_snapshot_graph_sections(&g, meta, in, &n);
    CHECK(ft_snapshot_write(path, in, n, &err) == FT_OK);
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    CHECK(ft_snapshot_graph(&s, &h, &err) == FT_ERR_CORRUPT);
    ft_snapshot_close(&s);
    g.out_addr[4] = 5;
    /* a section with the wrong element count */
    n = 0;
    ft_snapshot_graph_sections(&g, meta, in, &n);
    in[7].count = 5; /* out_value */
    CHECK(ft_snapshot_write(path, in, n, &err) == FT_OK);
    CHECK(ft_snapshot_open(&s, path, &err) == FT_OK);
    CHECK(ft_snapshot_graph(&s, &h, &err) == FT_ERR_CORRUPT);
    CHECK(strstr(err.msg, "section 'out_value' has 5 elements of 8 bytes, expected 6") != NULL);
    ft_snapshot_close(&s);
    ft_graph_release(&g);
}

static void sample_result(ft_trace_result *r, size_t n_inc, uint32_t salt)
{
    memset(r, 0, sizeof *r);
    r->n_incidents = n_inc;
    r->summary = calloc(n_inc * FT_TAINT_MODELS, sizeof *r->summary);
    for (size_t i = 0; i < n_inc * FT_TAINT_MODELS; i++) {
        r->summary[i].stolen = ((ft_u128)(salt + i) << 70) + 12345;
        r->summary[i].hop_limit = (ft_u128)(i + 1) * 3;
    }
    r->n_flows = 3;
    r->flows = calloc(3, sizeof *r->flows);
    for (uint32_t f = 0; f < 3; f++) {
        ft_trace_flow *x = &r->flows[f];
        x->incident = (uint32_t)(f % n_inc);
        x->model = f;
        x->addr = 100 - f * 10 + salt;
        x->category = (uint8_t)f;
        x->entity = f == 2 ? FT_GRAPH_NONE : f;
        x->amount = ((ft_u128)1 << 65) + f + salt;
        x->hops = f + 1;
        x->first_time = -5 + f;
        x->last_time = 1700000000 + f;
        x->tx_count = 7 + f;
        x->amount_usd = (ft_u128)123456789 * (f + 1);
        x->usd_known = f & 1;
    }
    r->n_exposure = 2;
    r->exposure = calloc(2, sizeof *r->exposure);
    r->exposure[0] = (ft_trace_exposure){3 + salt, 0, 1, (ft_u128)99 << 80};
    r->exposure[1] = (ft_trace_exposure){50 + salt, (uint32_t)(n_inc - 1), 2, 5};
    r->tx_visited = 1000 + salt;
    /* evidence paths: flow f has f + 1 steps whose taint names the flow and the step */
    r->path_off = calloc(4, sizeof *r->path_off);
    r->path = calloc(6, sizeof *r->path);
    for (uint32_t f = 0; f < 3; f++) {
        r->path_off[f + 1] = r->path_off[f] + f + 1;
        for (uint32_t k = 0; k <= f; k++) {
            ft_trace_path_step *st = &r->path[r->path_off[f] + k];
            st->out = 1000 * salt + 10 * f + k;
            st->tx = 7 * f + k;
            st->taint = ((uint64_t)salt << 40) + 100 * f + k;
        }
    }
    r->n_path = 6;
}

static void release_result(ft_trace_result *r)
{
    free(r->exposure);
    r->exposure = NULL;
    ft_trace_result_release(r);
}

static void test_pack(void)
{
    ft_trace_result a, b;
    sample_result(&a, 2, 0);
    uint8_t *buf = NULL;
    size_t len = 0;
    ft_err err;
    ft_err_clear(&err);
    CHECK(ft_trace_pack(&a, &buf, &len, &err) == FT_OK);
    CHECK(ft_trace_unpack(&b, buf, len, &err) == FT_OK);
    CHECK_EQ_U64(b.n_incidents, 2);
    CHECK_EQ_U64(b.n_flows, 3);
    CHECK_EQ_U64(b.n_exposure, 2);
    CHECK_EQ_U64(b.tx_visited, 1000);
    CHECK(memcmp(a.summary, b.summary, 2 * FT_TAINT_MODELS * sizeof *a.summary) == 0);
    for (size_t f = 0; f < 3; f++) {
        const ft_trace_flow *x = &a.flows[f], *y = &b.flows[f];
        CHECK(x->incident == y->incident && x->model == y->model && x->addr == y->addr &&
              x->category == y->category && x->entity == y->entity && x->amount == y->amount &&
              x->hops == y->hops && x->first_time == y->first_time &&
              x->last_time == y->last_time && x->tx_count == y->tx_count &&
              x->amount_usd == y->amount_usd && x->usd_known == y->usd_known);
    }
    CHECK(b.exposure[0].amount == (ft_u128)99 << 80 && b.exposure[1].addr == 50);
    CHECK_EQ_U64(b.n_path, 6);
    CHECK(b.path_off && memcmp(a.path_off, b.path_off, 4 * sizeof *a.path_off) == 0);
    CHECK(b.path && memcmp(a.path, b.path, 6 * sizeof *a.path) == 0);
    release_result(&b);
    /* every proper prefix, and one byte too many */
    int refused = 0;
    for (size_t k = 0; k < len; k++) {
        ft_trace_result c;
        refused += ft_trace_unpack(&c, buf, k, &err) == FT_ERR_PARSE;
        CHECK(c.flows == NULL && c.summary == NULL);
    }
    CHECK_EQ_U64(refused, len);
    uint8_t *more = calloc(len + 1, 1);
    memcpy(more, buf, len);
    CHECK(ft_trace_unpack(&b, more, len + 1, &err) == FT_ERR_PARSE);
    free(more);
    free(buf);

    /* merge: part 0 holds global incidents {2, 0}, part 1 holds {1} */
    ft_trace_result parts[2], m;
    sample_result(&parts[0], 2, 0);
    sample_result(&parts[1], 1, 1);
    const uint32_t map0[2] = {2, 0}, map1[1] = {1};
    const uint32_t *maps[2] = {map0, map1};
    CHECK(ft_trace_merge(&m, 3, parts, maps, 2, &err) == FT_OK);
    CHECK_EQ_U64(m.n_incidents, 3);
    CHECK_EQ_U64(m.n_flows, 6);
    CHECK_EQ_U64(m.tx_visited, 2001);
    CHECK(m.summary[2 * FT_TAINT_MODELS].stolen == parts[0].summary[0].stolen);
    CHECK(m.summary[0].stolen == parts[0].summary[FT_TAINT_MODELS].stolen);
    CHECK(m.summary[1 * FT_TAINT_MODELS + 4].stolen == parts[1].summary[4].stolen);
    for (size_t f = 1; f < m.n_flows; f++) {
        const ft_trace_flow *x = &m.flows[f - 1], *y = &m.flows[f];
        CHECK(x->incident < y->incident ||
              (x->incident == y->incident &&
               (x->model < y->model || (x->model == y->model && x->addr < y->addr))));
    }
    /* part 0's flows 0 and 2 (local incident 0 = global 2, models 0 and 2) come last */
    CHECK_EQ_U64(m.flows[4].incident, 2);
    CHECK_EQ_U64(m.flows[4].model, 0);
    CHECK_EQ_U64(m.flows[5].incident, 2);
    CHECK_EQ_U64(m.flows[5].model, 2);
    CHECK_EQ_U64(m.flows[0].incident, 0); /* part 0's flow 1: local 1 = global 0 */
    CHECK_EQ_U64(m.flows[0].model, 1);
    /* each flow kept its own path: flow f of part p has f + 1 steps tagged (p, f) */
    CHECK_EQ_U64(m.n_path, 12);
    for (size_t f = 0; f < m.n_flows; f++) {
        size_t a0 = m.path_off[f], b0 = m.path_off[f + 1];
        uint32_t salt = m.flows[f].addr % 10 == 0 ? 0 : 1; /* part 1's addresses end in 1 */
        uint32_t orig = (100 + salt - m.flows[f].addr) / 10;  /* its index in the part */
        CHECK_EQ_U64(b0 - a0, orig + 1);
        for (size_t k = a0; k < b0; k++)
            CHECK_EQ_U64(m.path[k].taint, ((uint64_t)salt << 40) + 100 * orig + (k - a0));
    }
    CHECK_EQ_U64(m.n_exposure, 4);
    CHECK_EQ_U64(m.exposure[0].addr, 3);
    CHECK_EQ_U64(m.exposure[0].incident, 2);
    CHECK_EQ_U64(m.exposure[1].addr, 4);
    CHECK_EQ_U64(m.exposure[1].incident, 1);
    release_result(&m);
    const uint32_t twice[1] = {2};
    maps[1] = twice;
    CHECK(ft_trace_merge(&m, 3, parts, maps, 2, &err) == FT_ERR_ARG);
    CHECK(strstr(err.msg, "incident 2 given twice") != NULL);
    release_result(&parts[0]);
    release_result(&parts[1]);
    release_result(&a);
}

static void cleanup(void)
{
    const char *names[] = {"rt.ftsnap", "dmg.ftsnap", "bad.ftsnap", "g.ftsnap", "gt.ftsnap",
                           "gt_bad.ftsnap"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(tmp_path(names[i]));
    rmdir(dir);
}

static void test_cleanup(void)
{
    cleanup();
    CHECK(access(dir, F_OK) != 0);
}

FT_TEST_MAIN({"round_trip", test_round_trip}, {"damage", test_damage}, {"graph", test_graph},
             {"pack", test_pack}, {"cleanup", test_cleanup})
