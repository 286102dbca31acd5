/*
 * graph.c — loading the analysis graph (see graph.h) from the store.
 *
 * UTXO: read the chain record for the counts (next_tx, next_out, next_addr), allocate the
 * per-tx and per-output columns once, then one prefix scan over the tx records (0x04 chain,
 * in tx id order) decoding each with ft_query_txrec_decode and appending its inputs to the
 * growing input column. Spenders are filled from the inputs as they come (a tx only spends
 * outputs of earlier txs). Invariants checked while loading, every violation FT_ERR_CORRUPT:
 * tx ids contiguous from 0, out_off[t] = the record's first_out, out ids of inputs below the
 * spending tx's first output, each output spent at most once, address ids below next_addr.
 */
#include "engine/graph.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "engine/keys.h"
#include "engine/query.h"
#include "engine/reader.h"

#include "engine/banned.h"

#define LIMIT32 (UINT32_MAX - 1u)

void ft_graph_release(ft_graph *g)
{
    if (!g)
        return;
    if (g->borrowed) { /* arrays inside a snapshot mapping: not ours */
        memset(g, 0, sizeof *g);
        return;
    }
    free(g->tx_time);
    free(g->tx_flags);
    free(g->tx_addr_new);
    free(g->in_off);
    free(g->out_off);
    free(g->in_out);
    free(g->out_value);
    free(g->out_addr);
    free(g->out_type);
    free(g->out_spent_by);
    free(g->xfer_from);
    free(g->xfer_to);
    free(g->xfer_tx);
    free(g->xfer_time);
    ft_graph_account_free(g);
    memset(g, 0, sizeof *g);
}

size_t ft_graph_bytes(const ft_graph *g)
{
    size_t b = 0;
    if (g->model == FT_GRAPH_UTXO) {
        b += (size_t)g->n_tx * (sizeof(int64_t) + 1 + 4) + (size_t)(g->n_tx + 1) * 8;
        b += (size_t)g->n_in * 4;
        b += (size_t)g->n_out * (8 + 4 + 1 + 4);
    } else {
        b += (size_t)g->n_xfer * (4 + 4 + 4 + 8);
    }
    return b;
}

static ft_status corrupt(ft_store *st, ft_err *err, const char *what, uint64_t id)
{
    return ft_err_set(err, FT_ERR_CORRUPT, "index '%s': %s (tx %llu) while loading the graph",
                      ft_store_path(st), what, (unsigned long long)id);
}

/* Common start of both UTXO loaders: *g zeroed, model and chain set, n_tx, n_out and n_addr
 * from the chain record, after refusing a partial index (inputs of unknown value: flows
 * cannot be followed exactly) or one beyond 32-bit ids. */
static ft_status utxo_begin(ft_graph *g, ft_store *st, uint8_t chain, ft_err *err)
{
    memset(g, 0, sizeof *g);
    g->model = FT_GRAPH_UTXO;
    g->chain = chain;
    ft_query_chainrec cr;
    ft_status rc = ft_query_chain_get(st, chain, &cr, err);
    if (rc != FT_OK)
        return rc;
    if (cr.first_height > 0)
        return ft_err_set(err, FT_ERR_STATE,
                          "index '%s' is partial (it starts at block %u): the graph needs an "
                          "index from genesis",
                          ft_store_path(st), cr.first_height);
    if (cr.next_tx > LIMIT32 || cr.next_out > LIMIT32 || cr.next_addr > LIMIT32)
        return ft_err_set(err, FT_ERR_LIMIT,
                          "index '%s' is too large for 32-bit graph ids (%llu txs, %llu outputs, "
                          "%llu addresses)",
                          ft_store_path(st), (unsigned long long)cr.next_tx,
                          (unsigned long long)cr.next_out, (unsigned long long)cr.next_addr);
    g->n_tx = (uint32_t)cr.next_tx;
    g->n_out = (uint32_t)cr.next_out;
    g->n_addr = cr.next_addr ? (uint32_t)cr.next_addr : 1;
    return FT_OK;
}

ft_status ft_graph_load_utxo(ft_graph *g, ft_store *st, uint8_t chain, ft_err *err)
{
    ft_status rc = utxo_begin(g, st, chain, err);
    if (rc != FT_OK)
        return rc;
    uint32_t n_tx = g->n_tx, n_out = g->n_out;
    size_t cap_in = (size_t)n_tx * 2 + 16;
    g->tx_time = malloc(((size_t)n_tx + 1) * sizeof *g->tx_time);
    g->tx_flags = malloc((size_t)n_tx + 1);
    g->tx_addr_new = malloc(((size_t)n_tx + 1) * sizeof *g->tx_addr_new);
    g->in_off = malloc(((size_t)n_tx + 1) * sizeof *g->in_off);
    g->out_off = malloc(((size_t)n_tx + 1) * sizeof *g->out_off);
    g->in_out = malloc(cap_in * sizeof *g->in_out);
    g->out_value = malloc(((size_t)n_out + 1) * sizeof *g->out_value);
    g->out_addr = malloc(((size_t)n_out + 1) * sizeof *g->out_addr);
    g->out_type = malloc((size_t)n_out + 1);
    g->out_spent_by = malloc(((size_t)n_out + 1) * sizeof *g->out_spent_by);
    if (!g->tx_time || !g->tx_flags || !g->tx_addr_new || !g->in_off || !g->out_off ||
        !g->in_out || !g->out_value || !g->out_addr || !g->out_type || !g->out_spent_by) {
        ft_graph_release(g);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the graph of %u txs", n_tx);
    }
    for (uint32_t o = 0; o < n_out; o++)
        g->out_spent_by[o] = FT_GRAPH_NONE;

    uint8_t prefix[2] = {FT_KEY_TX, chain};
    ft_store_iter *it = ft_store_iter_new(st, prefix, 2);
    if (!it) {
        ft_graph_release(g);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for a store iterator");
    }
    const uint8_t *k, *v;
    size_t kl, vl;
    uint32_t t = 0, n_in = 0, addr_hi = 0;
    rc = FT_OK;
    while (ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        if (kl != 10 || t >= n_tx || ft_get_u64be(k + 2) != t) {
            rc = corrupt(st, err, "tx records not contiguous", t);
            break;
        }
        ft_query_txrec rec;
        rc = ft_query_txrec_decode(&rec, t, v, vl, err);
        if (rc != FT_OK) {
            ft_err_prefix(err, "index '%s'", ft_store_path(st));
            break;
        }
        uint32_t n_i = rec.coinbase ? 0 : rec.n_in;
        if (rec.first_out + (uint64_t)rec.n_out > n_out ||
            (t > 0 && rec.first_out != g->out_off[t]) || (t == 0 && rec.first_out != 0)) {
            ft_query_txrec_release(&rec);
            rc = corrupt(st, err, "output ids out of order", t);
            break;
        }
        if ((size_t)n_in + n_i > LIMIT32) {
            ft_query_txrec_release(&rec);
            rc = ft_err_set(err, FT_ERR_LIMIT, "index '%s' has more than 2^32 inputs",
                            ft_store_path(st));
            break;
        }
        if ((size_t)n_in + n_i > cap_in) {
            size_t nc = cap_in * 2 > (size_t)n_in + n_i ? cap_in * 2 : (size_t)n_in + n_i;
            uint32_t *ni = realloc(g->in_out, nc * sizeof *ni);
            if (!ni) {
                ft_query_txrec_release(&rec);
                rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for graph inputs");
                break;
            }
            g->in_out = ni;
            cap_in = nc;
        }
        g->tx_time[t] = rec.time;
        g->tx_flags[t] = rec.coinbase ? FT_GRAPH_TX_COINBASE : 0;
        g->tx_addr_new[t] = addr_hi + 1;
        g->in_off[t] = n_in;
        g->out_off[t] = (uint32_t)rec.first_out;
        int bad = 0;
        for (uint32_t i = 0; i < n_i && !bad; i++) {
            uint64_t o = rec.in[i].out_id;
            if (o >= rec.first_out || g->out_spent_by[o] != FT_GRAPH_NONE)
                bad = 1;
            else {
                g->out_spent_by[o] = t;
                g->in_out[n_in + i] = (uint32_t)o;
            }
        }
        for (uint32_t j = 0; j < rec.n_out && !bad; j++) {
            uint32_t o = (uint32_t)rec.first_out + j;
            if (rec.out[j].addr_id >= g->n_addr)
                bad = 1;
            g->out_value[o] = rec.out[j].value;
            g->out_addr[o] = (uint32_t)rec.out[j].addr_id;
            g->out_type[o] = rec.out[j].script_type;
            if (g->out_addr[o] > addr_hi)
                addr_hi = g->out_addr[o];
        }
        ft_query_txrec_release(&rec);
        if (bad) {
            rc = corrupt(st, err, "an input or output refers to an impossible id", t);
            break;
        }
        n_in += n_i;
        t++;
        g->out_off[t] = g->out_off[t - 1] + rec.n_out;
    }
    if (rc == FT_OK)
        rc = ft_store_iter_status(it, err);
    ft_store_iter_free(it);
    if (rc == FT_OK && t != n_tx)
        rc = corrupt(st, err, "fewer tx records than the chain record says", t);
    if (rc == FT_OK && n_tx > 0 && g->out_off[n_tx] != n_out)
        rc = corrupt(st, err, "output count differs from the chain record", n_tx);
    if (rc != FT_OK) {
        ft_graph_release(g);
        return rc;
    }
    if (n_tx == 0)
        g->out_off[0] = 0;
    g->in_off[n_tx] = n_in;
    g->n_in = n_in;
    return FT_OK;
}

ft_status ft_graph_from_transfers(ft_graph *g, uint8_t chain, uint32_t n_addr, uint32_t n_xfer,
                                  const uint32_t *from, const uint32_t *to, const uint32_t *tx,
                                  const int64_t *time, ft_err *err)
{
    memset(g, 0, sizeof *g);
    g->model = FT_GRAPH_ACCOUNT;
    g->chain = chain;
    g->n_addr = n_addr;
    g->n_xfer = n_xfer;
    size_t n = (size_t)n_xfer + 1;
    g->xfer_from = malloc(n * sizeof *g->xfer_from);
    g->xfer_to = malloc(n * sizeof *g->xfer_to);
    g->xfer_tx = malloc(n * sizeof *g->xfer_tx);
    g->xfer_time = malloc(n * sizeof *g->xfer_time);
    if (!g->xfer_from || !g->xfer_to || !g->xfer_tx || !g->xfer_time) {
        ft_graph_release(g);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for %u transfers", n_xfer);
    }
    for (uint32_t i = 0; i < n_xfer; i++) {
        if (from[i] >= n_addr || to[i] >= n_addr) {
            ft_graph_release(g);
            return ft_err_set(err, FT_ERR_ARG, "transfer %u names address id beyond %u", i,
                              n_addr);
        }
        g->xfer_from[i] = from[i];
        g->xfer_to[i] = to[i];
        g->xfer_tx[i] = tx ? tx[i] : i;
        g->xfer_time[i] = time ? time[i] : 0;
    }
    return FT_OK;
}

/* ---- the clustering-only load (ft_graph_load_utxo_links) -------------------------------------
 * What multi-input needs and nothing else: per tx the coinbase flag and its inputs' spent out
 * ids, per output its address. The tx records are read in place with ft_reader (no per-tx
 * allocation, values, times and script types skipped), by as many threads as OpenMP gives,
 * each scanning its own contiguous range of tx ids with its own LevelDB iterator into a
 * private input list; the lists are then concatenated in tx order (in_off by prefix sums).
 * Checks: tx ids contiguous, first_out equal to the running output count, inputs spending
 * earlier outputs, address ids below n_addr (not "spent at most once": no spent-by column). */

typedef struct links_part {
    uint32_t t0, t1;      /* tx ids [t0, t1) */
    uint32_t *in_out;     /* this part's inputs, in tx order */
    size_t n_in, cap_in;
    uint32_t *n_in_tx;    /* per tx of the part */
    uint64_t end_out;     /* first output after the part (out_off[t1], kept here: the next
                           * part owns that slot) */
    ft_status rc;
    ft_err err;
} links_part;

/* Reads one tx record's counts, inputs and output addresses into the part and the graph. */
static int links_decode(ft_graph *g, links_part *p, uint32_t t, const uint8_t *v, size_t vl)
{
    ft_reader r;
    ft_reader_init(&r, v, vl);
    uint8_t ver, flags;
    uint64_t x, first_out, n_i, n_o;
    if (!ft_reader_u8(&r, &ver) || ver != 1 || !ft_reader_skip(&r, 32) ||
        !ft_reader_compact(&r, UINT32_MAX, &x) || !ft_reader_compact(&r, INT64_MAX, &x) ||
        !ft_reader_u8(&r, &flags) || (flags & ~3u) != 0)
        return 0;
    if ((flags & 2) && !ft_reader_compact(&r, UINT64_MAX, &x))
        return 0;
    if (!ft_reader_compact(&r, UINT64_MAX, &first_out))
        return 0;
    int coinbase = flags & 1;
    if (coinbase ? !ft_reader_compact(&r, UINT32_MAX, &n_i) : !ft_reader_count(&r, 5, &n_i))
        return 0;
    if (!ft_reader_count(&r, 3, &n_o) || n_o > UINT32_MAX)
        return 0;
    if (coinbase)
        n_i = 0;
    if (first_out > g->n_out || n_o > g->n_out - first_out || n_i > UINT32_MAX ||
        g->out_off[t] != first_out)
        return 0;
    if (p->n_in + n_i > p->cap_in) {
        size_t nc = p->cap_in * 2 > p->n_in + n_i ? p->cap_in * 2 : p->n_in + n_i;
        uint32_t *ni = realloc(p->in_out, nc * sizeof *ni);
        if (!ni)
            return -1;
        p->in_out = ni;
        p->cap_in = nc;
    }
    for (uint64_t i = 0; i < n_i; i++) {
        uint64_t prev_tx, vout, out_id, value, addr;
        if (!ft_reader_compact(&r, UINT64_MAX, &prev_tx) ||
            !ft_reader_compact(&r, UINT32_MAX, &vout) ||
            !ft_reader_compact(&r, UINT64_MAX, &out_id) || out_id >= first_out ||
            !ft_reader_compact(&r, UINT64_MAX, &value) || !ft_reader_compact(&r, UINT64_MAX, &addr))
            return 0; /* an unresolved input (partial index) has out_id >= first_out too */
        p->in_out[p->n_in + i] = (uint32_t)out_id;
    }
    for (uint64_t j = 0; j < n_o; j++) {
        uint64_t value, addr;
        uint8_t type;
        if (!ft_reader_compact(&r, UINT64_MAX, &value) || !ft_reader_compact(&r, UINT64_MAX, &addr) ||
            !ft_reader_u8(&r, &type) || addr >= g->n_addr)
            return 0;
        g->out_addr[first_out + j] = (uint32_t)addr;
    }
    if (r.left != 0)
        return 0;
    g->tx_flags[t] = coinbase ? FT_GRAPH_TX_COINBASE : 0;
    if (t + 1 < p->t1)
        g->out_off[t + 1] = (uint32_t)(first_out + n_o);
    else
        p->end_out = first_out + n_o;
    p->n_in_tx[t - p->t0] = (uint32_t)n_i;
    p->n_in += n_i;
    return 1;
}

static void links_scan(ft_graph *g, ft_store *st, uint8_t chain, links_part *p)
{
    uint8_t prefix[2] = {FT_KEY_TX, chain}, start[10] = {FT_KEY_TX, chain};
    ft_put_u64be(start + 2, p->t0);
    ft_store_iter *it = ft_store_iter_new_from(st, prefix, 2, start, sizeof start);
    if (!it) {
        p->rc = ft_err_set(&p->err, FT_ERR_NOMEM, "out of memory for a store iterator");
        return;
    }
    const uint8_t *k, *v;
    size_t kl, vl;
    uint32_t t = p->t0;
    while (t < p->t1 && ft_store_iter_next(it, &k, &kl, &v, &vl)) {
        if (kl != 10 || ft_get_u64be(k + 2) != t) {
            p->rc = corrupt(st, &p->err, "tx records not contiguous", t);
            break;
        }
        int ok = links_decode(g, p, t, v, vl);
        if (ok < 0) {
            p->rc = ft_err_set(&p->err, FT_ERR_NOMEM, "out of memory for graph inputs");
            break;
        }
        if (!ok) {
            p->rc = corrupt(st, &p->err, "corrupt tx record or impossible id", t);
            break;
        }
        t++;
    }
    if (p->rc == FT_OK)
        p->rc = ft_store_iter_status(it, &p->err);
    ft_store_iter_free(it);
    if (p->rc == FT_OK && t != p->t1)
        p->rc = corrupt(st, &p->err, "fewer tx records than the chain record says", t);
}

ft_status ft_graph_load_utxo_links(ft_graph *g, ft_store *st, uint8_t chain, ft_err *err)
{
    ft_status rc = utxo_begin(g, st, chain, err);
    if (rc != FT_OK)
        return rc;
    uint32_t n_tx = g->n_tx, n_out = g->n_out;
    g->tx_flags = malloc((size_t)n_tx + 1);
    g->in_off = malloc(((size_t)n_tx + 1) * sizeof *g->in_off);
    g->out_off = malloc(((size_t)n_tx + 1) * sizeof *g->out_off);
    g->out_addr = malloc(((size_t)n_out + 1) * sizeof *g->out_addr);
    int np = omp_get_max_threads();
    if (np < 1)
        np = 1;
    if ((uint32_t)np > n_tx / 1024 + 1)
        np = (int)(n_tx / 1024 + 1);
    links_part *parts = calloc((size_t)np, sizeof *parts);
    if (!g->tx_flags || !g->in_off || !g->out_off || !g->out_addr || !parts) {
        free(parts);
        ft_graph_release(g);
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the graph of %u txs", n_tx);
    }
    /* A part needs out_off[t0] before it starts: it reads it from its first record (a point
     * lookup), then checks every record's first_out against its running count; the joins
     * between parts are checked after. */
    for (int k = 0; k < np; k++) {
        links_part *p = &parts[k];
        p->t0 = (uint32_t)((uint64_t)n_tx * (uint64_t)k / (uint64_t)np);
        p->t1 = (uint32_t)((uint64_t)n_tx * (uint64_t)(k + 1) / (uint64_t)np);
        p->cap_in = ((size_t)(p->t1 - p->t0)) * 2 + 16;
        p->in_out = malloc(p->cap_in * sizeof *p->in_out);
        p->n_in_tx = malloc(((size_t)(p->t1 - p->t0) + 1) * sizeof *p->n_in_tx);
        if (!p->in_out || !p->n_in_tx)
            rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for the graph of %u txs", n_tx);
    }
    if (rc == FT_OK) {
#pragma omp parallel for schedule(static, 1) num_threads(np)
        for (int k = 0; k < np; k++) {
            links_part *p = &parts[k];
            if (p->t0 == p->t1)
                continue;
            /* out_off[t0]: the first output of the part's first tx, read from its record */
            uint8_t key[10] = {FT_KEY_TX, chain};
            ft_put_u64be(key + 2, p->t0);
            uint8_t *v = NULL;
            size_t vl = 0;
            ft_status gs = ft_store_get(st, key, sizeof key, &v, &vl, &p->err);
            ft_reader r;
            ft_reader_init(&r, v, vl);
            uint8_t ver, flags;
            uint64_t x, fo = 0;
            int ok = gs == FT_OK && ft_reader_u8(&r, &ver) && ft_reader_skip(&r, 32) &&
                     ft_reader_compact(&r, UINT32_MAX, &x) &&
                     ft_reader_compact(&r, INT64_MAX, &x) && ft_reader_u8(&r, &flags) &&
                     (!(flags & 2) || ft_reader_compact(&r, UINT64_MAX, &x)) &&
                     ft_reader_compact(&r, UINT64_MAX, &fo) && fo <= n_out &&
                     (p->t0 > 0 || fo == 0);
            free(v);
            if (!ok) {
                p->rc = gs == FT_ERR_IO ? gs : corrupt(st, &p->err, "missing or corrupt tx record", p->t0);
                continue;
            }
            g->out_off[p->t0] = (uint32_t)fo;
            links_scan(g, st, chain, p);
        }
        for (int k = 0; k < np && rc == FT_OK; k++)
            if (parts[k].rc != FT_OK) {
                rc = parts[k].rc;
                *err = parts[k].err;
            }
    }
    /* parts join: where a part ends, the next one starts (parts are never empty: np is at
     * most n_tx / 1024 + 1) */
    for (int k = 0; k + 1 < np && rc == FT_OK; k++)
        if (parts[k].end_out != g->out_off[parts[k + 1].t0])
            rc = corrupt(st, err, "output ids out of order", parts[k + 1].t0);
    if (rc == FT_OK && n_tx > 0) {
        g->out_off[n_tx] = (uint32_t)parts[np - 1].end_out;
        if (parts[np - 1].end_out != n_out)
            rc = corrupt(st, err, "output count differs from the chain record", n_tx);
    }
    size_t n_in = 0;
    for (int k = 0; k < np && rc == FT_OK; k++)
        n_in += parts[k].n_in;
    if (rc == FT_OK && n_in > LIMIT32)
        rc = ft_err_set(err, FT_ERR_LIMIT, "index '%s' has more than 2^32 inputs",
                        ft_store_path(st));
    if (rc == FT_OK && !(g->in_out = malloc((n_in + 1) * sizeof *g->in_out)))
        rc = ft_err_set(err, FT_ERR_NOMEM, "out of memory for graph inputs");
    if (rc == FT_OK) {
        uint32_t off = 0;
        for (int k = 0; k < np; k++) {
            links_part *p = &parts[k];
            if (p->n_in)
                memcpy(g->in_out + off, p->in_out, p->n_in * sizeof *p->in_out);
            for (uint32_t t = p->t0; t < p->t1; t++) {
                g->in_off[t] = off;
                off += p->n_in_tx[t - p->t0];
            }
        }
        g->in_off[n_tx] = off;
        g->n_in = off;
        if (n_tx == 0)
            g->out_off[0] = 0;
    }
    for (int k = 0; k < np; k++) {
        free(parts[k].in_out);
        free(parts[k].n_in_tx);
    }
    free(parts);
    if (rc != FT_OK)
        ft_graph_release(g);
    return rc;
}
