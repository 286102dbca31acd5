/*
 * wallet.c — entities, addresses, wallets, coin selection and the send primitive.
 *
 * An address is created with its key: address i signs with key i (keys.c), so the table
 * stores only the public part. A wallet holds unspent coins in an unordered array (removal is
 * swap-with-last); selection scans from a random start and takes spendable coins until the
 * target is covered, which mixes old and new coins like real wallets do.
 *
 * ft_gen_send_tx is the one place that makes a transaction: it prices the fee from the input
 * and output types (largest signature sizes, so the estimate is an upper bound), places the
 * change, checks the open block has room and budget, signs, appends the tx to the block and
 * delivers every output coin to its wallet. It has no side effect before it knows the tx will
 * be made: a soft failure (FT_ERR_LIMIT) leaves the caller's coins to be returned.
 */
#include "datasets/gen/world.h"

#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/address.h"
#include "datasets/gen/incidents.h"
#include "datasets/gen/truth.h"
#include "engine/hash.h"
#include "engine/utxo.h"
#include "engine/banned.h"

static const char *const kind_names[FT_GEN_E_KIND_COUNT] = {
    [FT_GEN_E_USER] = "user",         [FT_GEN_E_EXCHANGE] = "exchange",
    [FT_GEN_E_MINER] = "miner",       [FT_GEN_E_MERCHANT] = "merchant",
    [FT_GEN_E_MIXER] = "mixer",       [FT_GEN_E_OTC] = "otc",
    [FT_GEN_E_COINJOIN] = "coinjoin", [FT_GEN_E_THIEF] = "thief",
};

const char *ft_gen_kind_name(int kind)
{
    return kind >= 0 && kind < FT_GEN_E_KIND_COUNT ? kind_names[kind] : "unknown";
}

static const char *const coinjoin_names[3] = {"whirlpool", "wasabi1", "wasabi2"};

void ft_gen_entity_name(const ft_gen_world *w, uint32_t entity, char *out, size_t cap)
{
    const ft_gen_entity *e = &w->ents[entity];
    if (e->kind == FT_GEN_E_COINJOIN && e->sub < 3)
        snprintf(out, cap, "%s", coinjoin_names[e->sub]);
    else if (e->kind == FT_GEN_E_THIEF)
        snprintf(out, cap, "lazarus-sim-%u", e->num);
    else
        snprintf(out, cap, "%s-%u", ft_gen_kind_name(e->kind), e->num);
}

/* Grows an array to hold need elements: doubling from `first` (small for the per-wallet coin
 * arrays, of which there are hundreds of thousands). */
static int grow_from(void **p, uint32_t *cap, uint32_t need, size_t size, uint32_t first)
{
    if (need <= *cap)
        return 1;
    uint64_t c = *cap ? (uint64_t)*cap * 2 : first;
    while (c < need)
        c *= 2;
    if (c > UINT32_MAX - 1)
        c = UINT32_MAX - 1;
    void *q = realloc(*p, (size_t)c * size);
    if (!q)
        return 0;
    *p = q;
    *cap = (uint32_t)c;
    return 1;
}

static int grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
    return grow_from(p, cap, need, size, 64);
}

ft_status ft_gen_entity_new(ft_gen_world *w, int kind, uint32_t *out, ft_err *err)
{
    if (!grow((void **)&w->ents, &w->cap_ents, w->n_ents + 1, sizeof *w->ents))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for entity %u", w->n_ents);
    ft_gen_entity *e = &w->ents[w->n_ents];
    memset(e, 0, sizeof *e);
    e->kind = (uint8_t)kind;
    e->num = ++w->kind_count[kind];
    *out = w->n_ents++;
    return FT_OK;
}

ft_status ft_gen_addr_new(ft_gen_world *w, uint32_t entity, int type, uint32_t *out, ft_err *err)
{
    ft_status st;
    if (w->n_addrs == UINT32_MAX - 1)
        return ft_err_set(err, FT_ERR_LIMIT, "too many addresses");
    if (!grow((void **)&w->addrs, &w->cap_addrs, w->n_addrs + 1, sizeof *w->addrs))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for address %u", w->n_addrs);
    uint32_t i = w->n_addrs;
    ft_gen_addr *a = &w->addrs[i];
    memset(a, 0, sizeof *a);
    a->type = (uint8_t)type;
    a->entity = entity;
    if (type == FT_GEN_P2TR)
        st = ft_gen_keys_taproot(&w->keys, i, a->key, NULL, err);
    else
        st = ft_gen_keys_pubkey(&w->keys, i, a->key, err);
    if (st != FT_OK)
        return st;
    w->n_addrs++;
    w->ents[entity].n_addrs++;
    *out = i;
    return ft_gen_truth_address(w, i, err);
}

size_t ft_gen_addr_script(const ft_gen_world *w, uint32_t addr, uint8_t out[FT_GEN_SPK_MAX])
{
    const ft_gen_addr *a = &w->addrs[addr];
    return ft_gen_script_build(out, a->type, a->key);
}

ft_status ft_gen_addr_text(const ft_gen_world *w, uint32_t addr, char *out)
{
    const ft_gen_addr *a = &w->addrs[addr];
    ft_addr_key key;
    memset(&key, 0, sizeof key);
    switch (a->type) {
    case FT_GEN_P2PKH:
        key.bytes[0] = 'k';
        ft_hash160(key.bytes + 1, a->key, 33);
        key.len = 21;
        break;
    case FT_GEN_P2WPKH:
        key.bytes[0] = 'w';
        ft_hash160(key.bytes + 1, a->key, 33);
        key.len = 21;
        break;
    case FT_GEN_P2TR:
        key.bytes[0] = 't';
        memcpy(key.bytes + 1, a->key, 32);
        key.len = 33;
        break;
    default:
        out[0] = 0;
        return FT_ERR_ARG;
    }
    return ft_btc_address_encode(out, &key, w->net);
}

ft_status ft_gen_wallet_new(ft_gen_world *w, uint32_t entity, int type, int policy, uint32_t *out,
                            ft_err *err)
{
    if (!grow((void **)&w->wallets, &w->cap_wallets, w->n_wallets + 1, sizeof *w->wallets))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for wallet %u", w->n_wallets);
    ft_gen_wallet *wl = &w->wallets[w->n_wallets];
    memset(wl, 0, sizeof *wl);
    wl->entity = entity;
    wl->addr = FT_GEN_NONE;
    wl->type = (uint8_t)type;
    wl->policy = (uint8_t)policy;
    wl->kind = FT_GEN_W_PLAIN;
    wl->incident = FT_GEN_NONE;
    *out = w->n_wallets++;
    return FT_OK;
}

ft_status ft_gen_wallet_addr(ft_gen_world *w, uint32_t wallet, uint32_t *out, ft_err *err)
{
    ft_gen_wallet *wl = &w->wallets[wallet];
    ft_status st;
    if (wl->policy == FT_GEN_REUSE && wl->addr != FT_GEN_NONE) {
        *out = wl->addr;
        return FT_OK;
    }
    uint32_t a;
    if ((st = ft_gen_addr_new(w, wl->entity, wl->type, &a, err)) != FT_OK)
        return st;
    wl = &w->wallets[wallet];
    if (wl->policy == FT_GEN_REUSE)
        wl->addr = a;
    *out = a;
    return FT_OK;
}

ft_status ft_gen_wallet_put(ft_gen_world *w, uint32_t wallet, const ft_gen_coin *coin, ft_err *err)
{
    ft_gen_wallet *wl = &w->wallets[wallet];
    if (!grow_from((void **)&wl->coins, &wl->cap, wl->n + 1, sizeof *wl->coins, 2))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the coins of wallet %u", wallet);
    wl->coins[wl->n++] = *coin;
    wl->balance += coin->value;
    return FT_OK;
}

ft_status ft_gen_wallet_deliver(ft_gen_world *w, uint32_t wallet, const ft_gen_coin *coin,
                                ft_err *err)
{
    if (wallet == FT_GEN_NONE)
        return FT_OK;
    if (w->wallets[wallet].kind == FT_GEN_W_TASK)
        return ft_gen_incidents_receive(w, wallet, coin, err);
    return ft_gen_wallet_put(w, wallet, coin, err);
}

ft_status ft_gen_wallet_return(ft_gen_world *w, uint32_t wallet, const ft_gen_coin *coins, size_t n,
                               ft_err *err)
{
    ft_status st;
    for (size_t i = 0; i < n; i++)
        if ((st = ft_gen_wallet_put(w, wallet, &coins[i], err)) != FT_OK)
            return st;
    return FT_OK;
}

int ft_gen_coin_spendable(const ft_gen_world *w, const ft_gen_coin *c)
{
    if (c->height >= w->height)
        return 0;
    if ((c->flags & FT_GEN_COIN_COINBASE) && c->height + FT_GEN_MATURITY > w->height)
        return 0;
    if (!w->segwit && w->addrs[c->addr].type != FT_GEN_P2PKH)
        return 0;
    return 1;
}

uint64_t ft_gen_wallet_spendable(const ft_gen_world *w, uint32_t wallet, uint32_t *n_coins)
{
    const ft_gen_wallet *wl = &w->wallets[wallet];
    uint64_t sum = 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < wl->n; i++)
        if (ft_gen_coin_spendable(w, &wl->coins[i])) {
            sum += wl->coins[i].value;
            n++;
        }
    if (n_coins)
        *n_coins = n;
    return sum;
}

static int cmp_desc_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Removes the coins at idx[0..n) (any order) from the wallet. */
static void remove_indices(ft_gen_wallet *wl, uint32_t *idx, size_t n)
{
    qsort(idx, n, sizeof *idx, cmp_desc_u32);
    for (size_t k = 0; k < n; k++) {
        uint32_t i = idx[k];
        wl->balance -= wl->coins[i].value;
        wl->coins[i] = wl->coins[--wl->n];
    }
}

static size_t take(ft_gen_world *w, uint32_t wallet, uint64_t target, size_t max_in,
                   ft_gen_coin *out, uint64_t *sum, int all)
{
    ft_gen_wallet *wl = &w->wallets[wallet];
    uint32_t idx[4096];
    size_t n = 0;
    uint64_t s = 0;
    *sum = 0;
    if (wl->n == 0 || max_in == 0)
        return 0;
    if (max_in > 4096)
        max_in = 4096;
    uint32_t start = (uint32_t)ft_gen_rng_below(&w->rng, wl->n);
    for (uint32_t k = 0; k < wl->n && n < max_in; k++) {
        uint32_t i = (start + k) % wl->n;
        if (!ft_gen_coin_spendable(w, &wl->coins[i]))
            continue;
        idx[n++] = i;
        s += wl->coins[i].value;
        if (!all && s >= target)
            break;
    }
    if (n == 0 || (!all && s < target))
        return 0;
    for (size_t k = 0; k < n; k++)
        out[k] = wl->coins[idx[k]];
    remove_indices(wl, idx, n);
    *sum = s;
    return n;
}

size_t ft_gen_wallet_take(ft_gen_world *w, uint32_t wallet, uint64_t target, size_t max_in,
                          ft_gen_coin *out, uint64_t *sum)
{
    return take(w, wallet, target, max_in, out, sum, 0);
}

size_t ft_gen_wallet_take_all(ft_gen_world *w, uint32_t wallet, size_t max_in, ft_gen_coin *out,
                              uint64_t *sum)
{
    return take(w, wallet, 0, max_in, out, sum, 1);
}

uint64_t ft_gen_fee_for(const ft_gen_world *w, const ft_gen_coin *in, size_t n_in,
                        const int *out_types, size_t n_out, uint32_t feerate)
{
    int witness = 0;
    size_t weight = 0;
    for (size_t i = 0; i < n_in; i++) {
        int t = w->addrs[in[i].addr].type;
        weight += ft_gen_weight_in(t);
        if (t != FT_GEN_P2PKH)
            witness = 1;
    }
    for (size_t i = 0; i < n_out; i++)
        weight += ft_gen_weight_out(out_types[i]);
    weight += ft_gen_weight_overhead(witness);
    return (uint64_t)((weight + 3) / 4) * feerate;
}

uint32_t ft_gen_feerate(ft_gen_world *w)
{
    return w->feerate + (uint32_t)ft_gen_rng_below(&w->rng, w->feerate + 1);
}

ft_status ft_gen_send_tx(ft_gen_world *w, ft_gen_send *s, ft_gen_sent *res, ft_err *err)
{
    static ft_gen_sent local;
    ft_gen_tx *tx = &w->tx;
    ft_status st;
    uint64_t total_in = 0, total_out = 0;
    size_t weight;
    int witness = 0;
    uint32_t feerate = s->feerate ? s->feerate : ft_gen_feerate(w);
    uint32_t change_addr = FT_GEN_NONE;
    uint32_t order[FT_GEN_MAX_OUT + 2];

    const char *step = w->step ? w->step : "spend";
    w->step = NULL; /* a step name applies to one attempt only */
    if (!res)
        res = &local;
    if (s->n_in == 0 || s->n_out + 2 > FT_GEN_MAX_OUT)
        return ft_err_set(err, FT_ERR_ARG, "send: %zu inputs, %zu outputs", s->n_in, s->n_out);
    if (w->budget == 0 || w->block_full)
        return FT_ERR_LIMIT;

    /* Price it: inputs, payments, the change (if any) and OP_RETURN, largest signatures. */
    weight = ft_gen_weight_overhead(0);
    for (size_t i = 0; i < s->n_in; i++) {
        int t = w->addrs[s->in[i].addr].type;
        if (!ft_gen_coin_spendable(w, &s->in[i]))
            return ft_err_set(err, FT_ERR_STATE, "send: coin %zu is not spendable at height %u", i,
                              w->height);
        weight += ft_gen_weight_in(t);
        if (t != FT_GEN_P2PKH)
            witness = 1;
        total_in += s->in[i].value;
    }
    if (witness)
        weight += 2;
    for (size_t i = 0; i < s->n_out; i++) {
        weight += ft_gen_weight_out(w->addrs[s->out[i].addr].type);
        total_out += s->out[i].value;
    }
    if (s->opret)
        weight += 4 * (8 + 1 + 2 + s->opret_len);
    int change_type = FT_GEN_P2WPKH;
    if (s->change_wallet != FT_GEN_NONE) {
        change_type = s->change_addr != FT_GEN_NONE ? w->addrs[s->change_addr].type
                                                    : w->wallets[s->change_wallet].type;
        weight += ft_gen_weight_out(change_type);
    }
    uint64_t fee = (uint64_t)((weight + 3) / 4) * feerate;
    uint64_t change = 0;
    if (s->fee_from >= 0) {
        /* The payment out[fee_from] absorbs the difference (sweeps, send-all). */
        ft_gen_dest *d = &s->out[s->fee_from];
        if (total_in < total_out - d->value + fee + FT_GEN_DUST)
            return FT_ERR_LIMIT;
        d->value = total_in - (total_out - d->value) - fee;
        total_out = total_in - fee;
    } else {
        if (total_in < total_out + fee)
            return FT_ERR_LIMIT;
        change = total_in - total_out - fee;
        if (s->change_wallet == FT_GEN_NONE || change < FT_GEN_DUST) {
            fee += change; /* dust change is left to the miner */
            change = 0;
        }
    }
    for (size_t i = 0; i < s->n_out; i++)
        if (s->out[i].value < FT_GEN_DUST)
            return ft_err_set(err, FT_ERR_ARG, "send: output %zu of %llu sat is dust", i,
                              (unsigned long long)s->out[i].value);
    if (!ft_gen_blockwriter_fits(&w->bw, weight, 4 * (uint32_t)(s->n_out + 1) + (uint32_t)s->n_in)) {
        w->block_full = 1;
        return FT_ERR_LIMIT;
    }

    /* From here on the tx will be made. */
    if (change) {
        change_addr = s->change_addr;
        if (change_addr == FT_GEN_NONE &&
            (st = ft_gen_wallet_addr(w, s->change_wallet, &change_addr, err)) != FT_OK)
            return st;
    }
    ft_gen_tx_reset(tx);
    for (size_t i = 0; i < s->n_in; i++) {
        const ft_gen_coin *c = &s->in[i];
        const ft_gen_addr *a = &w->addrs[c->addr];
        ft_gen_txin *in = ft_gen_tx_add_in(tx);
        if (!in)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory building a tx");
        memcpy(in->prev_txid, c->txid, 32);
        in->prev_vout = c->vout;
        in->sequence = 0xfffffffdu; /* opt-in RBF, as current wallets do */
        in->value = c->value;
        in->type = a->type;
        in->key_index = c->addr;
        memcpy(in->pub, a->key, 33);
        in->spk_len = (uint8_t)ft_gen_script_build(in->spk, a->type, a->key);
    }
    /* Output order: payments, then change; shuffled when asked. order[k] = source index,
     * n_out for the change, n_out + 1 for OP_RETURN. */
    size_t n_tot = 0;
    for (size_t i = 0; i < s->n_out; i++)
        order[n_tot++] = (uint32_t)i;
    if (change)
        order[n_tot++] = (uint32_t)s->n_out;
    if (s->shuffle)
        ft_gen_rng_shuffle(&w->rng, order, n_tot, sizeof order[0]);
    if (s->opret) {
        memmove(order + 1, order, n_tot * sizeof order[0]);
        order[0] = (uint32_t)s->n_out + 1;
        n_tot++;
    }
    res->change_vout = FT_GEN_NONE;
    res->change_value = change;
    for (size_t k = 0; k < n_tot; k++) {
        ft_gen_txout *o = ft_gen_tx_add_out(tx);
        if (!o)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory building a tx");
        uint32_t src = order[k];
        if (src < s->n_out) {
            o->value = s->out[src].value;
            o->script_len = (uint8_t)ft_gen_addr_script(w, s->out[src].addr, o->script);
            res->vout[src] = (uint32_t)k;
        } else if (src == s->n_out) {
            o->value = change;
            o->script_len = (uint8_t)ft_gen_addr_script(w, change_addr, o->script);
            res->change_vout = (uint32_t)k;
        } else {
            o->value = 0;
            o->script_len = (uint8_t)ft_gen_script_nulldata(o->script, s->opret, s->opret_len);
        }
    }
    if ((st = ft_gen_tx_sign(tx, &w->keys, w->placeholder, &w->scratch, err)) != FT_OK)
        return st;
    if ((st = ft_gen_tx_finalize(tx, &w->scratch, err)) != FT_OK)
        return st;
    if ((st = ft_gen_blockwriter_add(&w->bw, tx, fee, err)) != FT_OK)
        return st;
    w->budget--;
    memcpy(res->txid, tx->txid, 32);
    res->fee = fee;

    /* Ground truth: a tx spending a coin tagged with an incident is a step of it. */
    {
        uint32_t logged[8];
        size_t n_logged = 0;
        for (size_t i = 0; i < s->n_in; i++) {
            uint32_t tag = s->in[i].tag;
            int seen = 0;
            if (tag == 0)
                continue;
            for (size_t k = 0; k < n_logged; k++)
                seen |= logged[k] == tag;
            if (seen)
                continue;
            if (n_logged < 8)
                logged[n_logged++] = tag;
            if ((st = ft_gen_incidents_log(w, tag - 1, tx->txid, step, err)) != FT_OK)
                return st;
        }
    }

    /* Deliver the new coins. */
    ft_gen_coin c;
    memset(&c, 0, sizeof c);
    memcpy(c.txid, tx->txid, 32);
    c.height = w->height;
    for (size_t i = 0; i < s->n_out; i++) {
        c.vout = res->vout[i];
        c.value = s->out[i].value;
        c.addr = s->out[i].addr;
        c.tag = s->out[i].tag;
        if ((st = ft_gen_wallet_deliver(w, s->out[i].wallet, &c, err)) != FT_OK)
            return st;
    }
    if (change) {
        c.vout = res->change_vout;
        c.value = change;
        c.addr = change_addr;
        c.tag = s->change_tag;
        if ((st = ft_gen_wallet_deliver(w, s->change_wallet, &c, err)) != FT_OK)
            return st;
    }
    return FT_OK;
}
