/*
 * reference_taint.c — the reference taint tracer (semantics and API in reference_taint.h).
 *
 * Deliberately simple, one pass over the chain in block order, nothing shared with the
 * engine's tracing. State:
 *
 *     utxo table   (txid, vout) → value, head of its taint records   every unspent output
 *     taint record track = incident·3 + model, hop, tainted amount, FIFO tape
 *                  (only outputs with a non-zero tainted part have one)
 *     seeds        sorted by txid; a seed output gets full taint, hop 0, in every model
 *
 * For each transaction: take its inputs out of the table (value and records), and for every
 * track present among the inputs apply the model's rule (reference_taint.h) to the outputs and
 * the fee. A tainted output whose address is terminal is credited to its flow and summary
 * figure and never followed; at hop == max_hops it ends as hop_limit; else its record goes
 * into the table with the output. What is left in the table at the end is unspent.
 *
 * Terminals: an address's own label category, else the category of the entity that owns it
 * (truth/addresses.csv) if that entity carries a label (exchange deposit addresses belong to
 * their exchange: the engine reaches the same answer only when its clustering puts them in the
 * labelled exchange's cluster). exchange → to_exchange; otc, payment → to_other; mixer →
 * to_mixer; bridge → to_bridge. Other categories are not terminal.
 *
 * Invariants checked (FT_ERR_STATE, never data): each haircut/fifo split sums to the tainted
 * input; per incident haircut and fifo balance to the base unit.
 */
#include "datasets/gen/reference_taint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/blkfiles.h"
#include "chains/bitcoin/block.h"
#include "chains/bitcoin/params.h"
#include "chains/bitcoin/script.h"
#include "engine/hex.h"
#include "engine/timefmt.h"

#include "engine/banned.h"

#define NONE UINT32_MAX

const char *ft_reftaint_model_name(int model)
{
    static const char *const names[FT_REFTAINT_MODELS] = {"poison", "haircut", "fifo"};
    return model >= 0 && model < FT_REFTAINT_MODELS ? names[model] : "?";
}

/* ---- tapes ------------------------------------------------------------------------------ */

void ft_reftaint_tape_init(ft_reftaint_tape *t)
{
    memset(t, 0, sizeof *t);
}

void ft_reftaint_tape_release(ft_reftaint_tape *t)
{
    free(t->seg);
    memset(t, 0, sizeof *t);
}

ft_status ft_reftaint_tape_push(ft_reftaint_tape *t, uint64_t len, int tainted)
{
    tainted = tainted ? 1 : 0;
    if (len == 0)
        return FT_OK;
    if (t->n && t->seg[t->n - 1].tainted == tainted) {
        t->seg[t->n - 1].len += len;
        return FT_OK;
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 4;
        ft_reftaint_seg *ns = realloc(t->seg, nc * sizeof *ns);
        if (!ns)
            return FT_ERR_NOMEM;
        t->seg = ns;
        t->cap = nc;
    }
    t->seg[t->n].len = len;
    t->seg[t->n].tainted = tainted;
    t->n++;
    return FT_OK;
}

uint64_t ft_reftaint_tape_tainted(const ft_reftaint_tape *t)
{
    uint64_t s = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->seg[i].tainted)
            s += t->seg[i].len;
    return s;
}

uint64_t ft_reftaint_tape_total(const ft_reftaint_tape *t)
{
    uint64_t s = 0;
    for (size_t i = 0; i < t->n; i++)
        s += t->seg[i].len;
    return s;
}

/* ---- the three rules ---------------------------------------------------------------------- */

void ft_reftaint_poison(int any_tainted, const uint64_t *w, size_t m, uint64_t fee,
                        uint64_t *out_t, uint64_t *fee_t)
{
    for (size_t k = 0; k < m; k++)
        out_t[k] = any_tainted ? w[k] : 0;
    *fee_t = any_tainted ? fee : 0;
}

ft_status ft_reftaint_haircut(uint64_t T, uint64_t V, const uint64_t *w, size_t m, uint64_t *out_t,
                              uint64_t *fee_t)
{
    ft_u128 sum_w = 0;
    for (size_t k = 0; k < m; k++)
        sum_w += w[k];
    if (T > V || sum_w > V)
        return FT_ERR_ARG;
    if (V == 0) {
        for (size_t k = 0; k < m; k++)
            out_t[k] = 0;
        *fee_t = 0;
        return FT_OK;
    }
    /* part k = floor(T·C_k/V) − floor(T·C_{k−1}/V); C_k ≤ V ≤ 2^64, T < 2^64: no overflow */
    ft_u128 c = 0, prev = 0;
    for (size_t k = 0; k < m; k++) {
        c += w[k];
        ft_u128 cur = (ft_u128)T * c / V;
        out_t[k] = (uint64_t)(cur - prev);
        prev = cur;
    }
    *fee_t = (uint64_t)(T - prev); /* C_{m+1} = V: floor(T·V/V) = T */
    return FT_OK;
}

ft_status ft_reftaint_fifo(const ft_reftaint_tape *in, size_t n, const uint64_t *w, size_t m,
                           ft_reftaint_tape *out, ft_reftaint_tape *fee)
{
    size_t i = 0, j = 0; /* input i, segment j */
    uint64_t used = 0;   /* units of segment j already taken */
    for (size_t k = 0; k < m; k++)
        out[k].n = 0;
    fee->n = 0;
    for (size_t k = 0; k <= m; k++) {
        ft_reftaint_tape *dst = k < m ? &out[k] : fee;
        uint64_t need = k < m ? w[k] : UINT64_MAX; /* the fee takes whatever is left */
        while (need > 0) {
            while (i < n && j >= in[i].n) {
                i++;
                j = 0;
            }
            if (i >= n)
                break;
            const ft_reftaint_seg *s = &in[i].seg[j];
            uint64_t take = s->len - used < need ? s->len - used : need;
            if (ft_reftaint_tape_push(dst, take, s->tainted) != FT_OK)
                return FT_ERR_NOMEM;
            need -= take;
            used += take;
            if (used == s->len) {
                j++;
                used = 0;
            }
        }
        if (k < m && need > 0)
            return FT_ERR_ARG; /* outputs exceed the inputs */
    }
    return FT_OK;
}

/* ---- a string map (open addressing) ------------------------------------------------------- */

typedef struct smap {
    char **keys;
    uint32_t *vals;
    size_t cap, n;
} smap;

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static int smap_get(const smap *m, const char *key, uint32_t *val)
{
    if (!m->cap)
        return 0;
    for (size_t j = str_hash(key) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
        if (!m->keys[j])
            return 0;
        if (strcmp(m->keys[j], key) == 0) {
            *val = m->vals[j];
            return 1;
        }
    }
}

/* Inserts key (copied) → val, or overwrites the value of an existing key. */
static ft_status smap_put(smap *m, const char *key, uint32_t val)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 256;
        char **nk = calloc(nc, sizeof *nk);
        uint32_t *nv = calloc(nc, sizeof *nv);
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return FT_ERR_NOMEM;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = str_hash(m->keys[i]) & (nc - 1);
                while (nk[j])
                    j = (j + 1) & (nc - 1);
                nk[j] = m->keys[i];
                nv[j] = m->vals[i];
            }
        free(m->keys);
        free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = nc;
    }
    size_t j = str_hash(key) & (m->cap - 1);
    for (; m->keys[j]; j = (j + 1) & (m->cap - 1))
        if (strcmp(m->keys[j], key) == 0) {
            m->vals[j] = val;
            return FT_OK;
        }
    size_t len = strlen(key);
    char *k = malloc(len + 1);
    if (!k)
        return FT_ERR_NOMEM;
    memcpy(k, key, len + 1);
    m->keys[j] = k;
    m->vals[j] = val;
    m->n++;
    return FT_OK;
}

static void smap_free(smap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- the unspent outputs ---------------------------------------------------------------- */

typedef struct utxo {
    uint8_t txid[32];
    uint32_t vout1; /* vout + 1; 0 = empty slot */
    uint32_t rec;   /* first taint record, NONE */
    uint64_t value;
} utxo;

typedef struct utxo_table {
    utxo *slot;
    size_t cap, n;
} utxo_table;

static size_t utxo_home(const utxo_table *t, const uint8_t txid[32], uint32_t vout)
{
    uint64_t h;
    memcpy(&h, txid, 8); /* a txid is a hash: its bytes are already uniform */
    h ^= (uint64_t)(vout + 1) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    return (size_t)h & (t->cap - 1);
}

static ft_status utxo_grow(utxo_table *t)
{
    size_t nc = t->cap ? t->cap * 2 : 1u << 16;
    utxo *ns = calloc(nc, sizeof *ns);
    if (!ns)
        return FT_ERR_NOMEM;
    utxo_table nt = {ns, nc, t->n};
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i].vout1) {
            size_t j = utxo_home(&nt, t->slot[i].txid, t->slot[i].vout1 - 1);
            while (ns[j].vout1)
                j = (j + 1) & (nc - 1);
            ns[j] = t->slot[i];
        }
    free(t->slot);
    *t = nt;
    return FT_OK;
}

static ft_status utxo_add(utxo_table *t, const uint8_t txid[32], uint32_t vout, uint64_t value,
                          uint32_t rec)
{
    if (4 * (t->n + 1) > 3 * t->cap && utxo_grow(t) != FT_OK)
        return FT_ERR_NOMEM;
    size_t j = utxo_home(t, txid, vout);
    while (t->slot[j].vout1) {
        if (t->slot[j].vout1 == vout + 1 && memcmp(t->slot[j].txid, txid, 32) == 0)
            return FT_ERR_PARSE; /* duplicate txid (BIP30): not in generated chains */
        j = (j + 1) & (t->cap - 1);
    }
    memcpy(t->slot[j].txid, txid, 32);
    t->slot[j].vout1 = vout + 1;
    t->slot[j].rec = rec;
    t->slot[j].value = value;
    t->n++;
    return FT_OK;
}

/* Removes (txid, vout) into *out; returns 0 if it is not there. Backward-shift deletion. */
static int utxo_take(utxo_table *t, const uint8_t txid[32], uint32_t vout, utxo *out)
{
    if (!t->cap)
        return 0;
    size_t j = utxo_home(t, txid, vout);
    for (;; j = (j + 1) & (t->cap - 1)) {
        if (!t->slot[j].vout1)
            return 0;
        if (t->slot[j].vout1 == vout + 1 && memcmp(t->slot[j].txid, txid, 32) == 0)
            break;
    }
    *out = t->slot[j];
    size_t hole = j;
    for (size_t k = (j + 1) & (t->cap - 1); t->slot[k].vout1; k = (k + 1) & (t->cap - 1)) {
        size_t home = utxo_home(t, t->slot[k].txid, t->slot[k].vout1 - 1);
        /* move k into the hole unless its home lies cyclically in (hole, k] */
        int stays = hole <= k ? (home > hole && home <= k) : (home > hole || home <= k);
        if (!stays) {
            t->slot[hole] = t->slot[k];
            hole = k;
        }
    }
    memset(&t->slot[hole], 0, sizeof t->slot[hole]);
    t->n--;
    return 1;
}

/* ---- taint records ----------------------------------------------------------------------- */

typedef struct rec {
    uint32_t track; /* incident * FT_REFTAINT_MODELS + model */
    uint32_t hop;
    uint64_t taint;
    ft_reftaint_tape tape; /* fifo only */
    uint32_t next;
} rec;

typedef struct rec_pool {
    rec *r;
    uint32_t n, cap, free_head;
} rec_pool;

static uint32_t rec_new(rec_pool *p)
{
    if (p->free_head != NONE) {
        uint32_t i = p->free_head;
        p->free_head = p->r[i].next;
        return i;
    }
    if (p->n == p->cap) {
        uint32_t nc = p->cap ? p->cap * 2 : 1024;
        rec *nr = realloc(p->r, (size_t)nc * sizeof *nr);
        if (!nr)
            return NONE;
        p->r = nr;
        p->cap = nc;
    }
    return p->n++;
}

static void rec_free(rec_pool *p, uint32_t i)
{
    ft_reftaint_tape_release(&p->r[i].tape);
    p->r[i].next = p->free_head;
    p->free_head = i;
}

/* ---- the run's state ---------------------------------------------------------------------- */

enum { CAT_NONE = 0, CAT_EXCHANGE, CAT_OTC, CAT_PAYMENT, CAT_MIXER, CAT_BRIDGE };
static const char *const cat_names[] = {"", "exchange", "otc", "payment", "mixer", "bridge"};

typedef struct seed {
    uint8_t txid[32];
    uint32_t vout; /* NONE: every output of the tx */
    uint32_t incident;
    int has_amount;
    uint64_t amount;
    int found;
} seed;

/* What one output of the current tx is: its address and whether it is terminal. */
typedef struct outinfo {
    int known;
    int cat;
    uint32_t entity; /* index into ents */
    char addr[FT_BTC_ADDR_STR_MAX];
    uint32_t rec; /* records collected for it */
} outinfo;

typedef struct run {
    ft_reftaint_result *res;
    const ft_reftaint_opts *opts;
    const ft_btc_params *net;
    smap label;   /* address → entity index * 8 + category */
    smap owner;   /* address → entity index (labelled entities only) */
    smap ent;     /* entity name → index */
    char (*ents)[FT_REFTAINT_NAME_MAX];
    uint8_t *ent_cat;
    uint32_t n_ents, cap_ents;
    smap flowmap; /* "track:address" → flow index */
    seed *seeds;
    size_t n_seeds, cap_seeds;
    utxo_table utxo;
    rec_pool pool;
    /* per-tx scratch */
    utxo *in;
    uint64_t *w, *out_t;
    outinfo *oi;
    ft_reftaint_tape *in_tapes, *out_tapes, fee_tape;
    ft_reftaint_seg *clean_seg;
    uint32_t *tracks;
    size_t cap_in, cap_out, cap_tracks;
    uint64_t tx_no;
} run;

/* ---- reading the truth CSVs (no quoting: generator files) ---------------------------------- */

typedef struct csv {
    FILE *f;
    char *line;
    size_t cap;
    char *field[24];
    int nf;
    uint64_t line_no;
    char path[4200];
} csv;

static ft_status csv_open(csv *c, const char *dir, const char *name, ft_err *err)
{
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, "%s/%s", dir, name);
    c->f = fopen(c->path, "r");
    if (!c->f)
        return ft_err_set(err, FT_ERR_IO, "cannot open '%s': %s", c->path, strerror(errno));
    return FT_OK;
}

/* Next row split at commas; 1 on a row, 0 at the end, -1 on a read error. */
static int csv_next(csv *c)
{
    ssize_t len = getline(&c->line, &c->cap, c->f);
    if (len < 0)
        return ferror(c->f) ? -1 : 0;
    c->line_no++;
    while (len > 0 && (c->line[len - 1] == '\n' || c->line[len - 1] == '\r'))
        c->line[--len] = '\0';
    c->nf = 0;
    char *p = c->line;
    c->field[c->nf++] = p;
    for (; *p; p++)
        if (*p == ',' && c->nf < 24) {
            *p = '\0';
            c->field[c->nf++] = p + 1;
        }
    return 1;
}

static void csv_close(csv *c)
{
    if (c->f)
        fclose(c->f);
    free(c->line);
    memset(c, 0, sizeof *c);
}

/* Reads the header and finds the columns names[0..n) into idx. */
static ft_status csv_header(csv *c, const char *const *names, int *idx, int n, ft_err *err)
{
    if (csv_next(c) != 1)
        return ft_err_set(err, FT_ERR_PARSE, "'%s' is empty", c->path);
    for (int k = 0; k < n; k++) {
        idx[k] = -1;
        for (int i = 0; i < c->nf; i++)
            if (strcmp(c->field[i], names[k]) == 0)
                idx[k] = i;
        if (idx[k] < 0)
            return ft_err_set(err, FT_ERR_PARSE, "'%s' has no column '%s'", c->path, names[k]);
    }
    return FT_OK;
}

static int cat_from_name(const char *s)
{
    for (int c = CAT_EXCHANGE; c <= CAT_BRIDGE; c++)
        if (strcmp(s, cat_names[c]) == 0)
            return c;
    return CAT_NONE;
}

static ft_status entity_index(run *r, const char *name, uint32_t *out)
{
    if (smap_get(&r->ent, name, out))
        return FT_OK;
    if (r->n_ents == r->cap_ents) {
        uint32_t nc = r->cap_ents ? r->cap_ents * 2 : 64;
        void *nn = realloc(r->ents, (size_t)nc * sizeof *r->ents);
        if (!nn)
            return FT_ERR_NOMEM;
        r->ents = nn;
        uint8_t *nk = realloc(r->ent_cat, nc);
        if (!nk)
            return FT_ERR_NOMEM;
        r->ent_cat = nk;
        r->cap_ents = nc;
    }
    snprintf(r->ents[r->n_ents], FT_REFTAINT_NAME_MAX, "%s", name);
    r->ent_cat[r->n_ents] = CAT_NONE;
    *out = r->n_ents++;
    return smap_put(&r->ent, name, *out);
}

static ft_status load_labels(run *r, const char *truth, ft_err *err)
{
    static const char *const cols[] = {"chain", "address", "entity", "category"};
    int idx[4], rc;
    csv c;
    ft_status st = csv_open(&c, truth, "labels.csv", err);
    if (st == FT_OK)
        st = csv_header(&c, cols, idx, 4, err);
    while (st == FT_OK && (rc = csv_next(&c)) == 1) {
        if (c.nf < 4)
            st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: too few fields", c.path,
                            (unsigned long long)c.line_no);
        else if (strcmp(c.field[idx[0]], "bitcoin") == 0) {
            int cat = cat_from_name(c.field[idx[3]]);
            uint32_t e;
            if (cat == CAT_NONE)
                continue;
            if ((st = entity_index(r, c.field[idx[2]], &e)) != FT_OK)
                break;
            if (r->ent_cat[e] == CAT_NONE)
                r->ent_cat[e] = (uint8_t)cat; /* the entity's first terminal label */
            st = smap_put(&r->label, c.field[idx[1]], e * 8 + (uint32_t)cat);
        }
    }
    if (st == FT_OK && rc < 0)
        st = ft_err_set(err, FT_ERR_IO, "cannot read '%s'", c.path);
    if (st == FT_ERR_NOMEM)
        ft_err_set(err, st, "out of memory reading '%s'", c.path);
    csv_close(&c);
    return st;
}

static ft_status load_owners(run *r, const char *truth, ft_err *err)
{
    static const char *const cols[] = {"address", "entity"};
    int idx[2], rc;
    csv c;
    ft_status st = csv_open(&c, truth, "addresses.csv", err);
    if (st == FT_OK)
        st = csv_header(&c, cols, idx, 2, err);
    while (st == FT_OK && (rc = csv_next(&c)) == 1) {
        uint32_t e;
        if (c.nf < 2)
            st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: too few fields", c.path,
                            (unsigned long long)c.line_no);
        else if (smap_get(&r->ent, c.field[idx[1]], &e) && r->ent_cat[e] != CAT_NONE &&
                 (st = smap_put(&r->owner, c.field[idx[0]], e)) == FT_ERR_NOMEM)
            ft_err_set(err, st, "out of memory reading '%s'", c.path);
    }
    if (st == FT_OK && rc < 0)
        st = ft_err_set(err, FT_ERR_IO, "cannot read '%s'", c.path);
    csv_close(&c);
    return st;
}

static int cmp_seed(const void *a, const void *b)
{
    const seed *x = a, *y = b;
    int c = memcmp(x->txid, y->txid, 32);
    if (c)
        return c;
    if (x->vout != y->vout)
        return x->vout < y->vout ? -1 : 1;
    return x->incident < y->incident ? -1 : x->incident > y->incident;
}

static ft_status load_incidents(run *r, const char *truth, ft_err *err)
{
    static const char *const cols[] = {"incident", "chain", "seed", "asset", "amount"};
    int idx[5], rc;
    csv c;
    ft_reftaint_result *res = r->res;
    smap names = {0};
    ft_status st = csv_open(&c, truth, "incidents.csv", err);
    if (st == FT_OK)
        st = csv_header(&c, cols, idx, 5, err);
    while (st == FT_OK && (rc = csv_next(&c)) == 1) {
        unsigned long long ln = (unsigned long long)c.line_no;
        if (c.nf < 5) {
            st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: too few fields", c.path, ln);
            break;
        }
        if (strcmp(c.field[idx[1]], "bitcoin") != 0 || strcmp(c.field[idx[3]], "BTC") != 0) {
            st = ft_err_set(err, FT_ERR_PARSE,
                            "'%s' line %llu: the reference traces bitcoin/BTC only, not '%s/%s'",
                            c.path, ln, c.field[idx[1]], c.field[idx[3]]);
            break;
        }
        const char *name = c.field[idx[0]];
        if (!*name || strlen(name) >= FT_REFTAINT_NAME_MAX) {
            st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: bad incident name", c.path, ln);
            break;
        }
        uint32_t inc;
        if (!smap_get(&names, name, &inc)) {
            if (res->n_incidents % 16 == 0) {
                void *ni = realloc(res->incidents, (res->n_incidents + 16) * sizeof *res->incidents);
                if (!ni) {
                    st = FT_ERR_NOMEM;
                    break;
                }
                res->incidents = ni;
            }
            inc = (uint32_t)res->n_incidents;
            snprintf(res->incidents[res->n_incidents++], FT_REFTAINT_NAME_MAX, "%s", name);
            if ((st = smap_put(&names, name, inc)) != FT_OK)
                break;
        }
        if (r->n_seeds == r->cap_seeds) {
            size_t nc = r->cap_seeds ? r->cap_seeds * 2 : 16;
            seed *ns = realloc(r->seeds, nc * sizeof *ns);
            if (!ns) {
                st = FT_ERR_NOMEM;
                break;
            }
            r->seeds = ns;
            r->cap_seeds = nc;
        }
        seed *s = &r->seeds[r->n_seeds];
        memset(s, 0, sizeof *s);
        s->incident = inc;
        const char *sd = c.field[idx[2]];
        const char *colon = strchr(sd, ':');
        size_t hexlen = colon ? (size_t)(colon - sd) : strlen(sd);
        if (!ft_hex_decode_rev(s->txid, 32, sd, hexlen)) {
            st = ft_err_set(err, FT_ERR_PARSE,
                            "'%s' line %llu: seed '%s' is not txid or txid:vout (address seeds "
                            "are not supported by the reference)",
                            c.path, ln, sd);
            break;
        }
        s->vout = NONE;
        if (colon) {
            char *end;
            errno = 0;
            unsigned long v = strtoul(colon + 1, &end, 10);
            if (errno || *end || end == colon + 1 || v >= NONE) {
                st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: bad vout in seed '%s'",
                                c.path, ln, sd);
                break;
            }
            s->vout = (uint32_t)v;
        }
        if (*c.field[idx[4]]) {
            ft_u128 a;
            if (ft_amount_parse(&a, c.field[idx[4]], FT_BTC_DECIMALS) != FT_OK || a > UINT64_MAX) {
                st = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: bad amount '%s'", c.path, ln,
                                c.field[idx[4]]);
                break;
            }
            s->has_amount = 1;
            s->amount = (uint64_t)a;
        }
        r->n_seeds++;
    }
    if (st == FT_OK && rc < 0)
        st = ft_err_set(err, FT_ERR_IO, "cannot read '%s'", c.path);
    if (st == FT_ERR_NOMEM)
        ft_err_set(err, st, "out of memory reading '%s'", c.path);
    csv_close(&c);
    smap_free(&names);
    if (st == FT_OK && res->n_incidents == 0)
        st = ft_err_set(err, FT_ERR_PARSE, "'%s/incidents.csv' holds no incident", truth);
    if (st == FT_OK) {
        qsort(r->seeds, r->n_seeds, sizeof *r->seeds, cmp_seed);
        size_t kept = 0; /* a row repeated for the same incident counts once */
        for (size_t i = 0; i < r->n_seeds; i++)
            if (kept == 0 || cmp_seed(&r->seeds[kept - 1], &r->seeds[i]) != 0)
                r->seeds[kept++] = r->seeds[i];
        r->n_seeds = kept;
        res->summary = calloc(res->n_incidents * FT_REFTAINT_MODELS, sizeof *res->summary);
        if (!res->summary)
            st = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
    }
    return st;
}

/* ---- crediting taint ---------------------------------------------------------------------- */

static ft_status out_classify(run *r, const ft_btc_txout *o, outinfo *oi)
{
    if (oi->known)
        return FT_OK;
    oi->known = 1;
    oi->cat = CAT_NONE;
    oi->addr[0] = '\0';
    ft_addr_key key;
    ft_btc_script_classify(o->script, o->script_len, &key);
    if (key.len == 0 || ft_btc_address_encode(oi->addr, &key, r->net) != FT_OK) {
        oi->addr[0] = '\0';
        return FT_OK;
    }
    uint32_t v;
    if (smap_get(&r->label, oi->addr, &v)) {
        oi->cat = (int)(v % 8);
        oi->entity = v / 8;
    } else if (smap_get(&r->owner, oi->addr, &v)) {
        oi->cat = r->ent_cat[v];
        oi->entity = v;
    }
    return FT_OK;
}

static ft_status flow_add(run *r, uint32_t track, const outinfo *oi, uint64_t amount, uint32_t hop,
                          int64_t time)
{
    ft_reftaint_result *res = r->res;
    char key[FT_BTC_ADDR_STR_MAX + 16];
    snprintf(key, sizeof key, "%u:%s", track, oi->addr);
    uint32_t fi;
    if (!smap_get(&r->flowmap, key, &fi)) {
        if (res->n_flows == res->cap_flows) {
            size_t nc = res->cap_flows ? res->cap_flows * 2 : 256;
            ft_reftaint_flow *nf = realloc(res->flows, nc * sizeof *nf);
            if (!nf)
                return FT_ERR_NOMEM;
            res->flows = nf;
            res->cap_flows = nc;
        }
        fi = (uint32_t)res->n_flows++;
        ft_reftaint_flow *f = &res->flows[fi];
        memset(f, 0, sizeof *f);
        f->incident = track / FT_REFTAINT_MODELS;
        f->model = track % FT_REFTAINT_MODELS;
        snprintf(f->category, sizeof f->category, "%s", cat_names[oi->cat]);
        snprintf(f->entity, sizeof f->entity, "%s", r->ents[oi->entity]);
        snprintf(f->address, sizeof f->address, "%s", oi->addr);
        f->hops = hop;
        f->first_time = time;
        f->last_tx = UINT64_MAX;
        ft_status st = smap_put(&r->flowmap, key, fi);
        if (st != FT_OK)
            return st;
    }
    ft_reftaint_flow *f = &res->flows[fi];
    f->amount += amount;
    if (hop < f->hops)
        f->hops = hop;
    f->last_time = time;
    if (f->last_tx != r->tx_no) {
        f->tx_count++;
        f->last_tx = r->tx_no;
    }
    return FT_OK;
}

/* Output k of the current tx receives `taint` (> 0) of track at hop; tape for fifo. */
static ft_status deliver(run *r, const ft_btc_tx *tx, uint32_t k, uint32_t track, uint64_t taint,
                         uint32_t hop, const ft_reftaint_tape *tape, int64_t time)
{
    ft_reftaint_summary *sum = &r->res->summary[track];
    outinfo *oi = &r->oi[k];
    ft_status st = out_classify(r, &tx->out[k], oi);
    if (st != FT_OK)
        return st;
    if (oi->cat != CAT_NONE) {
        switch (oi->cat) {
        case CAT_EXCHANGE: sum->to_exchange += taint; break;
        case CAT_MIXER: sum->to_mixer += taint; break;
        case CAT_BRIDGE: sum->to_bridge += taint; break;
        default: sum->to_other += taint; break; /* otc, payment */
        }
        return flow_add(r, track, oi, taint, hop, time);
    }
    if (hop >= r->opts->max_hops) {
        sum->hop_limit += taint;
        return FT_OK;
    }
    for (uint32_t i = oi->rec; i != NONE; i = r->pool.r[i].next)
        if (r->pool.r[i].track == track)
            return FT_ERR_STATE; /* one record per track and output, by construction */
    uint32_t ri = rec_new(&r->pool);
    if (ri == NONE)
        return FT_ERR_NOMEM;
    rec *rc = &r->pool.r[ri];
    memset(rc, 0, sizeof *rc);
    rc->track = track;
    rc->hop = hop;
    rc->taint = taint;
    if (tape && tape->n) {
        rc->tape.seg = malloc(tape->n * sizeof *tape->seg);
        if (!rc->tape.seg) {
            rec_free(&r->pool, ri);
            return FT_ERR_NOMEM;
        }
        memcpy(rc->tape.seg, tape->seg, tape->n * sizeof *tape->seg);
        rc->tape.n = rc->tape.cap = tape->n;
    }
    rc->next = oi->rec;
    oi->rec = ri;
    return FT_OK;
}

/* ---- one transaction ----------------------------------------------------------------------- */

static ft_status scratch_reserve(run *r, size_t n_in, size_t n_out)
{
    if (n_in > r->cap_in) {
        size_t nc = n_in * 2;
        void *a = realloc(r->in, nc * sizeof *r->in);
        if (!a)
            return FT_ERR_NOMEM;
        r->in = a;
        a = realloc(r->in_tapes, nc * sizeof *r->in_tapes);
        if (!a)
            return FT_ERR_NOMEM;
        r->in_tapes = a;
        a = realloc(r->clean_seg, nc * sizeof *r->clean_seg);
        if (!a)
            return FT_ERR_NOMEM;
        r->clean_seg = a;
        r->cap_in = nc;
    }
    if (n_out > r->cap_out) {
        size_t nc = n_out * 2;
        void *a = realloc(r->w, nc * sizeof *r->w);
        if (!a)
            return FT_ERR_NOMEM;
        r->w = a;
        a = realloc(r->out_t, nc * sizeof *r->out_t);
        if (!a)
            return FT_ERR_NOMEM;
        r->out_t = a;
        a = realloc(r->oi, nc * sizeof *r->oi);
        if (!a)
            return FT_ERR_NOMEM;
        r->oi = a;
        a = realloc(r->out_tapes, nc * sizeof *r->out_tapes);
        if (!a)
            return FT_ERR_NOMEM;
        r->out_tapes = a;
        for (size_t k = r->cap_out; k < nc; k++)
            ft_reftaint_tape_init(&r->out_tapes[k]);
        r->cap_out = nc;
    }
    return FT_OK;
}

/* The record of track on input i, or NULL. */
static const rec *input_rec(const run *r, size_t i, uint32_t track)
{
    for (uint32_t x = r->in[i].rec; x != NONE; x = r->pool.r[x].next)
        if (r->pool.r[x].track == track)
            return &r->pool.r[x];
    return NULL;
}

static ft_status apply_track(run *r, const ft_btc_tx *tx, uint32_t track, int64_t time,
                             uint64_t V, uint64_t fee, char *txhex, ft_err *err)
{
    int model = (int)(track % FT_REFTAINT_MODELS);
    size_t n = tx->n_in, m = tx->n_out;
    uint64_t T = 0, fee_t = 0;
    uint32_t hop = NONE;
    for (size_t i = 0; i < n; i++) {
        const rec *x = input_rec(r, i, track);
        if (x) {
            T += x->taint;
            if (x->hop < hop)
                hop = x->hop;
        }
    }
    if (T == 0)
        return FT_OK;
    hop++;
    r->res->tainted_txs[model]++;
    ft_status st = FT_OK;
    if (model == FT_REFTAINT_POISON) {
        ft_reftaint_poison(1, r->w, m, fee, r->out_t, &fee_t);
    } else if (model == FT_REFTAINT_HAIRCUT) {
        st = ft_reftaint_haircut(T, V, r->w, m, r->out_t, &fee_t);
    } else {
        for (size_t i = 0; i < n; i++) {
            const rec *x = input_rec(r, i, track);
            if (x) {
                r->in_tapes[i] = x->tape;
            } else {
                r->clean_seg[i].len = r->in[i].value;
                r->clean_seg[i].tainted = 0;
                r->in_tapes[i].seg = &r->clean_seg[i];
                r->in_tapes[i].n = r->in_tapes[i].cap = r->in[i].value ? 1 : 0;
            }
        }
        st = ft_reftaint_fifo(r->in_tapes, n, r->w, m, r->out_tapes, &r->fee_tape);
        for (size_t k = 0; st == FT_OK && k < m; k++)
            r->out_t[k] = ft_reftaint_tape_tainted(&r->out_tapes[k]);
        fee_t = ft_reftaint_tape_tainted(&r->fee_tape);
    }
    if (st == FT_ERR_NOMEM)
        return ft_err_set(err, st, "out of memory");
    if (st != FT_OK)
        return ft_err_set(err, FT_ERR_STATE, "%s split failed in tx %s", ft_reftaint_model_name(model),
                          txhex);
    if (model != FT_REFTAINT_POISON) {
        ft_u128 s = fee_t;
        for (size_t k = 0; k < m; k++)
            s += r->out_t[k];
        if (s != T)
            return ft_err_set(err, FT_ERR_STATE, "%s does not conserve in tx %s",
                              ft_reftaint_model_name(model), txhex);
    }
    r->res->summary[track].fees += fee_t;
    for (size_t k = 0; k < m; k++) {
        if (r->out_t[k] == 0)
            continue;
        st = deliver(r, tx, (uint32_t)k, track, r->out_t[k], hop,
                     model == FT_REFTAINT_FIFO ? &r->out_tapes[k] : NULL, time);
        if (st == FT_ERR_STATE)
            return ft_err_set(err, st, "output %s:%zu tainted twice for one track", txhex, k);
        if (st != FT_OK)
            return ft_err_set(err, st, "out of memory");
    }
    return FT_OK;
}

static ft_status do_seeds(run *r, const ft_btc_tx *tx, int64_t time, char *txhex, ft_err *err)
{
    /* first seed row of this txid (seeds are sorted by txid, then vout) */
    size_t lo = 0, hi = r->n_seeds;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (memcmp(r->seeds[mid].txid, tx->txid, 32) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t s = lo; s < r->n_seeds && memcmp(r->seeds[s].txid, tx->txid, 32) == 0; s++) {
        seed *sd = &r->seeds[s];
        if (sd->vout != NONE && sd->vout >= tx->n_out)
            return ft_err_set(err, FT_ERR_PARSE, "seed %s:%u: the tx has %u outputs", txhex,
                              sd->vout, tx->n_out);
        if (sd->has_amount && sd->vout != NONE && tx->out[sd->vout].value != sd->amount)
            return ft_err_set(err, FT_ERR_PARSE,
                              "seed %s:%u: amount in incidents.csv differs from the output's value",
                              txhex, sd->vout);
        sd->found = 1;
        uint32_t k0 = sd->vout == NONE ? 0 : sd->vout, k1 = sd->vout == NONE ? tx->n_out : sd->vout + 1;
        for (uint32_t k = k0; k < k1; k++) {
            uint64_t v = tx->out[k].value;
            if (v == 0)
                continue;
            uint32_t base = sd->incident * FT_REFTAINT_MODELS;
            ft_reftaint_tape tape;
            ft_reftaint_seg seg = {v, 1};
            tape.seg = &seg;
            tape.n = tape.cap = 1;
            for (uint32_t model = 0; model < FT_REFTAINT_MODELS; model++) {
                r->res->summary[base + model].stolen += v;
                ft_status st = deliver(r, tx, k, base + model, v, 0,
                                       model == FT_REFTAINT_FIFO ? &tape : NULL, time);
                if (st == FT_ERR_STATE)
                    return ft_err_set(err, st, "seed output %s:%u is already tainted by its incident",
                                      txhex, k);
                if (st != FT_OK)
                    return ft_err_set(err, st, "out of memory");
            }
        }
    }
    return FT_OK;
}

static ft_status do_tx(run *r, const ft_btc_tx *tx, int64_t time, uint32_t height, ft_err *err)
{
    char txhex[65];
    ft_hex_encode_rev(txhex, tx->txid, 32);
    int coinbase = ft_btc_tx_is_coinbase(tx);
    size_t n = coinbase ? 0 : tx->n_in, m = tx->n_out;
    ft_status st = scratch_reserve(r, n ? n : 1, m ? m : 1);
    if (st != FT_OK)
        return ft_err_set(err, st, "out of memory");
    r->tx_no++;
    uint64_t V = 0, W = 0;
    size_t n_tracks = 0;
    for (size_t i = 0; i < n; i++) {
        if (!utxo_take(&r->utxo, tx->in[i].prev_txid, tx->in[i].prev_vout, &r->in[i])) {
            char prev[65];
            ft_hex_encode_rev(prev, tx->in[i].prev_txid, 32);
            return ft_err_set(err, FT_ERR_PARSE,
                              "tx %s at height %u spends %s:%u, which is not an unspent output",
                              txhex, height, prev, tx->in[i].prev_vout);
        }
        V += r->in[i].value;
        for (uint32_t x = r->in[i].rec; x != NONE; x = r->pool.r[x].next) {
            uint32_t t = r->pool.r[x].track;
            size_t j = 0;
            while (j < n_tracks && r->tracks[j] != t)
                j++;
            if (j == n_tracks) {
                if (n_tracks == r->cap_tracks) {
                    size_t nc = r->cap_tracks ? r->cap_tracks * 2 : 64;
                    void *a = realloc(r->tracks, nc * sizeof *r->tracks);
                    if (!a)
                        return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
                    r->tracks = a;
                    r->cap_tracks = nc;
                }
                r->tracks[n_tracks++] = t;
            }
        }
    }
    for (size_t k = 0; k < m; k++) {
        r->w[k] = tx->out[k].value;
        W += r->w[k];
        r->oi[k].known = 0;
        r->oi[k].rec = NONE;
    }
    if (!coinbase && W > V)
        return ft_err_set(err, FT_ERR_PARSE, "tx %s at height %u pays more than its inputs",
                          txhex, height);
    uint64_t fee = coinbase ? 0 : V - W;
    /* tracks in ascending order: deterministic record order */
    for (size_t a = 1; a < n_tracks; a++)
        for (size_t b = a; b > 0 && r->tracks[b - 1] > r->tracks[b]; b--) {
            uint32_t t = r->tracks[b];
            r->tracks[b] = r->tracks[b - 1];
            r->tracks[b - 1] = t;
        }
    for (size_t j = 0; j < n_tracks; j++)
        if ((st = apply_track(r, tx, r->tracks[j], time, V, fee, txhex, err)) != FT_OK)
            return st;
    if (r->n_seeds && (st = do_seeds(r, tx, time, txhex, err)) != FT_OK)
        return st;
    /* the inputs' records are consumed */
    for (size_t i = 0; i < n; i++)
        for (uint32_t x = r->in[i].rec; x != NONE;) {
            uint32_t nx = r->pool.r[x].next;
            rec_free(&r->pool, x);
            x = nx;
        }
    for (size_t k = 0; k < m; k++)
        if ((st = utxo_add(&r->utxo, tx->txid, (uint32_t)k, tx->out[k].value, r->oi[k].rec)) != FT_OK)
            return ft_err_set(err, st, st == FT_ERR_NOMEM ? "out of memory"
                                                          : "duplicate output %s:%zu", txhex, k);
    r->res->n_txs++;
    return FT_OK;
}

/* ---- the run --------------------------------------------------------------------------------- */

static int cmp_flow(const void *a, const void *b)
{
    const ft_reftaint_flow *x = a, *y = b;
    if (x->incident != y->incident)
        return x->incident < y->incident ? -1 : 1;
    if (x->model != y->model)
        return x->model < y->model ? -1 : 1;
    if (x->amount != y->amount)
        return x->amount > y->amount ? -1 : 1;
    return strcmp(x->address, y->address);
}

static void run_release(run *r)
{
    smap_free(&r->label);
    smap_free(&r->owner);
    smap_free(&r->ent);
    smap_free(&r->flowmap);
    free(r->ents);
    free(r->ent_cat);
    free(r->seeds);
    free(r->utxo.slot);
    for (uint32_t i = 0; i < r->pool.n; i++)
        free(r->pool.r[i].tape.seg); /* freed records have seg NULL */
    free(r->pool.r);
    free(r->in);
    free(r->w);
    free(r->out_t);
    free(r->oi);
    for (size_t k = 0; k < r->cap_out; k++)
        ft_reftaint_tape_release(&r->out_tapes[k]);
    free(r->out_tapes);
    free(r->in_tapes);
    ft_reftaint_tape_release(&r->fee_tape);
    free(r->clean_seg);
    free(r->tracks);
}

ft_status ft_reftaint_run(ft_reftaint_result *res, const char *chain_dir,
                          const ft_reftaint_opts *opts, ft_err *err)
{
    memset(res, 0, sizeof *res);
    ft_reftaint_opts defaults = {FT_REFTAINT_NO_HOP_LIMIT};
    run r;
    memset(&r, 0, sizeof r);
    r.res = res;
    r.opts = opts ? opts : &defaults;
    r.net = ft_btc_params_get(FT_BTC_REGTEST);
    r.pool.free_head = NONE;
    char truth[4200], blocks[4200];
    snprintf(truth, sizeof truth, "%s/truth", chain_dir);
    snprintf(blocks, sizeof blocks, "%s/blocks", chain_dir);

    ft_btc_blkfiles *bf = NULL;
    ft_status st = load_labels(&r, truth, err);
    if (st == FT_OK)
        st = load_owners(&r, truth, err);
    if (st == FT_OK)
        st = load_incidents(&r, truth, err);
    if (st == FT_OK)
        st = ft_btc_blkfiles_open(&bf, blocks, r.net, err);
    uint32_t tip = st == FT_OK ? ft_btc_blkfiles_tip(bf) : 0;
    for (uint32_t h = 0; st == FT_OK && h <= tip; h++) {
        uint8_t *data = NULL;
        size_t len = 0;
        ft_btc_block b;
        if ((st = ft_btc_blkfiles_read(bf, h, &data, &len, err)) != FT_OK)
            break;
        if ((st = ft_btc_block_parse(&b, data, len, err)) != FT_OK) {
            free(data);
            ft_err_prefix(err, "block at height %u", h);
            break;
        }
        for (uint32_t i = 0; st == FT_OK && i < b.n_tx; i++)
            st = do_tx(&r, &b.txs[i], (int64_t)b.header.time, h, err);
        ft_btc_block_release(&b);
        free(data);
    }
    if (bf)
        ft_btc_blkfiles_close(bf);
    for (size_t s = 0; st == FT_OK && s < r.n_seeds; s++)
        if (!r.seeds[s].found) {
            char txhex[65];
            ft_hex_encode_rev(txhex, r.seeds[s].txid, 32);
            st = ft_err_set(err, FT_ERR_PARSE, "seed %s of incident '%s' is not in the chain",
                            txhex, res->incidents[r.seeds[s].incident]);
        }
    /* what is still in the table is unspent */
    for (size_t i = 0; st == FT_OK && i < r.utxo.cap; i++)
        if (r.utxo.slot[i].vout1)
            for (uint32_t x = r.utxo.slot[i].rec; x != NONE; x = r.pool.r[x].next)
                res->summary[r.pool.r[x].track].unspent += r.pool.r[x].taint;
    for (size_t i = 0; st == FT_OK && i < res->n_incidents; i++)
        for (int model = FT_REFTAINT_HAIRCUT; model <= FT_REFTAINT_FIFO; model++) {
            const ft_reftaint_summary *s = &res->summary[i * FT_REFTAINT_MODELS + (size_t)model];
            ft_u128 acc = s->to_exchange + s->to_mixer + s->to_bridge + s->to_other + s->unspent +
                          s->fees + s->below_threshold + s->hop_limit;
            if (acc != s->stolen) {
                char a[FT_AMOUNT_STR_MAX], b[FT_AMOUNT_STR_MAX];
                ft_amount_format(a, s->stolen, FT_BTC_DECIMALS);
                ft_amount_format(b, acc, FT_BTC_DECIMALS);
                st = ft_err_set(err, FT_ERR_STATE,
                                "%s does not conserve for incident '%s': stolen %s, accounted %s",
                                ft_reftaint_model_name(model), res->incidents[i], a, b);
            }
        }
    if (st == FT_OK)
        qsort(res->flows, res->n_flows, sizeof *res->flows, cmp_flow);
    run_release(&r);
    return st;
}

/* ---- output ------------------------------------------------------------------------------------ */

/* An RFC 4180 cell with the spreadsheet-formula guard of ARCHITECTURE.md section 6. */
static void put_cell(FILE *f, const char *s)
{
    int guard = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
                s[0] == '\r';
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (guard)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    if (quote)
        fputc('"', f);
}

static void put_amount(FILE *f, ft_u128 v)
{
    char a[FT_AMOUNT_STR_MAX];
    ft_amount_format(a, v, FT_BTC_DECIMALS);
    fputc(',', f);
    fputs(a, f);
}

static ft_status close_checked(FILE *f, const char *path, ft_err *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return ft_err_set(err, FT_ERR_IO, "cannot write '%s'", path);
    return FT_OK;
}

ft_status ft_reftaint_write(const ft_reftaint_result *res, const char *truth_dir, ft_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/expected_summary.csv", truth_dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return ft_err_set(err, FT_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    fputs("incident,model,chain,asset,stolen,to_exchange,to_mixer,to_bridge,to_other,unspent,"
          "fees,below_threshold,hop_limit\n",
          f);
    for (size_t i = 0; i < res->n_incidents; i++)
        for (int model = 0; model < FT_REFTAINT_MODELS; model++) {
            const ft_reftaint_summary *s = &res->summary[i * FT_REFTAINT_MODELS + (size_t)model];
            put_cell(f, res->incidents[i]);
            fprintf(f, ",%s,bitcoin,BTC", ft_reftaint_model_name(model));
            put_amount(f, s->stolen);
            put_amount(f, s->to_exchange);
            put_amount(f, s->to_mixer);
            put_amount(f, s->to_bridge);
            put_amount(f, s->to_other);
            put_amount(f, s->unspent);
            put_amount(f, s->fees);
            put_amount(f, s->below_threshold);
            put_amount(f, s->hop_limit);
            fputc('\n', f);
        }
    ft_status st = close_checked(f, path, err);
    if (st != FT_OK)
        return st;

    snprintf(path, sizeof path, "%s/expected_flows.csv", truth_dir);
    f = fopen(path, "w");
    if (!f)
        return ft_err_set(err, FT_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    fputs("incident,model,chain,asset,category,entity,address,amount,amount_usd,hops,first_time,"
          "last_time,tx_count\n",
          f);
    for (size_t i = 0; i < res->n_flows; i++) {
        const ft_reftaint_flow *fl = &res->flows[i];
        char t0[FT_TIME_ISO8601_MAX], t1[FT_TIME_ISO8601_MAX];
        put_cell(f, res->incidents[fl->incident]);
        fprintf(f, ",%s,bitcoin,BTC,", ft_reftaint_model_name((int)fl->model));
        put_cell(f, fl->category);
        fputc(',', f);
        put_cell(f, fl->entity);
        fputc(',', f);
        put_cell(f, fl->address);
        put_amount(f, fl->amount);
        fprintf(f, ",,%u,%s,%s,%llu\n", fl->hops, ft_time_iso8601(t0, fl->first_time),
                ft_time_iso8601(t1, fl->last_time), (unsigned long long)fl->tx_count);
    }
    return close_checked(f, path, err);
}

void ft_reftaint_result_release(ft_reftaint_result *res)
{
    free(res->incidents);
    free(res->summary);
    free(res->flows);
    memset(res, 0, sizeof *res);
}
