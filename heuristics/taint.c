/*
 * taint.c — the taint model table and the per-transaction rules (semantics in taint.h and
 * docs/methodology.md). Ledger model: UTXO.
 *
 * haircut uses 128-bit products T·C_k (both below 2^64, so the product fits) and the
 * cumulative floor (two shortcuts with the same results: T = V gives every part in full, and
 * T·V < 2^64 lets the floors be taken in 64 bits), so each part is within one base unit of its exact share, never above its
 * own value, and the parts sum to T exactly: no base unit of taint is created or lost.
 * fifo walks the input tape once with a cursor (segment index, units used in it), cutting
 * it at the output boundaries; every cut adds at most one segment, hence the n_in + m + 1
 * capacity. Invariant on return: each part's segments sum to its value, merged by kind.
 */
#include "heuristics/taint.h"

#include <string.h>

#include "engine/amount.h"

#include "engine/banned.h"

static const ft_taint_model_info models[FT_TAINT_MODELS] = {
    [FT_TAINT_POISON] = {"poison", 0, 1},
    [FT_TAINT_HAIRCUT] = {"haircut", 1, 1},
    [FT_TAINT_FIFO] = {"fifo", 1, 1},
    [FT_TAINT_LIFO] = {"lifo", 1, 0},
    [FT_TAINT_TIHO] = {"tiho", 1, 0},
};

const ft_taint_model_info *ft_taint_model_get(int m)
{
    return m >= 0 && m < FT_TAINT_MODELS ? &models[m] : NULL;
}

int ft_taint_model_parse(const char *s)
{
    for (int m = 0; m < FT_TAINT_MODELS; m++)
        if (strcmp(models[m].name, s) == 0)
            return m;
    return -1;
}

ft_status ft_taint_haircut(uint64_t T, uint64_t V, const uint64_t *w, size_t m, uint64_t *out_t,
                           uint64_t *fee_t)
{
    for (size_t k = 0; k < m; k++)
        out_t[k] = 0;
    *fee_t = 0;
    if (T > V)
        return FT_ERR_ARG;
    ft_u128 C = 0;
    for (size_t k = 0; k < m; k++)
        C += w[k];
    if (C > V)
        return FT_ERR_ARG;
    if (T == 0)
        return FT_OK;
    if (T == V) { /* the whole value is tainted: floor(V·C_k/V) = C_k, each part in full */
        for (size_t k = 0; k < m; k++)
            out_t[k] = w[k];
        *fee_t = (uint64_t)(V - C);
        return FT_OK;
    }
    uint64_t TV;
    if (!__builtin_mul_overflow(T, V, &TV)) {
        /* T·C_k <= T·V < 2^64: the same floors in 64 bits, no 128-bit division */
        uint64_t cum = 0, prev = 0;
        for (size_t k = 0; k < m; k++) {
            cum += w[k];
            uint64_t cur = T * cum / V;
            out_t[k] = cur - prev;
            prev = cur;
        }
        *fee_t = T - prev;
        return FT_OK;
    }
    ft_u128 cum = 0, prev = 0;
    for (size_t k = 0; k < m; k++) {
        cum += w[k];
        ft_u128 cur = (ft_u128)T * cum / V;
        out_t[k] = (uint64_t)(cur - prev);
        prev = cur;
    }
    /* the fee is the last part: C_{m+1} = V, floor(T·V/V) = T */
    *fee_t = (uint64_t)((ft_u128)T - prev);
    return FT_OK;
}

void ft_taint_poison(uint64_t T, const uint64_t *w, size_t m, uint64_t fee, uint64_t *out_t,
                     uint64_t *fee_t)
{
    for (size_t k = 0; k < m; k++)
        out_t[k] = T ? w[k] : 0;
    *fee_t = T ? fee : 0;
}

/* Appends a segment to the part that starts at out[start], merging with its last segment. */
static int seg_push(ft_taint_seg *out, size_t out_cap, size_t start, size_t *n, uint64_t len,
                    uint8_t tainted)
{
    if (len == 0)
        return 1;
    if (*n > start && out[*n - 1].tainted == tainted) {
        out[*n - 1].len += len;
        return 1;
    }
    if (*n >= out_cap)
        return 0;
    out[*n].len = len;
    out[*n].tainted = tainted;
    (*n)++;
    return 1;
}

ft_status ft_taint_fifo(const ft_taint_seg *in, size_t n_in, const uint64_t *w, size_t m,
                        ft_taint_seg *out, size_t out_cap, size_t *off, uint64_t *out_t,
                        uint64_t *fee_t)
{
    size_t si = 0, n = 0;
    uint64_t used = 0; /* units of in[si] already taken */
    *fee_t = 0;
    for (size_t k = 0; k <= m; k++) {
        off[k] = n;
        uint64_t tainted = 0;
        if (k < m) {
            uint64_t need = w[k];
            while (need > 0) {
                if (si >= n_in)
                    return FT_ERR_ARG;
                uint64_t avail = in[si].len - used;
                uint64_t take = avail < need ? avail : need;
                if (!seg_push(out, out_cap, off[k], &n, take, in[si].tainted ? 1 : 0))
                    return FT_ERR_ARG;
                if (in[si].tainted)
                    tainted += take;
                need -= take;
                used += take;
                if (used == in[si].len) {
                    si++;
                    used = 0;
                }
            }
            out_t[k] = tainted;
        } else { /* the fee: the rest of the tape */
            for (; si < n_in; si++, used = 0) {
                uint64_t take = in[si].len - used;
                if (!seg_push(out, out_cap, off[k], &n, take, in[si].tainted ? 1 : 0))
                    return FT_ERR_ARG;
                if (in[si].tainted)
                    tainted += take;
            }
            *fee_t = tainted;
        }
    }
    off[m + 1] = n;
    return FT_OK;
}
