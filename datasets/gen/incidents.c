/*
 * incidents.c — planted thefts and the laundering of the stolen coins.
 *
 * K incidents belong to ceil(K/2) thief groups (entity kind "thief", named lazarus-sim-N):
 * incidents of one group share its laundering addresses — a reused "shared" address where
 * coins of several incidents meet, and deposit accounts at two exchanges. Each theft takes
 * 20–60 % of an exchange's hot wallet in one tx paying 1–3 fresh thief addresses: those
 * outputs are the incident's seeds (truth/incidents.csv). Every stolen coin then follows a
 * route, one tx per step, each step one or more blocks after the previous:
 *
 *     theft ─▶ split tree (depth 1–2, 2–4 children) ─▶ leaf routes:
 *        peel      peel chain of 3–10 hops: a 5–20 % peel to an exchange deposit, an OTC desk,
 *                  the group's shared address or a dormant address; the rest goes on; the
 *                  end is cashed out at an exchange deposit
 *        whirlpool Tx0 then 5x5 mixes; postmix coins cashed out at an exchange
 *        wasabi    a Wasabi 1 or 2 round; mixed outputs cashed out, change peeled
 *        mixer     custodial mixer: deposit, payouts later to fresh thief addresses, cashed out
 *        otc       straight to an OTC desk (a terminal)
 *        consolidate  merged with other stolen coins of the group and clean coins (withdrawn
 *                  from an exchange to the group) into the shared address, then to an OTC desk
 *        shared    to the shared address, then to an OTC desk
 *        dormant   moved once to a fresh address and left there
 *
 * A coin carries its incident as tag (incident + 1); wallet.c logs every tx that spends a
 * tagged coin in truth/incident_txs.csv, so the whole laundering graph is in the ground truth.
 * Tasks are kept in an array processed in index order (deterministic); a step that cannot be
 * made in this block (no budget, block full, coin not yet spendable) waits for the next.
 */
#include "datasets/gen/incidents.h"

#include <stdlib.h>
#include <string.h>

#include "datasets/gen/economy.h"
#include "datasets/gen/truth.h"
#include "engine/banned.h"

enum { R_SPLIT, R_PEEL, R_CASHOUT, R_OTC, R_MIXER, R_WHIRLPOOL, R_WASABI, R_CONSOLIDATE,
       R_SHARED, R_DORMANT, R_HOLD, R_COUNT };

static const char *const step_names[R_COUNT] = {
    [R_SPLIT] = "split",         [R_PEEL] = "peel",          [R_CASHOUT] = "cashout",
    [R_OTC] = "otc",             [R_MIXER] = "mixer_deposit", [R_WHIRLPOOL] = "whirlpool_tx0",
    [R_WASABI] = "wasabi_register", [R_CONSOLIDATE] = "consolidate", [R_SHARED] = "shared",
    [R_DORMANT] = "dormant",     [R_HOLD] = "hold",
};

typedef struct task {
    ft_gen_coin coin;
    uint32_t incident;
    uint32_t route;
    uint32_t param;
    uint32_t ready;
} task;

typedef struct group {
    uint32_t entity;
    uint32_t clean;  /* plain wallet: clean coins withdrawn from an exchange */
    uint32_t shared; /* task wallet (REUSE): the shared laundering address */
    uint32_t exch[2];
} group;

typedef struct incident_rec {
    char name[32];
    uint32_t group;
    uint32_t height; /* planned theft height */
    int done;
} incident_rec;

typedef struct tw_entry {
    uint32_t incident, route, param, wallet;
} tw_entry;

typedef struct ft_gen_incidents {
    group *groups;
    uint32_t n_groups;
    incident_rec *inc;
    uint32_t n_inc;
    unsigned done;
    task *tasks;
    uint32_t n_tasks, cap_tasks;
    tw_entry *tw;
    uint32_t n_tw, cap_tw;
    ft_gen_dest dest[8];
    ft_gen_coin in[64];
} ft_gen_incidents;

static int grow(void **p, uint32_t *cap, uint32_t need, size_t size)
{
    if (need <= *cap)
        return 1;
    uint64_t c = *cap ? (uint64_t)*cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, (size_t)c * size);
    if (!q)
        return 0;
    *p = q;
    *cap = (uint32_t)c;
    return 1;
}

static int thief_type(ft_gen_world *w)
{
    if (!w->segwit)
        return FT_GEN_P2PKH;
    uint32_t weights[3] = {10, 70, 20};
    return (int)ft_gen_rng_pick(&w->rng, weights, 3) + FT_GEN_P2PKH;
}

ft_status ft_gen_incidents_init(ft_gen_world *w, uint32_t expected_blocks, ft_err *err)
{
    ft_gen_incidents *in = calloc(1, sizeof *in);
    ft_status st;
    if (!in)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for incidents");
    w->inc = in;
    in->n_inc = w->n_incidents;
    if (in->n_inc == 0)
        return FT_OK;
    in->n_groups = (in->n_inc + 1) / 2;
    in->groups = calloc(in->n_groups, sizeof *in->groups);
    in->inc = calloc(in->n_inc, sizeof *in->inc);
    if (!in->groups || !in->inc)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for incidents");
    for (uint32_t g = 0; g < in->n_groups; g++) {
        group *gr = &in->groups[g];
        if ((st = ft_gen_entity_new(w, FT_GEN_E_THIEF, &gr->entity, err)) ||
            (st = ft_gen_wallet_new(w, gr->entity, FT_GEN_P2WPKH, FT_GEN_ROTATE, &gr->clean, err)) ||
            (st = ft_gen_wallet_new(w, gr->entity, FT_GEN_P2WPKH, FT_GEN_REUSE, &gr->shared, err)))
            return st;
        w->wallets[gr->shared].kind = FT_GEN_W_TASK;
        w->wallets[gr->shared].route = R_SHARED;
        w->wallets[gr->shared].incident = FT_GEN_NONE; /* keeps the incoming coin's tag */
        uint32_t nx = ft_gen_economy_n_exchanges(w);
        gr->exch[0] = (uint32_t)ft_gen_rng_below(&w->rng, nx);
        gr->exch[1] = (uint32_t)ft_gen_rng_below(&w->rng, nx);
    }
    /* Thefts after segwit activation when the chain is long enough, spread over the first
     * 55 % of what is left so that laundering has time to unfold. */
    uint32_t start = FT_GEN_MATURITY + 5;
    if (expected_blocks > FT_GEN_SEGWIT_HEIGHT + 20)
        start = FT_GEN_SEGWIT_HEIGHT + 2;
    uint32_t end = expected_blocks > start ? start + (expected_blocks - start) * 55 / 100 : start;
    for (uint32_t i = 0; i < in->n_inc; i++) {
        incident_rec *c = &in->inc[i];
        snprintf(c->name, sizeof c->name, "gen-%u", i + 1);
        c->group = i % in->n_groups;
        uint32_t span = end > start ? end - start : 1;
        c->height = start + span * i / in->n_inc + (uint32_t)ft_gen_rng_below(&w->rng, span / in->n_inc + 1);
    }
    return FT_OK;
}

void ft_gen_incidents_release(ft_gen_world *w)
{
    ft_gen_incidents *in = w->inc;
    if (!in)
        return;
    free(in->groups);
    free(in->inc);
    free(in->tasks);
    free(in->tw);
    free(in);
    w->inc = NULL;
}

unsigned ft_gen_incidents_done(const ft_gen_world *w)
{
    return w->inc ? w->inc->done : 0;
}

ft_status ft_gen_incidents_log(ft_gen_world *w, uint32_t incident, const uint8_t txid[32],
                               const char *step, ft_err *err)
{
    ft_gen_incidents *in = w->inc;
    if (!in || incident >= in->n_inc)
        return FT_OK;
    return ft_gen_truth_incident_tx(w, in->inc[incident].name, txid, step, err);
}

static ft_status add_task(ft_gen_world *w, const ft_gen_coin *c, uint32_t incident, uint32_t route,
                          uint32_t param, uint32_t delay, ft_err *err)
{
    ft_gen_incidents *in = w->inc;
    if (route == R_HOLD)
        return FT_OK; /* dormant: never touched again */
    if (!grow((void **)&in->tasks, &in->cap_tasks, in->n_tasks + 1, sizeof *in->tasks))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for laundering tasks");
    task *t = &in->tasks[in->n_tasks++];
    t->coin = *c;
    t->coin.tag = incident + 1;
    t->incident = incident;
    t->route = route;
    t->param = param;
    t->ready = w->height + 1 + delay;
    return FT_OK;
}

ft_status ft_gen_incidents_receive(ft_gen_world *w, uint32_t wallet, const ft_gen_coin *coin,
                                   ft_err *err)
{
    const ft_gen_wallet *wl = &w->wallets[wallet];
    uint32_t incident = wl->incident != FT_GEN_NONE ? wl->incident
                        : coin->tag ? coin->tag - 1 : 0;
    return add_task(w, coin, incident, wl->route, wl->param,
                    (uint32_t)ft_gen_rng_below(&w->rng, 3), err);
}

/* The task wallet for (incident, route, param): created once, fresh addresses per receive. */
static ft_status task_wallet(ft_gen_world *w, uint32_t incident, uint32_t route, uint32_t param,
                             uint32_t *out, ft_err *err)
{
    ft_gen_incidents *in = w->inc;
    ft_status st;
    for (uint32_t i = 0; i < in->n_tw; i++)
        if (in->tw[i].incident == incident && in->tw[i].route == route && in->tw[i].param == param) {
            *out = in->tw[i].wallet;
            return FT_OK;
        }
    if (!grow((void **)&in->tw, &in->cap_tw, in->n_tw + 1, sizeof *in->tw))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for task wallets");
    uint32_t ent = in->groups[in->inc[incident].group].entity;
    if ((st = ft_gen_wallet_new(w, ent, FT_GEN_P2WPKH, FT_GEN_ROTATE, out, err)))
        return st;
    ft_gen_wallet *wl = &w->wallets[*out];
    wl->kind = FT_GEN_W_TASK;
    wl->route = (uint8_t)route;
    wl->incident = incident;
    wl->param = param;
    in->tw[in->n_tw].incident = incident;
    in->tw[in->n_tw].route = route;
    in->tw[in->n_tw].param = param;
    in->tw[in->n_tw].wallet = *out;
    in->n_tw++;
    return FT_OK;
}

static ft_status thief_addr(ft_gen_world *w, uint32_t incident, uint32_t *addr, ft_err *err)
{
    uint32_t ent = w->inc->groups[w->inc->inc[incident].group].entity;
    return ft_gen_addr_new(w, ent, thief_type(w), addr, err);
}

static uint32_t leaf_route(ft_gen_world *w)
{
    static const uint32_t weights[R_COUNT] = {
        [R_PEEL] = 30, [R_WHIRLPOOL] = 11, [R_WASABI] = 11, [R_MIXER] = 12, [R_OTC] = 8,
        [R_CONSOLIDATE] = 12, [R_SHARED] = 6, [R_DORMANT] = 8, [R_CASHOUT] = 2,
    };
    uint32_t r = (uint32_t)ft_gen_rng_pick(&w->rng, weights, R_COUNT);
    if (!w->segwit && (r == R_WHIRLPOOL || r == R_WASABI || r == R_MIXER))
        r = R_PEEL;
    return r;
}

/* Sends one coin to n destinations; creates tasks for the outputs that have a route. */
static ft_status step_send(ft_gen_world *w, task *t, size_t n_dest, const uint32_t *routes,
                           const uint32_t *params, int fee_from, ft_gen_sent *res, ft_err *err)
{
    ft_gen_incidents *in = w->inc;
    ft_gen_send s;
    ft_status st;
    memset(&s, 0, sizeof s);
    s.in = &t->coin;
    s.n_in = 1;
    s.out = in->dest;
    s.n_out = n_dest;
    s.change_wallet = FT_GEN_NONE;
    s.change_addr = FT_GEN_NONE;
    s.fee_from = fee_from;
    s.shuffle = 1;
    w->step = step_names[t->route];
    if ((st = ft_gen_send_tx(w, &s, res, err)))
        return st;
    for (size_t i = 0; i < n_dest; i++) {
        if (!routes || routes[i] == R_COUNT)
            continue;
        ft_gen_coin c;
        memset(&c, 0, sizeof c);
        memcpy(c.txid, res->txid, 32);
        c.vout = res->vout[i];
        c.value = in->dest[i].value;
        c.addr = in->dest[i].addr;
        c.height = w->height;
        if ((st = add_task(w, &c, t->incident, routes[i], params ? params[i] : 0,
                           (uint32_t)ft_gen_rng_below(&w->rng, 3), err)))
            return st;
    }
    return FT_OK;
}

static void set_dest(ft_gen_dest *d, uint32_t wallet, uint32_t addr, uint64_t value, uint32_t tag)
{
    d->wallet = wallet;
    d->addr = addr;
    d->value = value;
    d->tag = tag;
}

static ft_status do_cashout(ft_gen_world *w, task *t, ft_gen_sent *res, ft_err *err)
{
    ft_gen_incidents *in = w->inc;
    group *g = &in->groups[in->inc[t->incident].group];
    uint32_t addr, dw;
    ft_status st;
    uint32_t ex = g->exch[ft_gen_rng_below(&w->rng, 2)];
    uint64_t customer = ((uint64_t)1 << 40) | g->entity;
    if ((st = ft_gen_economy_deposit_addr(w, ex, customer, &addr, &dw, err)))
        return st;
    set_dest(&in->dest[0], dw, addr, t->coin.value, t->coin.tag);
    return step_send(w, t, 1, NULL, NULL, 0, res, err);
}

static ft_status do_otc(ft_gen_world *w, task *t, ft_gen_sent *res, ft_err *err)
{
    uint32_t addr, ow;
    ft_status st;
    uint32_t k = (uint32_t)ft_gen_rng_below(&w->rng, ft_gen_economy_n_otc(w));
    if ((st = ft_gen_economy_otc_addr(w, k, &addr, &ow, err)))
        return st;
    set_dest(&w->inc->dest[0], ow, addr, t->coin.value, t->coin.tag);
    return step_send(w, t, 1, NULL, NULL, 0, res, err);
}

static ft_status do_task(ft_gen_world *w, task *t, ft_err *err)
{
    ft_gen_incidents *in = w->inc;
    static ft_gen_sent res;
    ft_status st;
    uint32_t routes[8], params[8];
    uint64_t v = t->coin.value;

    switch (t->route) {
    case R_SPLIT: {
        uint32_t n = 2 + (uint32_t)ft_gen_rng_below(&w->rng, 3);
        if (v < n * 60000)
            return do_cashout(w, t, &res, err);
        uint64_t left = v - v / 50; /* keep ~2 % for the fee; fee_from takes the exact one */
        for (uint32_t i = 0; i < n; i++) {
            uint64_t part = i + 1 == n ? left : left / (n - i) / 10 * (5 + ft_gen_rng_below(&w->rng, 11));
            uint32_t a;
            if ((st = thief_addr(w, t->incident, &a, err)))
                return st;
            set_dest(&in->dest[i], FT_GEN_NONE, a, part, t->coin.tag);
            left -= part;
            routes[i] = t->param > 1 ? R_SPLIT : leaf_route(w);
            params[i] = t->param > 1 ? t->param - 1 : 3 + (uint32_t)ft_gen_rng_below(&w->rng, 8);
        }
        return step_send(w, t, n, routes, params, (int)n - 1, &res, err);
    }
    case R_PEEL: {
        if (t->param == 0 || v < 400000)
            return do_cashout(w, t, &res, err);
        uint64_t peel = v / 100 * (5 + ft_gen_rng_below(&w->rng, 16));
        uint32_t kind = (uint32_t)ft_gen_rng_below(&w->rng, 100);
        uint32_t a, dw = FT_GEN_NONE;
        routes[0] = R_COUNT;
        if (kind < 50) {
            group *g = &in->groups[in->inc[t->incident].group];
            uint64_t customer = ((uint64_t)1 << 40) | g->entity;
            if ((st = ft_gen_economy_deposit_addr(w, g->exch[ft_gen_rng_below(&w->rng, 2)],
                                                  customer, &a, &dw, err)))
                return st;
        } else if (kind < 72) {
            if ((st = ft_gen_economy_otc_addr(w, (uint32_t)ft_gen_rng_below(&w->rng, ft_gen_economy_n_otc(w)),
                                              &a, &dw, err)))
                return st;
        } else if (kind < 87) {
            group *g = &in->groups[in->inc[t->incident].group];
            dw = g->shared;
            if ((st = ft_gen_wallet_addr(w, dw, &a, err)))
                return st;
        } else {
            if ((st = thief_addr(w, t->incident, &a, err)))
                return st;
            routes[0] = R_HOLD; /* dormant peel */
        }
        set_dest(&in->dest[0], dw, a, peel, t->coin.tag);
        uint32_t b;
        if ((st = thief_addr(w, t->incident, &b, err)))
            return st;
        set_dest(&in->dest[1], FT_GEN_NONE, b, v - peel, t->coin.tag);
        routes[1] = R_PEEL;
        params[0] = 0;
        params[1] = t->param - 1;
        return step_send(w, t, 2, routes, params, 1, &res, err);
    }
    case R_CASHOUT:
        return do_cashout(w, t, &res, err);
    case R_OTC:
    case R_SHARED:
        return do_otc(w, t, &res, err);
    case R_DORMANT: {
        uint32_t a;
        if ((st = thief_addr(w, t->incident, &a, err)))
            return st;
        set_dest(&in->dest[0], FT_GEN_NONE, a, v, t->coin.tag);
        routes[0] = R_HOLD;
        return step_send(w, t, 1, routes, NULL, 0, &res, err);
    }
    case R_MIXER: {
        uint32_t a, mw, dest;
        if ((st = task_wallet(w, t->incident, R_CASHOUT, 0, &dest, err)) ||
            (st = ft_gen_economy_mixer_deposit(w, &a, &mw, err)))
            return st;
        set_dest(&in->dest[0], mw, a, v, t->coin.tag);
        if ((st = step_send(w, t, 1, NULL, NULL, 0, &res, err)))
            return st;
        return ft_gen_economy_mixer_order(w, in->dest[0].value, dest, err);
    }
    case R_WHIRLPOOL:
    case R_WASABI: {
        uint32_t owner, change;
        if ((st = task_wallet(w, t->incident, R_CASHOUT, 0, &owner, err)) ||
            (st = task_wallet(w, t->incident, R_PEEL, 2, &change, err)))
            return st;
        int kind = t->route == R_WHIRLPOOL ? 0 : v >= 10300000 && ft_gen_rng_chance(&w->rng, 500) ? 1 : 2;
        w->step = "whirlpool_tx0";
        st = ft_gen_economy_coinjoin_join(w, kind, &t->coin, 1, owner, change, err);
        w->step = NULL;
        if (st == FT_ERR_LIMIT && !w->block_full && w->budget > 0) {
            t->route = R_PEEL; /* too small for this coordinator: peel it instead */
            t->param = 3;
        }
        return st;
    }
    default:
        return FT_ERR_LIMIT;
    }
}

/* Consolidation: the group's ready CONSOLIDATE coins (any incident) with up to 3 clean coins
 * into the shared address. Returns the number of tasks consumed through *used. */
static ft_status consolidate(ft_gen_world *w, uint32_t gidx, ft_err *err)
{
    ft_gen_incidents *in = w->inc;
    group *g = &in->groups[gidx];
    uint32_t idx[48], n = 0, oldest = UINT32_MAX;
    ft_status st;
    for (uint32_t i = 0; i < in->n_tasks && n < 48; i++) {
        task *t = &in->tasks[i];
        if (t->route != R_CONSOLIDATE || in->inc[t->incident].group != gidx || t->ready > w->height ||
            !ft_gen_coin_spendable(w, &t->coin))
            continue;
        idx[n++] = i;
        if (t->ready < oldest)
            oldest = t->ready;
    }
    if (n == 0 || (n < 2 && w->height - oldest < 6))
        return FT_OK;
    for (uint32_t k = 0; k < n; k++)
        in->in[k] = in->tasks[idx[k]].coin;
    uint64_t clean_sum;
    size_t nclean = ft_gen_wallet_take_all(w, g->clean, 3, in->in + n, &clean_sum);
    uint64_t total = clean_sum;
    for (uint32_t k = 0; k < n; k++)
        total += in->in[k].value;
    uint32_t a;
    if ((st = ft_gen_wallet_addr(w, g->shared, &a, err)))
        return st;
    set_dest(&in->dest[0], g->shared, a, total, in->in[0].tag);
    ft_gen_send s;
    memset(&s, 0, sizeof s);
    s.in = in->in;
    s.n_in = n + nclean;
    s.out = in->dest;
    s.n_out = 1;
    s.change_wallet = FT_GEN_NONE;
    s.change_addr = FT_GEN_NONE;
    s.fee_from = 0;
    w->step = "consolidate";
    st = ft_gen_send_tx(w, &s, NULL, err);
    if (st == FT_ERR_LIMIT)
        return nclean ? ft_gen_wallet_return(w, g->clean, in->in + n, nclean, err) : FT_OK;
    if (st)
        return st;
    /* remove the consumed tasks, highest index first (idx is increasing) */
    for (uint32_t k = n; k-- > 0;)
        in->tasks[idx[k]] = in->tasks[--in->n_tasks];
    return FT_OK;
}

static ft_status theft(ft_gen_world *w, uint32_t i, ft_err *err)
{
    ft_gen_incidents *in = w->inc;
    incident_rec *c = &in->inc[i];
    group *g = &in->groups[c->group];
    ft_status st;
    uint32_t nx = ft_gen_economy_n_exchanges(w);
    /* The victim: the exchange with the largest spendable hot balance, among 3 random ones. */
    uint32_t victim = FT_GEN_NONE;
    uint64_t best = 0;
    for (int k = 0; k < 3; k++) {
        uint32_t x = (uint32_t)ft_gen_rng_below(&w->rng, nx);
        uint64_t b = ft_gen_wallet_spendable(w, ft_gen_economy_exchange_hot(w, x), NULL);
        if (b > best) {
            best = b;
            victim = x;
        }
    }
    if (victim == FT_GEN_NONE || best < 100000000 / 5)
        return FT_ERR_LIMIT; /* nobody worth robbing yet: try next block */
    uint32_t hot = ft_gen_economy_exchange_hot(w, victim);
    uint64_t stolen = best / 100 * (20 + ft_gen_rng_below(&w->rng, 41));
    uint64_t sum;
    size_t n = ft_gen_wallet_take(w, hot, stolen + 200000, 64, in->in, &sum);
    if (n == 0)
        return FT_ERR_LIMIT;
    uint32_t n_seed = 1 + (uint32_t)ft_gen_rng_below(&w->rng, 3);
    uint64_t left = stolen;
    for (uint32_t k = 0; k < n_seed; k++) {
        uint64_t part = k + 1 == n_seed ? left : left / (n_seed - k) / 10 * (6 + ft_gen_rng_below(&w->rng, 9));
        uint32_t a;
        if ((st = thief_addr(w, i, &a, err)))
            return st;
        set_dest(&in->dest[k], FT_GEN_NONE, a, part, i + 1);
        left -= part;
    }
    ft_gen_send s;
    ft_gen_sent res;
    memset(&s, 0, sizeof s);
    s.in = in->in;
    s.n_in = n;
    s.out = in->dest;
    s.n_out = n_seed;
    s.change_wallet = hot;
    s.change_addr = w->wallets[hot].addr;
    s.fee_from = -1;
    s.shuffle = 1;
    w->step = "theft";
    st = ft_gen_send_tx(w, &s, &res, err);
    if (st == FT_ERR_LIMIT) {
        ft_status st2 = ft_gen_wallet_return(w, hot, in->in, n, err);
        return st2 ? st2 : FT_ERR_LIMIT;
    }
    if (st)
        return st;
    char attribution[64];
    ft_gen_entity_name(w, g->entity, attribution, sizeof attribution);
    if ((st = ft_gen_truth_incident_tx(w, c->name, res.txid, "theft", err)))
        return st;
    for (uint32_t k = 0; k < n_seed; k++) {
        ft_gen_coin cn;
        memset(&cn, 0, sizeof cn);
        memcpy(cn.txid, res.txid, 32);
        cn.vout = res.vout[k];
        cn.value = in->dest[k].value;
        cn.addr = in->dest[k].addr;
        cn.height = w->height;
        if ((st = ft_gen_truth_seed(w, c->name, w->bw.time, res.txid, cn.vout, cn.value, attribution,
                                    err)) ||
            (st = add_task(w, &cn, i, R_SPLIT, 1 + (uint32_t)ft_gen_rng_below(&w->rng, 2),
                           (uint32_t)ft_gen_rng_below(&w->rng, 2), err)))
            return st;
    }
    /* Clean money for later consolidation: the group withdraws from its exchange account. */
    uint32_t a;
    if ((st = ft_gen_wallet_addr(w, g->clean, &a, err)) ||
        (st = ft_gen_economy_withdraw(w, g->exch[0], g->clean, a,
                                      stolen / 100 * (2 + ft_gen_rng_below(&w->rng, 9)), err)))
        return st;
    c->done = 1;
    in->done++;
    return FT_OK;
}

ft_status ft_gen_incidents_block(ft_gen_world *w, ft_err *err)
{
    ft_gen_incidents *in = w->inc;
    ft_status st;
    if (!in || in->n_inc == 0)
        return FT_OK;
    uint64_t limit = w->budget / 2 > 2 ? w->budget / 2 : 2;
    uint64_t start_budget = w->budget;
    for (uint32_t i = 0; i < in->n_inc; i++) {
        if (in->inc[i].done || in->inc[i].height > w->height || w->budget == 0)
            continue;
        st = theft(w, i, err);
        if (st && st != FT_ERR_LIMIT)
            return st;
    }
    for (uint32_t g = 0; g < in->n_groups && w->budget > 0; g++)
        if ((st = consolidate(w, g, err)))
            return st;
    for (uint32_t i = 0; i < in->n_tasks;) {
        if (w->budget == 0 || w->block_full || start_budget - w->budget >= limit)
            break;
        task *t = &in->tasks[i];
        if (t->route == R_CONSOLIDATE || t->ready > w->height || !ft_gen_coin_spendable(w, &t->coin)) {
            i++;
            continue;
        }
        task copy = *t;
        st = do_task(w, &copy, err);
        if (st == FT_ERR_LIMIT) {
            /* keep it (the route may have been changed to a fallback) */
            in->tasks[i].route = copy.route;
            in->tasks[i].param = copy.param;
            i++;
            continue;
        }
        if (st)
            return st;
        /* done: the task's coin is spent; new tasks were appended at the end */
        in->tasks[i] = in->tasks[--in->n_tasks];
    }
    return FT_OK;
}
