/*
 * economy.c — the background economy every incident hides in.
 *
 * Actors (counts scale with --txs; docs/generator.md has the table):
 *   users      heavy-tailed activity (weights ~ Pareto 1.7); a wallet each, of one address type
 *              (P2PKH, P2WPKH or P2TR) that also receives the change; REUSE wallets keep one
 *              address for everything, ROTATE wallets take a fresh address per receive and change;
 *              a home exchange with one deposit address per customer, reused for every deposit
 *   exchanges  hot wallet (one reused, labeled address), deposit addresses swept together into
 *              the hot wallet, withdrawals paid in batches with change back to the hot address,
 *              a cold wallet refilling the hot one
 *   miners     pools taking the coinbases, paying members in batches, selling to an exchange
 *   merchants  fresh address per invoice, settle by consolidating into an exchange deposit
 *   OTC desks  a reused labeled address; clients sell large amounts to it; it pays buyers and
 *              moves coins to an exchange
 *   mixer      custodial: a fresh deposit address per order, deposits swept into a labeled
 *              pool address, payouts to the customer later in 1..3 parts, minus 1–3 %
 *   CoinJoin   Whirlpool (Tx0: OP_RETURN, coordinator fee, premix outputs of denomination +
 *              miner allowance, toxic change; mixes of exactly 5 inputs and 5 equal outputs,
 *              new entrants paying the fee, remixers free), Wasabi 1 (equal 0.1 BTC outputs, a
 *              second 0.2 BTC level, change per participant, coordinator fee output), Wasabi 2
 *              (standard denominations, no change above dust, inputs and outputs sorted by value)
 *
 * Each block: services first (sweeps, withdrawal batches, pool payouts, merchant settlements,
 * OTC, mixer payouts, CoinJoin rounds), then user actions until the block's budget is spent.
 * All randomness comes from the world's RNG; every container is an array walked in index
 * order, so the same seed gives the same chain.
 */
#include "datasets/gen/economy.h"

#include <stdlib.h>
#include <string.h>

#include "datasets/gen/truth.h"
#include "engine/banned.h"

#define COIN 100000000ull
#define MAX_TAKE 4096

typedef struct withdrawal {
    uint32_t wallet, addr; /* addr FT_GEN_NONE: a fresh one from the wallet when paid */
    uint64_t value;
    uint32_t since;
} withdrawal;

typedef struct exchange {
    uint32_t entity, hot, deposits, cold;
    uint32_t hot_addr;
    withdrawal *q;
    uint32_t nq, capq;
} exchange;

typedef struct account {
    uint32_t exchange;
    uint32_t dep_addr; /* FT_GEN_NONE until the first deposit */
} account;

typedef struct user {
    uint32_t wallet;
    account acct;
} user;

typedef struct service {
    uint32_t entity, wallet;
    account acct;
} service;

typedef struct mix_order {
    uint32_t dest;
    uint64_t value;
    uint32_t due;
} mix_order;

typedef struct wp_coin { /* a Whirlpool premix or postmix coin, waiting for a mix */
    ft_gen_coin coin;
    uint32_t owner;
    uint32_t remixes; /* postmix: mixes still to join before release to the owner */
} wp_coin;

typedef struct wp_pool {
    uint64_t denom;
    wp_coin *pre, *post;
    uint32_t npre, cappre, npost, cappost;
} wp_pool;

typedef struct cj_reg { /* a Wasabi registration */
    uint32_t owner, change;
    uint32_t first, n; /* coins in the round's coin array */
    uint64_t total;
} cj_reg;

typedef struct cj_round {
    cj_reg *regs;
    uint32_t nregs, capregs;
    ft_gen_coin *coins;
    uint32_t ncoins, capcoins;
    uint32_t opened; /* height of the first registration */
} cj_round;

typedef struct dep_key { /* deposit addresses of non-user customers (thief groups) */
    uint32_t exchange;
    uint64_t customer;
    uint32_t addr;
} dep_key;

typedef struct ft_gen_economy {
    user *users;
    uint32_t n_users;
    uint64_t *user_cum; /* cumulative activity weights */
    exchange *ex;
    uint32_t n_ex;
    uint32_t *ex_weight;
    service *miners;
    uint32_t n_miners;
    uint32_t *miner_weight;
    uint32_t cur_miner;
    service *merchants;
    uint32_t n_merchants;
    service *otc;
    uint32_t n_otc;
    uint32_t mixer_entity, mixer_deposits, mixer_pool;
    mix_order *orders;
    uint32_t n_orders, cap_orders;
    uint32_t cj_entity[3], cj_wallet[3];
    wp_pool wp[4];
    cj_round wasabi[2];
    uint32_t wasabi_min[2];
    dep_key *deps;
    uint32_t n_deps, cap_deps;
    ft_gen_coin *tmp;  /* MAX_TAKE coins */
    ft_gen_dest *dest; /* FT_GEN_MAX_OUT payments */
} ft_gen_economy;

static const uint64_t wp_denoms[4] = {100000, 1000000, 5000000, 50000000};

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

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int random_type(ft_gen_world *w, uint32_t p2pkh, uint32_t p2wpkh, uint32_t p2tr)
{
    uint32_t weights[3] = {p2pkh, p2wpkh, p2tr};
    return (int)ft_gen_rng_pick(&w->rng, weights, 3) + FT_GEN_P2PKH;
}

static ft_status new_service(ft_gen_world *w, int kind, int type, int policy, service *s, ft_err *err)
{
    ft_status st;
    if ((st = ft_gen_entity_new(w, kind, &s->entity, err)) != FT_OK)
        return st;
    if ((st = ft_gen_wallet_new(w, s->entity, type, policy, &s->wallet, err)) != FT_OK)
        return st;
    s->acct.exchange = FT_GEN_NONE;
    s->acct.dep_addr = FT_GEN_NONE;
    return FT_OK;
}

ft_status ft_gen_economy_init(ft_gen_world *w, ft_err *err)
{
    ft_gen_economy *e = calloc(1, sizeof *e);
    ft_status st;
    uint64_t n = w->target_txs;
    if (!e)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the economy");
    w->eco = e;
    e->tmp = malloc(MAX_TAKE * sizeof *e->tmp);
    e->dest = malloc(FT_GEN_MAX_OUT * sizeof *e->dest);
    if (!e->tmp || !e->dest)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for the economy");

    e->n_users = (uint32_t)clamp_u64(n / 16, 40, 800000);
    e->n_ex = (uint32_t)clamp_u64(3 + n / 500000, 3, 12);
    e->n_miners = (uint32_t)clamp_u64(3 + n / 2000000, 3, 8);
    e->n_merchants = (uint32_t)clamp_u64(n / 1500, 3, 5000);
    e->n_otc = (uint32_t)clamp_u64(2 + n / 4000000, 2, 4);

    /* CoinJoin coordinators: fee addresses reused and known (labeled mixer). */
    for (int k = 0; k < 3; k++) {
        uint32_t a;
        if ((st = ft_gen_entity_new(w, FT_GEN_E_COINJOIN, &e->cj_entity[k], err)) != FT_OK)
            return st;
        w->ents[e->cj_entity[k]].sub = (uint16_t)k;
        w->ents[e->cj_entity[k]].num = (uint32_t)k + 1;
        if ((st = ft_gen_wallet_new(w, e->cj_entity[k], FT_GEN_P2WPKH, FT_GEN_REUSE,
                                    &e->cj_wallet[k], err)) != FT_OK ||
            (st = ft_gen_wallet_addr(w, e->cj_wallet[k], &a, err)) != FT_OK ||
            (st = ft_gen_truth_label(w, a, FT_GEN_CAT_MIXER, err)) != FT_OK)
            return st;
    }
    for (int p = 0; p < 4; p++)
        e->wp[p].denom = wp_denoms[p];
    e->wasabi_min[0] = (uint32_t)clamp_u64(e->n_users / 400, 4, 60);
    e->wasabi_min[1] = (uint32_t)clamp_u64(e->n_users / 300, 5, 80);

    /* Exchanges: the first is a legacy (P2PKH) shop so that the pre-segwit era has one. */
    e->ex = calloc(e->n_ex, sizeof *e->ex);
    e->ex_weight = calloc(e->n_ex, sizeof *e->ex_weight);
    if (!e->ex || !e->ex_weight)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for exchanges");
    for (uint32_t i = 0; i < e->n_ex; i++) {
        exchange *x = &e->ex[i];
        int type = i == 0 ? FT_GEN_P2PKH : random_type(w, 2, 7, 1);
        if ((st = ft_gen_entity_new(w, FT_GEN_E_EXCHANGE, &x->entity, err)) != FT_OK ||
            (st = ft_gen_wallet_new(w, x->entity, type, FT_GEN_REUSE, &x->hot, err)) != FT_OK ||
            (st = ft_gen_wallet_new(w, x->entity, type, FT_GEN_ROTATE, &x->deposits, err)) != FT_OK ||
            (st = ft_gen_wallet_new(w, x->entity, type, FT_GEN_REUSE, &x->cold, err)) != FT_OK ||
            (st = ft_gen_wallet_addr(w, x->hot, &x->hot_addr, err)) != FT_OK ||
            (st = ft_gen_truth_label(w, x->hot_addr, FT_GEN_CAT_EXCHANGE, err)) != FT_OK)
            return st;
        e->ex_weight[i] = (uint32_t)ft_gen_rng_heavy(&w->rng, 12);
    }

    e->miners = calloc(e->n_miners, sizeof *e->miners);
    e->miner_weight = calloc(e->n_miners, sizeof *e->miner_weight);
    if (!e->miners || !e->miner_weight)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for miners");
    for (uint32_t i = 0; i < e->n_miners; i++) {
        if ((st = new_service(w, FT_GEN_E_MINER, FT_GEN_P2PKH, FT_GEN_REUSE, &e->miners[i], err)))
            return st;
        e->miners[i].acct.exchange = (uint32_t)ft_gen_rng_pick(&w->rng, e->ex_weight, e->n_ex);
        e->miner_weight[i] = 1 + (uint32_t)ft_gen_rng_below(&w->rng, 10);
    }

    e->merchants = calloc(e->n_merchants, sizeof *e->merchants);
    if (!e->merchants)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for merchants");
    for (uint32_t i = 0; i < e->n_merchants; i++) {
        if ((st = new_service(w, FT_GEN_E_MERCHANT, random_type(w, 2, 7, 1), FT_GEN_ROTATE,
                              &e->merchants[i], err)))
            return st;
        e->merchants[i].acct.exchange = (uint32_t)ft_gen_rng_pick(&w->rng, e->ex_weight, e->n_ex);
    }

    e->otc = calloc(e->n_otc, sizeof *e->otc);
    if (!e->otc)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for OTC desks");
    for (uint32_t i = 0; i < e->n_otc; i++) {
        uint32_t a;
        int type = i == 0 ? FT_GEN_P2PKH : FT_GEN_P2WPKH;
        if ((st = new_service(w, FT_GEN_E_OTC, type, FT_GEN_REUSE, &e->otc[i], err)) ||
            (st = ft_gen_wallet_addr(w, e->otc[i].wallet, &a, err)) ||
            (st = ft_gen_truth_label(w, a, FT_GEN_CAT_OTC, err)))
            return st;
        e->otc[i].acct.exchange = (uint32_t)ft_gen_rng_pick(&w->rng, e->ex_weight, e->n_ex);
    }

    {
        uint32_t a;
        if ((st = ft_gen_entity_new(w, FT_GEN_E_MIXER, &e->mixer_entity, err)) ||
            (st = ft_gen_wallet_new(w, e->mixer_entity, FT_GEN_P2WPKH, FT_GEN_ROTATE,
                                    &e->mixer_deposits, err)) ||
            (st = ft_gen_wallet_new(w, e->mixer_entity, FT_GEN_P2WPKH, FT_GEN_REUSE, &e->mixer_pool,
                                    err)) ||
            (st = ft_gen_wallet_addr(w, e->mixer_pool, &a, err)) ||
            (st = ft_gen_truth_label(w, a, FT_GEN_CAT_MIXER, err)))
            return st;
    }

    e->users = calloc(e->n_users, sizeof *e->users);
    e->user_cum = calloc(e->n_users, sizeof *e->user_cum);
    if (!e->users || !e->user_cum)
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for %u users", e->n_users);
    uint64_t cum = 0;
    for (uint32_t i = 0; i < e->n_users; i++) {
        uint32_t ent;
        int type = random_type(w, 35, 45, 20);
        int policy = ft_gen_rng_chance(&w->rng, 350) ? FT_GEN_REUSE : FT_GEN_ROTATE;
        if ((st = ft_gen_entity_new(w, FT_GEN_E_USER, &ent, err)) ||
            (st = ft_gen_wallet_new(w, ent, type, policy, &e->users[i].wallet, err)))
            return st;
        e->users[i].acct.exchange = (uint32_t)ft_gen_rng_pick(&w->rng, e->ex_weight, e->n_ex);
        e->users[i].acct.dep_addr = FT_GEN_NONE;
        cum += ft_gen_rng_heavy(&w->rng, 24);
        e->user_cum[i] = cum;
    }
    return FT_OK;
}

void ft_gen_economy_release(ft_gen_world *w)
{
    ft_gen_economy *e = w->eco;
    if (!e)
        return;
    if (e->ex)
        for (uint32_t i = 0; i < e->n_ex; i++)
            free(e->ex[i].q);
    for (int p = 0; p < 4; p++) {
        free(e->wp[p].pre);
        free(e->wp[p].post);
    }
    for (int k = 0; k < 2; k++) {
        free(e->wasabi[k].regs);
        free(e->wasabi[k].coins);
    }
    free(e->users);
    free(e->user_cum);
    free(e->ex);
    free(e->ex_weight);
    free(e->miners);
    free(e->miner_weight);
    free(e->merchants);
    free(e->otc);
    free(e->orders);
    free(e->deps);
    free(e->tmp);
    free(e->dest);
    free(e);
    w->eco = NULL;
}

/* ---- helpers ------------------------------------------------------------------------ */

static uint32_t pick_user(ft_gen_world *w)
{
    ft_gen_economy *e = w->eco;
    uint64_t x = ft_gen_rng_below(&w->rng, e->user_cum[e->n_users - 1]);
    uint32_t lo = 0, hi = e->n_users - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e->user_cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static ft_status account_addr(ft_gen_world *w, account *a, uint32_t *addr, uint32_t *wallet,
                              ft_err *err)
{
    exchange *x = &w->eco->ex[a->exchange];
    ft_status st;
    if (a->dep_addr == FT_GEN_NONE) {
        if ((st = ft_gen_addr_new(w, x->entity, w->wallets[x->deposits].type, &a->dep_addr, err)))
            return st;
    }
    *addr = a->dep_addr;
    *wallet = x->deposits;
    return FT_OK;
}

/* Sends coins already taken from `from` (which gets them back on a soft failure). */
static ft_status send_or_return(ft_gen_world *w, uint32_t from, ft_gen_send *s, ft_gen_sent *res,
                                ft_err *err)
{
    ft_status st = ft_gen_send_tx(w, s, res, err);
    if (st == FT_ERR_LIMIT) {
        ft_status st2 = ft_gen_wallet_return(w, from, s->in, s->n_in, err);
        return st2 ? st2 : FT_ERR_LIMIT;
    }
    return st;
}

static void send_init(ft_gen_send *s, const ft_gen_coin *in, size_t n_in, ft_gen_dest *out,
                      size_t n_out)
{
    memset(s, 0, sizeof *s);
    s->in = in;
    s->n_in = n_in;
    s->out = out;
    s->n_out = n_out;
    s->change_wallet = FT_GEN_NONE;
    s->change_addr = FT_GEN_NONE;
    s->fee_from = -1;
    s->shuffle = 1;
}

/* Pays `value` from wallet to (dest_wallet, addr) with change back to the wallet. */
static ft_status pay(ft_gen_world *w, uint32_t from, uint32_t dest_wallet, uint32_t addr,
                     uint64_t value, uint32_t tag, size_t max_in, ft_gen_sent *res, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    uint64_t sum;
    uint64_t margin = (uint64_t)(ft_gen_feerate(w) * 2u) * (uint64_t)(11 + 43 * 2 + 148 * 4);
    size_t n = ft_gen_wallet_take(w, from, value + margin, max_in, e->tmp, &sum);
    if (n == 0)
        return FT_ERR_LIMIT;
    ft_gen_dest d = {dest_wallet, addr, value, tag};
    ft_gen_send s;
    send_init(&s, e->tmp, n, &d, 1);
    s.change_wallet = from;
    return send_or_return(w, from, &s, res, err);
}

/* Sends everything spendable (up to max_in coins) to one address, fee from the payment. */
static ft_status sweep(ft_gen_world *w, uint32_t from, uint32_t dest_wallet, uint32_t addr,
                       size_t min_coins, size_t max_in, ft_gen_sent *res, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    uint64_t sum;
    size_t n = ft_gen_wallet_take_all(w, from, max_in, e->tmp, &sum);
    if (n == 0)
        return FT_ERR_LIMIT;
    if (n < min_coins) {
        ft_status st = ft_gen_wallet_return(w, from, e->tmp, n, err);
        return st ? st : FT_ERR_LIMIT;
    }
    ft_gen_dest d = {dest_wallet, addr, sum, 0};
    ft_gen_send s;
    send_init(&s, e->tmp, n, &d, 1);
    s.fee_from = 0;
    return send_or_return(w, from, &s, res, err);
}

static int soft(ft_status st)
{
    return st == FT_ERR_LIMIT;
}

/* ---- coinbase ----------------------------------------------------------------------- */

ft_status ft_gen_economy_coinbase(ft_gen_world *w, uint8_t script[FT_GEN_SPK_MAX], size_t *len,
                                  ft_err *err)
{
    ft_gen_economy *e = w->eco;
    uint32_t a;
    ft_status st;
    e->cur_miner = (uint32_t)ft_gen_rng_pick(&w->rng, e->miner_weight, e->n_miners);
    if ((st = ft_gen_wallet_addr(w, e->miners[e->cur_miner].wallet, &a, err)) != FT_OK)
        return st;
    *len = ft_gen_addr_script(w, a, script);
    return FT_OK;
}

ft_status ft_gen_economy_coinbase_done(ft_gen_world *w, const uint8_t txid[32], uint64_t value,
                                       ft_err *err)
{
    ft_gen_economy *e = w->eco;
    ft_gen_wallet *wl = &w->wallets[e->miners[e->cur_miner].wallet];
    ft_gen_coin c;
    if (value == 0)
        return FT_OK;
    memset(&c, 0, sizeof c);
    memcpy(c.txid, txid, 32);
    c.value = value;
    c.vout = 0;
    c.addr = wl->addr;
    c.height = w->height;
    c.flags = FT_GEN_COIN_COINBASE;
    return ft_gen_wallet_put(w, e->miners[e->cur_miner].wallet, &c, err);
}

/* ---- exchanges ---------------------------------------------------------------------- */

uint32_t ft_gen_economy_n_exchanges(const ft_gen_world *w)
{
    return w->eco->n_ex;
}

uint32_t ft_gen_economy_exchange_hot(const ft_gen_world *w, uint32_t ex_id)
{
    return w->eco->ex[ex_id].hot;
}

ft_status ft_gen_economy_deposit_addr(ft_gen_world *w, uint32_t ex_id, uint64_t customer,
                                      uint32_t *addr, uint32_t *wallet, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    exchange *x = &e->ex[ex_id];
    ft_status st;
    *wallet = x->deposits;
    for (uint32_t i = 0; i < e->n_deps; i++)
        if (e->deps[i].exchange == ex_id && e->deps[i].customer == customer) {
            *addr = e->deps[i].addr;
            return FT_OK;
        }
    if (!grow((void **)&e->deps, &e->cap_deps, e->n_deps + 1, sizeof *e->deps))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for deposit addresses");
    if ((st = ft_gen_addr_new(w, x->entity, w->wallets[x->deposits].type, addr, err)) != FT_OK)
        return st;
    e->deps[e->n_deps].exchange = ex_id;
    e->deps[e->n_deps].customer = customer;
    e->deps[e->n_deps].addr = *addr;
    e->n_deps++;
    return FT_OK;
}

ft_status ft_gen_economy_withdraw(ft_gen_world *w, uint32_t ex, uint32_t wallet, uint32_t addr,
                                  uint64_t value, ft_err *err)
{
    exchange *x = &w->eco->ex[ex];
    if (!grow((void **)&x->q, &x->capq, x->nq + 1, sizeof *x->q))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for withdrawals");
    x->q[x->nq].wallet = wallet;
    x->q[x->nq].addr = addr;
    x->q[x->nq].value = value;
    x->q[x->nq].since = w->height;
    x->nq++;
    return FT_OK;
}

static ft_status exchange_services(ft_gen_world *w, uint32_t i, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    exchange *x = &e->ex[i];
    ft_status st;
    uint32_t n_dep;

    /* Sweep deposit addresses into the hot wallet, a third of the time together with one of
     * the hot wallet's own coins (the multi-input link investigators cluster on). */
    ft_gen_wallet_spendable(w, x->deposits, &n_dep);
    if (n_dep >= 2 + ft_gen_rng_below(&w->rng, 25) || (n_dep > 0 && ft_gen_rng_chance(&w->rng, 150))) {
        uint64_t sum, hsum = 0;
        size_t n = ft_gen_wallet_take_all(w, x->deposits, 200, e->tmp, &sum);
        size_t nh = 0;
        if (n > 0 && ft_gen_rng_chance(&w->rng, 330))
            nh = ft_gen_wallet_take(w, x->hot, 1, 1, e->tmp + n, &hsum);
        if (n > 0) {
            ft_gen_dest d = {x->hot, x->hot_addr, sum + hsum, 0};
            ft_gen_send s;
            send_init(&s, e->tmp, n + nh, &d, 1);
            s.fee_from = 0;
            w->step = "sweep";
            st = ft_gen_send_tx(w, &s, NULL, err);
            if (st == FT_ERR_LIMIT) {
                if ((st = ft_gen_wallet_return(w, x->deposits, e->tmp, n, err)) ||
                    (nh && (st = ft_gen_wallet_return(w, x->hot, e->tmp + n, nh, err))))
                    return st;
            } else if (st) {
                return st;
            }
        }
    }

    /* Withdrawal batch. */
    if (x->nq > 0 && (x->nq >= 3 + ft_gen_rng_below(&w->rng, 20) ||
                      w->height - x->q[0].since >= 2 || ft_gen_rng_chance(&w->rng, 300))) {
        uint32_t k = x->nq < 120 ? x->nq : 120;
        uint64_t total = 0;
        for (uint32_t j = 0; j < k; j++) {
            withdrawal *q = &x->q[j];
            uint32_t a = q->addr;
            if (a == FT_GEN_NONE && (st = ft_gen_wallet_addr(w, q->wallet, &a, err)))
                return st;
            q->addr = a;
            e->dest[j].wallet = q->wallet;
            e->dest[j].addr = a;
            e->dest[j].value = q->value;
            e->dest[j].tag = 0;
            total += q->value;
        }
        uint64_t margin = (uint64_t)ft_gen_feerate(w) * 2 * (11 + 43 * (k + 1) + 148 * 30);
        uint64_t sum;
        size_t n = ft_gen_wallet_take(w, x->hot, total + margin, 300, e->tmp, &sum);
        if (n > 0) {
            ft_gen_send s;
            send_init(&s, e->tmp, n, e->dest, k);
            s.change_wallet = x->hot;
            s.change_addr = x->hot_addr;
            st = send_or_return(w, x->hot, &s, NULL, err);
            if (st == FT_OK) {
                memmove(x->q, x->q + k, (x->nq - k) * sizeof *x->q);
                x->nq -= k;
            } else if (!soft(st)) {
                return st;
            }
        } else {
            /* Not enough hot coins: refill from cold storage, drop requests waiting too long. */
            st = sweep(w, x->cold, x->hot, x->hot_addr, 1, 50, NULL, err);
            if (st && !soft(st))
                return st;
            uint32_t keep = 0;
            for (uint32_t j = 0; j < x->nq; j++)
                if (w->height - x->q[j].since < 30)
                    x->q[keep++] = x->q[j];
            x->nq = keep;
        }
    }

    /* Cold storage: move part of a large hot balance away. */
    if (ft_gen_rng_chance(&w->rng, 40)) {
        uint32_t nh;
        uint64_t hot = ft_gen_wallet_spendable(w, x->hot, &nh);
        if (hot > 50 * COIN && nh >= 2) {
            uint32_t cold_addr;
            if ((st = ft_gen_wallet_addr(w, x->cold, &cold_addr, err)))
                return st;
            st = pay(w, x->hot, x->cold, cold_addr, hot / 2, 0, 100, NULL, err);
            if (st && !soft(st))
                return st;
        }
    }
    return FT_OK;
}

/* ---- miners, merchants, OTC, mixer ---------------------------------------------------- */

static ft_status miner_services(ft_gen_world *w, uint32_t i, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    service *m = &e->miners[i];
    ft_status st;
    uint32_t nc;
    uint64_t bal = ft_gen_wallet_spendable(w, m->wallet, &nc);
    if (nc == 0 || bal < 20 * FT_GEN_DUST * 50)
        return FT_OK;
    if (ft_gen_rng_chance(&w->rng, 200)) {
        /* Sell to the home exchange. */
        uint32_t addr, dw;
        if ((st = account_addr(w, &m->acct, &addr, &dw, err)))
            return st;
        st = pay(w, m->wallet, dw, addr, bal / 100 * (30 + ft_gen_rng_below(&w->rng, 40)), 0, 50,
                 NULL, err);
        return st && !soft(st) ? st : FT_OK;
    }
    if (!ft_gen_rng_chance(&w->rng, 350))
        return FT_OK;
    /* Pay pool members: heavy-tailed shares of 40–80 % of the balance. */
    uint32_t k = (uint32_t)ft_gen_rng_range(&w->rng, 3, e->n_users < 60 ? e->n_users / 2 : 60);
    uint64_t total = bal / 100 * (40 + ft_gen_rng_below(&w->rng, 40));
    uint64_t wsum = 0, wts[60];
    for (uint32_t j = 0; j < k; j++)
        wsum += (wts[j] = ft_gen_rng_heavy(&w->rng, 10));
    uint32_t n_out = 0;
    uint64_t paid = 0;
    for (uint32_t j = 0; j < k; j++) {
        uint64_t v = total / wsum * wts[j];
        if (v < 10 * FT_GEN_DUST)
            continue;
        uint32_t u = pick_user(w), addr;
        if ((st = ft_gen_wallet_addr(w, e->users[u].wallet, &addr, err)))
            return st;
        e->dest[n_out].wallet = e->users[u].wallet;
        e->dest[n_out].addr = addr;
        e->dest[n_out].value = v;
        e->dest[n_out].tag = 0;
        n_out++;
        paid += v;
    }
    if (n_out == 0)
        return FT_OK;
    uint64_t sum;
    uint64_t margin = (uint64_t)ft_gen_feerate(w) * 2 * (11 + 43 * (n_out + 1) + 148 * 40);
    size_t n = ft_gen_wallet_take(w, m->wallet, paid + margin, 200, e->tmp, &sum);
    if (n == 0)
        return FT_OK;
    ft_gen_send s;
    send_init(&s, e->tmp, n, e->dest, n_out);
    s.change_wallet = m->wallet;
    st = send_or_return(w, m->wallet, &s, NULL, err);
    return st && !soft(st) ? st : FT_OK;
}

static ft_status merchant_settle(ft_gen_world *w, uint32_t i, ft_err *err)
{
    service *m = &w->eco->merchants[i];
    uint32_t addr, dw, nc;
    ft_status st;
    ft_gen_wallet_spendable(w, m->wallet, &nc);
    if (nc < 3)
        return FT_OK;
    if ((st = account_addr(w, &m->acct, &addr, &dw, err)))
        return st;
    st = sweep(w, m->wallet, dw, addr, 3, 100, NULL, err);
    return st && !soft(st) ? st : FT_OK;
}

static ft_status otc_services(ft_gen_world *w, uint32_t i, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    service *o = &e->otc[i];
    ft_status st;
    uint32_t nc;
    uint64_t bal = ft_gen_wallet_spendable(w, o->wallet, &nc);
    if (nc == 0)
        return FT_OK;
    if (ft_gen_rng_chance(&w->rng, 150) && bal > COIN) {
        uint32_t addr, dw;
        if ((st = account_addr(w, &o->acct, &addr, &dw, err)))
            return st;
        st = pay(w, o->wallet, dw, addr, bal / 2, 0, 100, NULL, err);
        return st && !soft(st) ? st : FT_OK;
    }
    if (ft_gen_rng_chance(&w->rng, 250) && bal > COIN / 10) {
        uint32_t u = pick_user(w), addr;
        if ((st = ft_gen_wallet_addr(w, e->users[u].wallet, &addr, err)))
            return st;
        uint64_t v = ft_gen_rng_logu(&w->rng, COIN / 20, bal / 2);
        st = pay(w, o->wallet, e->users[u].wallet, addr, v, 0, 100, NULL, err);
        return st && !soft(st) ? st : FT_OK;
    }
    return FT_OK;
}

uint32_t ft_gen_economy_n_otc(const ft_gen_world *w)
{
    return w->eco->n_otc;
}

ft_status ft_gen_economy_otc_addr(ft_gen_world *w, uint32_t otc, uint32_t *addr, uint32_t *wallet,
                                  ft_err *err)
{
    *wallet = w->eco->otc[otc].wallet;
    return ft_gen_wallet_addr(w, *wallet, addr, err);
}

ft_status ft_gen_economy_mixer_deposit(ft_gen_world *w, uint32_t *addr, uint32_t *wallet,
                                       ft_err *err)
{
    *wallet = w->eco->mixer_deposits;
    return ft_gen_wallet_addr(w, *wallet, addr, err);
}

ft_status ft_gen_economy_mixer_order(ft_gen_world *w, uint64_t value, uint32_t dest_wallet,
                                     ft_err *err)
{
    ft_gen_economy *e = w->eco;
    if (!grow((void **)&e->orders, &e->cap_orders, e->n_orders + 1, sizeof *e->orders))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for mixer orders");
    e->orders[e->n_orders].dest = dest_wallet;
    e->orders[e->n_orders].value = value / 100 * (97 + ft_gen_rng_below(&w->rng, 3));
    e->orders[e->n_orders].due = w->height + 2 + (uint32_t)ft_gen_rng_below(&w->rng, 10);
    e->n_orders++;
    return FT_OK;
}

static ft_status mixer_services(ft_gen_world *w, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    ft_status st;
    uint32_t pool_addr, nc;
    if ((st = ft_gen_wallet_addr(w, e->mixer_pool, &pool_addr, err)))
        return st;
    ft_gen_wallet_spendable(w, e->mixer_deposits, &nc);
    if (nc > 0) {
        st = sweep(w, e->mixer_deposits, e->mixer_pool, pool_addr, 1, 150, NULL, err);
        if (st && !soft(st))
            return st;
    }
    /* Pay due orders in one batch, each in 1..3 parts to fresh addresses. */
    uint32_t n_out = 0, idx[64], n_idx = 0;
    uint64_t total = 0;
    for (uint32_t j = 0; j < e->n_orders && n_idx < 64; j++) {
        mix_order *o = &e->orders[j];
        if (o->due > w->height)
            continue;
        uint32_t parts = 1 + (uint32_t)ft_gen_rng_below(&w->rng, 3);
        if (o->value < parts * 20 * FT_GEN_DUST)
            parts = 1;
        if (n_out + parts > 200)
            break;
        uint64_t left = o->value;
        for (uint32_t p = 0; p < parts; p++) {
            uint64_t v = p + 1 == parts ? left : left / 100 * (20 + ft_gen_rng_below(&w->rng, 50));
            uint32_t addr;
            if ((st = ft_gen_wallet_addr(w, o->dest, &addr, err)))
                return st;
            e->dest[n_out].wallet = o->dest;
            e->dest[n_out].addr = addr;
            e->dest[n_out].value = v;
            e->dest[n_out].tag = 0;
            n_out++;
            left -= v;
        }
        total += o->value;
        idx[n_idx++] = j;
    }
    if (n_out == 0)
        return FT_OK;
    uint64_t sum;
    uint64_t margin = (uint64_t)ft_gen_feerate(w) * 2 * (11 + 43 * (n_out + 1) + 68 * 30);
    size_t n = ft_gen_wallet_take(w, e->mixer_pool, total + margin, 300, e->tmp, &sum);
    if (n == 0)
        return FT_OK; /* not enough liquidity yet: the orders wait */
    ft_gen_send s;
    send_init(&s, e->tmp, n, e->dest, n_out);
    s.change_wallet = e->mixer_pool;
    s.change_addr = pool_addr;
    st = send_or_return(w, e->mixer_pool, &s, NULL, err);
    if (st == FT_OK) {
        for (uint32_t k = n_idx; k-- > 0;) /* remove paid orders, highest index first */
            e->orders[idx[k]] = e->orders[--e->n_orders];
        return FT_OK;
    }
    return soft(st) ? FT_OK : st;
}

/* ---- CoinJoins ------------------------------------------------------------------------ */

static ft_status wp_push(wp_coin **v, uint32_t *n, uint32_t *cap, const ft_gen_coin *c,
                         uint32_t owner, uint32_t remixes, ft_err *err)
{
    if (!grow((void **)v, cap, *n + 1, sizeof **v))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for whirlpool coins");
    (*v)[*n].coin = *c;
    (*v)[*n].owner = owner;
    (*v)[*n].remixes = remixes;
    (*n)++;
    return FT_OK;
}

/* A fresh CoinJoin address of the owner: CoinJoin wallets never reuse addresses. */
static ft_status cj_addr(ft_gen_world *w, uint32_t owner, int type, uint32_t *addr, ft_err *err)
{
    return ft_gen_addr_new(w, w->wallets[owner].entity, type, addr, err);
}

static ft_status whirlpool_tx0(ft_gen_world *w, const ft_gen_coin *coins, size_t n, uint32_t owner,
                               uint32_t change_wallet, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    ft_status st;
    uint64_t total = 0;
    uint32_t feerate = ft_gen_feerate(w);
    uint64_t mf = 500 + (uint64_t)feerate * 120; /* per premix: its share of a mix's fee */
    uint32_t tag = 0; /* an incident's coin stays tagged through the Tx0 */
    for (size_t i = 0; i < n; i++) {
        total += coins[i].value;
        if (!tag)
            tag = coins[i].tag;
    }
    int pool = -1;
    uint32_t k = 0;
    for (int p = 3; p >= 0; p--) {
        uint64_t d = wp_denoms[p], pool_fee = d / 20;
        uint64_t txfee = (uint64_t)feerate * (11 + 68 * n + 31 * 72 + 60);
        if (total < pool_fee + txfee + d + mf)
            continue;
        uint64_t cnt = (total - pool_fee - txfee) / (d + mf);
        uint64_t cap = ft_gen_rng_logu(&w->rng, 1, 70); /* most Tx0s make a few premixes */
        if (cnt > cap)
            cnt = cap;
        if (cnt >= 1) {
            pool = p;
            k = (uint32_t)cnt;
            break;
        }
    }
    if (pool < 0)
        return FT_ERR_LIMIT;
    uint32_t fee_addr;
    if ((st = ft_gen_wallet_addr(w, e->cj_wallet[0], &fee_addr, err)))
        return st;
    e->dest[0].wallet = e->cj_wallet[0];
    e->dest[0].addr = fee_addr;
    e->dest[0].value = wp_denoms[pool] / 20;
    e->dest[0].tag = 0;
    for (uint32_t j = 0; j < k; j++) {
        uint32_t a;
        if ((st = cj_addr(w, owner, FT_GEN_P2WPKH, &a, err)))
            return st;
        e->dest[1 + j].wallet = FT_GEN_NONE;
        e->dest[1 + j].addr = a;
        e->dest[1 + j].value = wp_denoms[pool] + mf;
        e->dest[1 + j].tag = tag;
    }
    uint8_t payload[46];
    for (size_t j = 0; j < sizeof payload; j++)
        payload[j] = (uint8_t)ft_gen_rng_next(&w->rng);
    uint32_t change_addr;
    if ((st = cj_addr(w, change_wallet, FT_GEN_P2WPKH, &change_addr, err)))
        return st;
    ft_gen_send s;
    ft_gen_sent res;
    memset(&s, 0, sizeof s);
    s.in = coins;
    s.n_in = n;
    s.out = e->dest;
    s.n_out = 1 + k;
    s.change_wallet = change_wallet;
    s.change_addr = change_addr;
    s.change_tag = tag;
    s.fee_from = -1;
    s.feerate = feerate;
    s.opret = payload;
    s.opret_len = sizeof payload;
    s.shuffle = 0;
    w->step = "whirlpool_tx0";
    st = ft_gen_send_tx(w, &s, &res, err);
    w->step = NULL;
    if (st)
        return st;
    if ((st = ft_gen_truth_coinjoin(w, res.txid, "whirlpool_tx0", err)))
        return st;
    wp_pool *wp = &e->wp[pool];
    for (uint32_t j = 0; j < k; j++) {
        ft_gen_coin c;
        memset(&c, 0, sizeof c);
        memcpy(c.txid, res.txid, 32);
        c.vout = res.vout[1 + j];
        c.value = e->dest[1 + j].value;
        c.addr = e->dest[1 + j].addr;
        c.height = w->height;
        c.tag = tag;
        if ((st = wp_push(&wp->pre, &wp->npre, &wp->cappre, &c, owner, 0, err)))
            return st;
    }
    return FT_OK;
}

/* One Whirlpool mix in pool p: 5 inputs (new entrants and remixers), 5 equal outputs. */
static ft_status whirlpool_mix(ft_gen_world *w, int p, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    wp_pool *wp = &e->wp[p];
    ft_status st;
    uint32_t pre_ready = 0, post_ready = 0;
    for (uint32_t i = 0; i < wp->npre; i++)
        pre_ready += ft_gen_coin_spendable(w, &wp->pre[i].coin);
    for (uint32_t i = 0; i < wp->npost; i++)
        post_ready += ft_gen_coin_spendable(w, &wp->post[i].coin);
    if (pre_ready == 0 || pre_ready + post_ready < 5)
        return FT_ERR_LIMIT;
    uint32_t want_pre = post_ready >= 3 ? 2 : 5 - post_ready;
    if (want_pre > pre_ready)
        want_pre = pre_ready;
    if (want_pre == 0)
        want_pre = 1;
    /* Choose: prefer distinct owners, random order. */
    wp_coin chosen[5];
    uint32_t from_pre[5], idx[5], nch = 0;
    for (int pass = 0; pass < 2 && nch < 5; pass++) {
        int pre = pass == 0;
        wp_coin *v = pre ? wp->pre : wp->post;
        uint32_t nv = pre ? wp->npre : wp->npost;
        uint32_t want = pre ? want_pre : 5 - nch;
        if (nv == 0)
            continue;
        uint32_t start = (uint32_t)ft_gen_rng_below(&w->rng, nv);
        for (int distinct = 1; distinct >= 0 && want > 0; distinct--)
            for (uint32_t k = 0; k < nv && want > 0; k++) {
                uint32_t i = (start + k) % nv;
                if (!ft_gen_coin_spendable(w, &v[i].coin))
                    continue;
                int dup = 0;
                for (uint32_t c = 0; c < nch; c++)
                    if ((from_pre[c] == (uint32_t)pre && idx[c] == i) ||
                        (distinct && chosen[c].owner == v[i].owner))
                        dup = 1;
                if (dup)
                    continue;
                chosen[nch] = v[i];
                from_pre[nch] = (uint32_t)pre;
                idx[nch] = i;
                nch++;
                want--;
            }
    }
    if (nch < 5)
        return FT_ERR_LIMIT;
    ft_gen_coin in[5];
    uint32_t npre_used = 0;
    for (uint32_t c = 0; c < 5; c++) {
        in[c] = chosen[c].coin;
        npre_used += from_pre[c];
    }
    if (npre_used == 0)
        return FT_ERR_LIMIT;
    for (uint32_t c = 0; c < 5; c++) {
        uint32_t a;
        if ((st = cj_addr(w, chosen[c].owner, FT_GEN_P2WPKH, &a, err)))
            return st;
        e->dest[c].wallet = FT_GEN_NONE;
        e->dest[c].addr = a;
        e->dest[c].value = wp->denom;
        e->dest[c].tag = chosen[c].coin.tag;
    }
    ft_gen_send s;
    ft_gen_sent res;
    send_init(&s, in, 5, e->dest, 5);
    s.feerate = 1; /* the fee is whatever the premix allowances leave */
    w->step = "whirlpool";
    st = ft_gen_send_tx(w, &s, &res, err);
    w->step = NULL;
    if (st)
        return st;
    if ((st = ft_gen_truth_coinjoin(w, res.txid, "whirlpool", err)))
        return st;
    /* Remove the spent coins (pre and post lists, highest index first per list). */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t list[5], nl = 0;
        for (uint32_t c = 0; c < 5; c++)
            if (from_pre[c] == (uint32_t)(pass == 0))
                list[nl++] = idx[c];
        for (uint32_t a = 0; a < nl; a++)
            for (uint32_t b = a + 1; b < nl; b++)
                if (list[b] > list[a]) {
                    uint32_t t = list[a];
                    list[a] = list[b];
                    list[b] = t;
                }
        for (uint32_t a = 0; a < nl; a++) {
            if (pass == 0)
                wp->pre[list[a]] = wp->pre[--wp->npre];
            else
                wp->post[list[a]] = wp->post[--wp->npost];
        }
    }
    /* New postmix coins: remix a few times, then back to the owner. */
    for (uint32_t c = 0; c < 5; c++) {
        ft_gen_coin nc;
        memset(&nc, 0, sizeof nc);
        memcpy(nc.txid, res.txid, 32);
        nc.vout = res.vout[c];
        nc.value = wp->denom;
        nc.addr = e->dest[c].addr;
        nc.height = w->height;
        nc.tag = chosen[c].coin.tag;
        uint32_t left = from_pre[c] ? (uint32_t)ft_gen_rng_below(&w->rng, 4) : chosen[c].remixes;
        if (left == 0) {
            if ((st = ft_gen_wallet_deliver(w, chosen[c].owner, &nc, err)))
                return st;
        } else if ((st = wp_push(&wp->post, &wp->npost, &wp->cappost, &nc, chosen[c].owner,
                                 left - 1, err))) {
            return st;
        }
    }
    return FT_OK;
}

static ft_status wasabi_register(ft_gen_world *w, int k, const ft_gen_coin *coins, size_t n,
                                 uint32_t owner, uint32_t change, ft_err *err)
{
    cj_round *r = &w->eco->wasabi[k];
    if (!grow((void **)&r->regs, &r->capregs, r->nregs + 1, sizeof *r->regs) ||
        !grow((void **)&r->coins, &r->capcoins, r->ncoins + (uint32_t)n, sizeof *r->coins))
        return ft_err_set(err, FT_ERR_NOMEM, "out of memory for coinjoin registrations");
    cj_reg *g = &r->regs[r->nregs++];
    g->owner = owner;
    g->change = change;
    g->first = r->ncoins;
    g->n = (uint32_t)n;
    g->total = 0;
    for (size_t i = 0; i < n; i++) {
        r->coins[r->ncoins++] = coins[i];
        g->total += coins[i].value;
    }
    if (r->nregs == 1)
        r->opened = w->height;
    return FT_OK;
}

static int cmp_dest_desc(const void *a, const void *b)
{
    const ft_gen_dest *x = a, *y = b;
    return x->value < y->value ? 1 : x->value > y->value ? -1 : 0;
}

static int cmp_coin_desc(const void *a, const void *b)
{
    const ft_gen_coin *x = a, *y = b;
    return x->value < y->value ? 1 : x->value > y->value ? -1 : 0;
}

/* Standard Wasabi 2 denominations: powers of two and 1-2-5 series, from 5000 sat. */
static uint64_t ww2_denom_at_most(uint64_t v)
{
    uint64_t best = 0;
    for (uint64_t p = 8192; p <= 1ull << 40; p <<= 1)
        if (p <= v && p > best)
            best = p;
    for (uint64_t t = 5000; t <= 100000000000ull; t *= 10) {
        uint64_t c[3] = {t, t * 2, t * 5};
        for (int i = 0; i < 3; i++)
            if (c[i] <= v && c[i] > best)
                best = c[i];
    }
    return best;
}

static ft_status wasabi_round(ft_gen_world *w, int k, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    cj_round *r = &e->wasabi[k];
    ft_status st;
    uint32_t feerate = w->feerate;
    uint64_t d = 10000000; /* Wasabi 1 base denomination, 0.1 BTC */
    uint32_t n_out = 0;
    uint32_t n_reg = r->nregs;
    /* Every coin must still be spendable (they were when registered, and stay so). */
    if (r->ncoins > MAX_TAKE)
        return FT_ERR_LIMIT;
    uint32_t level2 = 0;
    if (k == 0)
        for (uint32_t g = 0; g < n_reg; g++)
            level2 += r->regs[g].total >= 3 * d + d / 10;
    uint64_t coord_total = 0;
    ft_gen_coin *in = e->tmp;
    uint32_t n_in = 0, n_included = 0;
    uint8_t included[512];
    if (n_reg > sizeof included)
        return FT_ERR_LIMIT;
    for (uint32_t g = 0; g < n_reg; g++) {
        cj_reg *reg = &r->regs[g];
        uint64_t allow = (uint64_t)feerate * (148 * reg->n + 43 * 9 + 11);
        uint64_t avail = reg->total > allow ? reg->total - allow : 0;
        uint32_t first_out = n_out;
        included[g] = 0;
        if (k == 0) {
            uint64_t coord = d * 3 / 100000 * n_reg; /* 0.003 % per anonymity set member */
            if (avail < d + coord)
                continue;
            avail -= coord;
            coord_total += coord;
            uint64_t levels[2] = {d, 2 * d};
            int nl = level2 >= 2 && avail >= 3 * d ? 2 : 1;
            for (int l = 0; l < nl; l++) {
                uint32_t a;
                if ((st = cj_addr(w, reg->owner, FT_GEN_P2WPKH, &a, err)))
                    return st;
                e->dest[n_out].wallet = reg->owner;
                e->dest[n_out].addr = a;
                e->dest[n_out].value = levels[l];
                e->dest[n_out].tag = r->coins[reg->first].tag;
                n_out++;
                avail -= levels[l];
            }
            if (avail >= FT_GEN_DUST) {
                uint32_t a;
                if ((st = cj_addr(w, reg->change, FT_GEN_P2WPKH, &a, err)))
                    return st;
                e->dest[n_out].wallet = reg->change;
                e->dest[n_out].addr = a;
                e->dest[n_out].value = avail;
                e->dest[n_out].tag = r->coins[reg->first].tag;
                n_out++;
            }
        } else {
            int type = w->wallets[reg->owner].type == FT_GEN_P2TR ? FT_GEN_P2TR : FT_GEN_P2WPKH;
            for (int j = 0; j < 8 && avail >= 5000; j++) {
                uint64_t v = ww2_denom_at_most(avail);
                uint32_t a;
                if ((st = cj_addr(w, reg->owner, type, &a, err)))
                    return st;
                e->dest[n_out].wallet = reg->owner;
                e->dest[n_out].addr = a;
                e->dest[n_out].value = v;
                e->dest[n_out].tag = r->coins[reg->first].tag;
                n_out++;
                avail -= v;
            }
            /* what is left (< 5000 sat, or after 8 outputs) goes to the miners */
        }
        if (n_out > first_out) {
            included[g] = 1;
            n_included++;
            memcpy(in + n_in, r->coins + reg->first, reg->n * sizeof *in);
            n_in += reg->n;
        }
    }
    if (coord_total >= FT_GEN_DUST) {
        uint32_t a;
        if ((st = ft_gen_wallet_addr(w, e->cj_wallet[1], &a, err)))
            return st;
        e->dest[n_out].wallet = e->cj_wallet[1];
        e->dest[n_out].addr = a;
        e->dest[n_out].value = coord_total;
        e->dest[n_out].tag = 0;
        n_out++;
    }
    if (n_out < 4 || n_included < 3)
        return FT_ERR_LIMIT;
    ft_gen_send s;
    ft_gen_sent res;
    send_init(&s, in, n_in, e->dest, n_out);
    s.feerate = 1;
    if (k == 1) {
        qsort(in, n_in, sizeof *in, cmp_coin_desc);
        qsort(e->dest, n_out, sizeof *e->dest, cmp_dest_desc);
        s.shuffle = 0;
    } else {
        ft_gen_rng_shuffle(&w->rng, in, n_in, sizeof *in);
    }
    w->step = k == 0 ? "wasabi1" : "wasabi2";
    st = ft_gen_send_tx(w, &s, &res, err);
    w->step = NULL;
    if (st)
        return st;
    if ((st = ft_gen_truth_coinjoin(w, res.txid, k == 0 ? "wasabi1" : "wasabi2", err)))
        return st;
    /* Registrations left out (too small after fees) get their coins back. */
    for (uint32_t g = 0; g < n_reg; g++) {
        if (included[g])
            continue;
        for (uint32_t i = 0; i < r->regs[g].n; i++)
            if ((st = ft_gen_wallet_deliver(w, r->regs[g].change, &r->coins[r->regs[g].first + i],
                                            err)))
                return st;
    }
    r->nregs = 0;
    r->ncoins = 0;
    return FT_OK;
}

/* Returns a round's registrations to their owners (a round that never filled). */
static ft_status wasabi_refund(ft_gen_world *w, int k, ft_err *err)
{
    cj_round *r = &w->eco->wasabi[k];
    ft_status st;
    for (uint32_t g = 0; g < r->nregs; g++) {
        cj_reg *reg = &r->regs[g];
        for (uint32_t i = 0; i < reg->n; i++)
            if ((st = ft_gen_wallet_deliver(w, reg->change, &r->coins[reg->first + i], err)))
                return st;
    }
    r->nregs = 0;
    r->ncoins = 0;
    return FT_OK;
}

ft_status ft_gen_economy_coinjoin_join(ft_gen_world *w, int kind, const ft_gen_coin *coins, size_t n,
                                       uint32_t owner_wallet, uint32_t change_wallet, ft_err *err)
{
    if (!w->segwit)
        return FT_ERR_LIMIT;
    if (kind == 0)
        return whirlpool_tx0(w, coins, n, owner_wallet, change_wallet, err);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += coins[i].value;
    if (kind == 1 && total < 10000000 + 200000)
        return FT_ERR_LIMIT;
    if (kind == 2 && total < 100000)
        return FT_ERR_LIMIT;
    if (w->eco->wasabi[kind - 1].ncoins + n > 400)
        return FT_ERR_LIMIT;
    return wasabi_register(w, kind - 1, coins, n, owner_wallet, change_wallet, err);
}

static ft_status coinjoin_services(ft_gen_world *w, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    ft_status st;
    if (!w->segwit)
        return FT_OK;
    for (int p = 0; p < 4; p++)
        for (int round = 0; round < 8; round++) {
            st = whirlpool_mix(w, p, err);
            if (st == FT_ERR_LIMIT)
                break;
            if (st)
                return st;
        }
    for (int k = 0; k < 2; k++) {
        cj_round *r = &e->wasabi[k];
        if (r->nregs == 0)
            continue;
        int due = r->nregs >= e->wasabi_min[k] || (r->nregs >= 3 && w->height - r->opened >= 6);
        if (!due) {
            if (w->height - r->opened >= 40 && (st = wasabi_refund(w, k, err)))
                return st;
            continue;
        }
        st = wasabi_round(w, k, err);
        if (st == FT_ERR_LIMIT) {
            if (!w->block_full && w->budget > 0 && (st = wasabi_refund(w, k, err)))
                return st;
            continue;
        }
        if (st)
            return st;
    }
    return FT_OK;
}

ft_status ft_gen_economy_services(ft_gen_world *w, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    ft_status st;
    if ((st = coinjoin_services(w, err)))
        return st;
    if ((st = mixer_services(w, err)))
        return st;
    for (uint32_t i = 0; i < e->n_ex && w->budget > 0; i++)
        if ((st = exchange_services(w, i, err)))
            return st;
    for (uint32_t i = 0; i < e->n_miners && w->budget > 0; i++)
        if ((st = miner_services(w, i, err)))
            return st;
    for (uint32_t i = 0; i < e->n_otc && w->budget > 0; i++)
        if ((st = otc_services(w, i, err)))
            return st;
    uint32_t settle = 1 + e->n_merchants / 40;
    for (uint32_t j = 0; j < settle && w->budget > 0; j++)
        if ((st = merchant_settle(w, (uint32_t)ft_gen_rng_below(&w->rng, e->n_merchants), err)))
            return st;
    return FT_OK;
}

/* ---- users ---------------------------------------------------------------------------- */

enum { A_PAY_USER, A_PAY_MERCHANT, A_DEPOSIT, A_WITHDRAW, A_CONSOLIDATE, A_WHIRLPOOL, A_WASABI1,
       A_WASABI2, A_OTC, A_MIXER, A_COUNT };
static const uint32_t action_weights[A_COUNT] = {
    [A_PAY_USER] = 380, [A_PAY_MERCHANT] = 170, [A_DEPOSIT] = 110, [A_WITHDRAW] = 150,
    [A_CONSOLIDATE] = 40, [A_WHIRLPOOL] = 6, [A_WASABI1] = 12, [A_WASABI2] = 25,
    [A_OTC] = 10, [A_MIXER] = 10,
};

static ft_status user_action(ft_gen_world *w, ft_err *err)
{
    ft_gen_economy *e = w->eco;
    uint32_t ui = pick_user(w);
    user *u = &e->users[ui];
    uint32_t wl = u->wallet;
    ft_status st;
    uint32_t nc;
    uint64_t bal = ft_gen_wallet_spendable(w, wl, &nc);
    int act = (int)ft_gen_rng_pick(&w->rng, action_weights, A_COUNT);
    if (nc == 0 || bal < 20 * FT_GEN_DUST)
        act = A_WITHDRAW;

    switch (act) {
    case A_PAY_USER: {
        uint32_t v = pick_user(w), addr;
        if (v == ui)
            return FT_ERR_LIMIT;
        if ((st = ft_gen_wallet_addr(w, e->users[v].wallet, &addr, err)))
            return st;
        uint64_t amt = ft_gen_rng_logu(&w->rng, 10 * FT_GEN_DUST, bal / 10 * 9);
        return pay(w, wl, e->users[v].wallet, addr, amt, 0, 20, NULL, err);
    }
    case A_PAY_MERCHANT: {
        service *m = &e->merchants[ft_gen_rng_below(&w->rng, e->n_merchants)];
        uint32_t addr;
        if ((st = ft_gen_wallet_addr(w, m->wallet, &addr, err)))
            return st;
        uint64_t hi = bal / 2 < 5000000 ? bal / 2 : 5000000;
        uint64_t amt = ft_gen_rng_logu(&w->rng, 5 * FT_GEN_DUST, hi);
        return pay(w, wl, m->wallet, addr, amt, 0, 10, NULL, err);
    }
    case A_DEPOSIT: {
        uint32_t addr, dw;
        if ((st = account_addr(w, &u->acct, &addr, &dw, err)))
            return st;
        if (ft_gen_rng_chance(&w->rng, 300))
            return sweep(w, wl, dw, addr, 1, 20, NULL, err);
        uint64_t amt = bal / 100 * (20 + ft_gen_rng_below(&w->rng, 70));
        return pay(w, wl, dw, addr, amt < 10 * FT_GEN_DUST ? 10 * FT_GEN_DUST : amt, 0, 20, NULL, err);
    }
    case A_WITHDRAW: {
        uint64_t amt = ft_gen_rng_logu(&w->rng, 50000, 3 * COIN);
        if ((st = ft_gen_economy_withdraw(w, u->acct.exchange, wl, FT_GEN_NONE, amt, err)))
            return st;
        return FT_ERR_LIMIT; /* no tx now; the exchange batches it */
    }
    case A_CONSOLIDATE: {
        uint32_t addr;
        if (nc < 4)
            return FT_ERR_LIMIT;
        if ((st = ft_gen_wallet_addr(w, wl, &addr, err)))
            return st;
        return sweep(w, wl, wl, addr, 4, 30, NULL, err);
    }
    case A_WHIRLPOOL:
    case A_WASABI1:
    case A_WASABI2: {
        int kind = act - A_WHIRLPOOL;
        uint64_t need = kind == 0 ? 300000 : kind == 1 ? 10500000 : 100000;
        if (bal < need || !w->segwit)
            return FT_ERR_LIMIT;
        uint64_t target = kind == 1 ? bal : bal / 100 * (30 + ft_gen_rng_below(&w->rng, 70));
        if (target < need)
            target = need;
        uint64_t sum;
        size_t n = ft_gen_wallet_take(w, wl, target, kind == 0 ? 10 : 5, e->tmp, &sum);
        if (n == 0)
            return FT_ERR_LIMIT;
        ft_gen_coin mine[10];
        memcpy(mine, e->tmp, n * sizeof *mine);
        st = ft_gen_economy_coinjoin_join(w, kind, mine, n, wl, wl, err);
        if (st == FT_ERR_LIMIT) {
            ft_status st2 = ft_gen_wallet_return(w, wl, mine, n, err);
            return st2 ? st2 : FT_ERR_LIMIT;
        }
        return st;
    }
    case A_OTC: {
        if (bal < COIN / 2)
            return FT_ERR_LIMIT;
        uint32_t addr, ow;
        if ((st = ft_gen_economy_otc_addr(w, (uint32_t)ft_gen_rng_below(&w->rng, e->n_otc), &addr,
                                          &ow, err)))
            return st;
        return pay(w, wl, ow, addr, bal / 100 * (50 + ft_gen_rng_below(&w->rng, 40)), 0, 30, NULL,
                   err);
    }
    case A_MIXER: {
        if (bal < 200000 || !w->segwit)
            return FT_ERR_LIMIT;
        uint32_t addr, mw;
        if ((st = ft_gen_economy_mixer_deposit(w, &addr, &mw, err)))
            return st;
        uint64_t amt = bal / 100 * (30 + ft_gen_rng_below(&w->rng, 60));
        st = pay(w, wl, mw, addr, amt, 0, 10, NULL, err);
        if (st)
            return st;
        return ft_gen_economy_mixer_order(w, amt, wl, err);
    }
    default:
        return FT_ERR_LIMIT;
    }
}

ft_status ft_gen_economy_users(ft_gen_world *w, uint64_t target, ft_err *err)
{
    (void)target;
    uint64_t attempts = 0, max_attempts = 8 * w->budget + 32;
    while (w->budget > 0 && !w->block_full && attempts++ < max_attempts) {
        ft_status st = user_action(w, err);
        if (st && st != FT_ERR_LIMIT)
            return st;
    }
    return FT_OK;
}
