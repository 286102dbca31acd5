/*
 * account.c — fundtrace-gen --account: a synthetic EVM chain (chain `dev`) with ground truth
 * for the `deposit` clustering heuristic, written in ethereum-etl's CSV layout.
 *
 * What: exchanges with labelled hot wallets; customers with 1–5 own addresses (some also a
 * contract wallet) who pay into one deposit address per exchange, from any of their own
 * addresses, and which the exchange sweeps to a hot wallet after a delay (1–5 blocks mostly,
 * sometimes up to 1000, sometimes in two partial forwards); withdrawals from hot wallets to
 * customers; payments between customers. And the confounders that make the heuristic wrong:
 *   processor   a payment processor's address: unrelated payers pay it, it forwards everything
 *               to one exchange (looks exactly like a deposit address shared by strangers)
 *   forwarder   a shared contract that forwards each payment to an exchange by an internal call
 *   direct      a customer address that sends only to one exchange's hot wallet, and also
 *               receives withdrawals and payments from others
 *   two-exchange a customer address that forwards to the hot wallets of two exchanges
 *   airdrop     dust senders (token transfers, or 1 gwei of ETH) to deposit and other addresses
 * How: one pass over blocks; each block first executes the forwards that are due, then draws
 * actions until it holds its share of transactions; the run stops at exactly N transactions.
 * Files: DIR/{blocks,transactions,receipts,traces,token_transfers}.csv, DIR/labels.csv (hot
 * wallets, category exchange), DIR/truth/addresses.csv (address,entity,entity_kind for every
 * address that took part in a transfer; a deposit address belongs to the customer it credits)
 * and DIR/truth/deposits.csv (deposit_address,exchange,customer).
 * --token-deposits (off by default; without it the output is byte-identical to before it
 * existed): a 6-decimal token (symbol TUSD, like USDT) that customers also deposit (3 in 10
 * deposits), that deposit addresses sweep per asset (ETH first, then the token; partial
 * sweeps as for ETH), that direct payers pay hot wallets with (3 in 10) and that customers pay
 * each other with (3 in 10); its decimals go to DIR/tokens.csv (index with --tokens).
 * Invariants: same seed → same bytes (integer-only rng streams: 1 economy, 2 hashes, 3 keys);
 * every tx succeeds; receipts' cumulative gas sums to the block's gas_used; blocks chain by
 * parent hash, 12 s apart from 2024-01-01 00:00 UTC; amounts are integers (gwei × 10^9 wei).
 */
#include "datasets/gen/account.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datasets/gen/rng.h"

#include "engine/banned.h"

#define NONE UINT32_MAX
#define MAX_OWN 5

enum { K_EXCHANGE, K_USER, K_PROCESSOR, K_FORWARDER, K_AIRDROP, K_TOKEN, K_MINER, K_COUNT };
static const char *const kind_name[K_COUNT] = {"exchange", "user",  "processor", "forwarder",
                                               "airdrop",  "token", "miner"};

enum { R_OWN, R_DEPOSIT, R_HOT, R_CWALLET, R_DIRECT, R_TWOEX, R_PROC, R_FWD, R_AIR, R_TOKEN, R_MINER };

typedef struct aw {
    ft_gen_rng rng, hrng, krng;
    uint64_t target, n_tx;
    /* addresses */
    uint32_t n_addr, cap_addr;
    uint8_t (*addr)[20];
    uint32_t *owner;   /* entity id */
    uint8_t *role;
    uint8_t *used;     /* took part in a written transfer */
    uint64_t *nonce;
    uint64_t *pending; /* gwei received and not yet forwarded (deposit, processor) */
    uint64_t *pending_tok; /* --token-deposits: token units received, not yet forwarded */
    uint32_t *due;     /* block at which the forward is due, NONE */
    uint32_t *fwd_ex;  /* exchange it forwards to (deposit, processor, forwarder, direct) */
    uint32_t *fwd_ex2; /* two-exchange: the second exchange */
    /* entities */
    uint32_t n_ent;
    uint8_t *ekind;
    uint32_t *eidx;
    /* actors */
    uint32_t nx, nu, np, nf, na;
    uint32_t *hot, *n_hot; /* nx × 2 */
    uint32_t *own, *n_own; /* nu × MAX_OWN */
    uint32_t *ex1, *ex2;   /* per user, ex2 NONE */
    uint32_t *dep;         /* nu × nx, NONE until first deposit */
    uint32_t *cwallet, *direct, *twoex; /* per user, NONE */
    uint32_t *proc, *fwd, *air, *tok;
    uint32_t *direct_users, n_direct, *twoex_users, n_twoex;
    uint32_t *deposits, n_deposits; /* created deposit addresses */
    uint32_t miner;
    int tokdep;   /* --token-deposits */
    uint32_t usd; /* its token contract (6 decimals), NONE without */
    uint32_t *sched;
    size_t n_sched;
    /* the block being written */
    uint32_t height, tx_index;
    uint8_t hash[32], parent[32];
    uint64_t cum_gas;
    /* output */
    FILE *fb, *ft, *fr, *fc, *fk;
    uint64_t n_traces, n_tokens, n_forwards, n_partial, n_tokdep;
} aw;

/* ---- small helpers -------------------------------------------------------------------------- */

static void hexs(char *out, const uint8_t *b, size_t n)
{
    static const char d[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < n; i++) {
        out[2 + 2 * i] = d[b[i] >> 4];
        out[3 + 2 * i] = d[b[i] & 15];
    }
    out[2 + 2 * n] = '\0';
}

static void rand_bytes(ft_gen_rng *r, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i += 8) {
        uint64_t v = ft_gen_rng_next(r);
        for (size_t k = 0; k < 8 && i + k < n; k++)
            b[i + k] = (uint8_t)(v >> (8 * k));
    }
}

/* "0" or the gwei amount as wei */
static void wei_text(char *out, size_t cap, uint64_t gwei)
{
    if (gwei == 0)
        snprintf(out, cap, "0");
    else
        snprintf(out, cap, "%" PRIu64 "000000000", gwei);
}

static uint32_t new_entity(aw *w, int kind, uint32_t idx)
{
    w->ekind[w->n_ent] = (uint8_t)kind;
    w->eidx[w->n_ent] = idx;
    return w->n_ent++;
}

static uint32_t new_addr(aw *w, uint32_t ent, int role)
{
    uint32_t a = w->n_addr++;
    rand_bytes(&w->krng, w->addr[a], 20);
    w->owner[a] = ent;
    w->role[a] = (uint8_t)role;
    w->due[a] = NONE;
    w->fwd_ex[a] = NONE;
    w->fwd_ex2[a] = NONE;
    return a;
}

static uint32_t pick_hot(aw *w, uint32_t x)
{
    return w->hot[2 * x + ft_gen_rng_below(&w->rng, w->n_hot[x])];
}

static uint32_t pick_own(aw *w, uint32_t u)
{
    return w->own[u * MAX_OWN + ft_gen_rng_below(&w->rng, w->n_own[u])];
}

/* A payment size in gwei: 0.001 .. 20 ETH, log-uniform. */
static uint64_t amount(aw *w)
{
    return ft_gen_rng_logu(&w->rng, 1000000ull, 20000000000ull);
}

static uint32_t delay(aw *w)
{
    uint32_t r = (uint32_t)ft_gen_rng_below(&w->rng, 100);
    if (r < 70)
        return (uint32_t)ft_gen_rng_range(&w->rng, 1, 5);
    if (r < 95)
        return (uint32_t)ft_gen_rng_range(&w->rng, 6, 100);
    return (uint32_t)ft_gen_rng_range(&w->rng, 101, 1000);
}

static int schedule(aw *w, uint32_t a)
{
    if (w->due[a] != NONE)
        return 0;
    w->due[a] = w->height + delay(w);
    w->sched[w->n_sched++] = a;
    return 0;
}

/* ---- writing one transaction ---------------------------------------------------------------- */

typedef struct txspec {
    uint32_t from, to;
    uint64_t gwei;
    uint32_t int_to;   /* internal call to->int_to of the same value, NONE */
    uint32_t tok_to;   /* ERC-20 transfer from->tok_to by contract `to`, NONE */
    uint64_t tok_units;
} txspec;

static int emit(aw *w, const txspec *t)
{
    char h[67], bh[67], fa[43], ta[43], v[40];
    uint8_t txh[32];
    rand_bytes(&w->hrng, txh, 32);
    hexs(h, txh, 32);
    hexs(bh, w->hash, 32);
    hexs(fa, w->addr[t->from], 20);
    hexs(ta, w->addr[t->to], 20);
    wei_text(v, sizeof v, t->gwei);
    uint64_t gas = t->int_to != NONE ? 45000 : t->tok_to != NONE ? 52000 : 21000;
    const uint64_t gas_price = 2000000000ull;
    w->cum_gas += gas;
    uint64_t ts = 1704067200ull + 12ull * w->height;
    if (fprintf(w->ft, "%s,%" PRIu64 ",%s,%u,%u,%s,%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",,,0\n",
                h, w->nonce[t->from]++, bh, w->height, w->tx_index, fa, ta, v, gas + gas / 2,
                gas_price, ts) < 0 ||
        fprintf(w->fr, "%s,%u,%s,%u,%" PRIu64 ",%" PRIu64 ",,1,%" PRIu64 "\n", h, w->tx_index, bh,
                w->height, w->cum_gas, gas, gas_price) < 0)
        return -1;
    w->used[t->from] = w->used[t->to] = 1;
    if (t->int_to != NONE) {
        char ia[43];
        hexs(ia, w->addr[t->int_to], 20);
        if (fprintf(w->fc, "%u,%s,%u,%s,%s,%s,call,call,,1,,1,\n", w->height, h, w->tx_index, fa,
                    ta, v) < 0 ||
            fprintf(w->fc, "%u,%s,%u,%s,%s,%s,call,call,,0,0,1,\n", w->height, h, w->tx_index, ta,
                    ia, v) < 0)
            return -1;
        w->used[t->int_to] = 1;
        w->n_traces += 2;
    }
    if (t->tok_to != NONE) {
        char ka[43];
        hexs(ka, w->addr[t->tok_to], 20);
        if (fprintf(w->fk, "%s,%s,%s,%" PRIu64 ",%s,0,%u\n", ta, fa, ka, t->tok_units, h,
                    w->height) < 0)
            return -1;
        w->used[t->tok_to] = 1;
        w->n_tokens++;
    }
    w->tx_index++;
    w->n_tx++;
    return 0;
}

static int simple(aw *w, uint32_t from, uint32_t to, uint64_t gwei)
{
    txspec t = {from, to, gwei, NONE, NONE, 0};
    return emit(w, &t);
}

/* ---- the economy ---------------------------------------------------------------------------- */

static uint32_t deposit_addr(aw *w, uint32_t u, uint32_t x)
{
    uint32_t *d = &w->dep[(size_t)u * w->nx + x];
    if (*d == NONE) {
        *d = new_addr(w, w->owner[w->own[u * MAX_OWN]], R_DEPOSIT);
        w->fwd_ex[*d] = x;
        w->deposits[w->n_deposits++] = *d;
    }
    return *d;
}

/* A token amount in base units (6 decimals): 1 .. 20,000 units, log-uniform. */
static uint64_t token_amount(aw *w)
{
    return ft_gen_rng_logu(&w->rng, 1000000ull, 20000000000ull);
}

/* A transfer of `units` of the token from `from` to `to` (an external call of the contract). */
static int token_pay(aw *w, uint32_t from, uint32_t to, uint64_t units)
{
    txspec t = {from, w->usd, 0, NONE, to, units};
    return emit(w, &t);
}

/* Forwards what a deposit address or a processor holds (sometimes half, the rest later): its
 * ETH first; the token (--token-deposits) once no ETH is pending. */
static int forward(aw *w, uint32_t a)
{
    int tok = w->pending[a] == 0 && w->pending_tok[a] != 0;
    uint64_t *pend = tok ? &w->pending_tok[a] : &w->pending[a];
    uint64_t amt = *pend;
    w->due[a] = NONE;
    if (amt >= 2 && ft_gen_rng_chance(&w->rng, 200)) {
        amt /= 2;
        w->n_partial++;
    }
    *pend -= amt;
    w->n_forwards++;
    if (w->pending[a] || w->pending_tok[a]) /* the rest later: the caller keeps a scheduled */
        w->due[a] = w->height + delay(w);
    if (tok)
        return token_pay(w, a, pick_hot(w, w->fwd_ex[a]), amt);
    return simple(w, a, pick_hot(w, w->fwd_ex[a]), amt);
}

static int action(aw *w)
{
    uint32_t r = (uint32_t)ft_gen_rng_below(&w->rng, 1000);
    uint32_t u = (uint32_t)ft_gen_rng_below(&w->rng, w->nu);
    if (r < 300) { /* a customer deposits at an exchange */
        uint32_t x = w->ex2[u] != NONE && ft_gen_rng_chance(&w->rng, 300) ? w->ex2[u] : w->ex1[u];
        uint32_t d = deposit_addr(w, u, x);
        if (w->tokdep && ft_gen_rng_chance(&w->rng, 300)) { /* a token deposit */
            uint64_t units = token_amount(w);
            w->pending_tok[d] += units;
            schedule(w, d);
            w->n_tokdep++;
            return token_pay(w, pick_own(w, u), d, units);
        }
        uint64_t v = amount(w);
        w->pending[d] += v;
        schedule(w, d);
        if (w->cwallet[u] != NONE && ft_gen_rng_chance(&w->rng, 300)) {
            txspec t = {pick_own(w, u), w->cwallet[u], v, d, NONE, 0};
            return emit(w, &t);
        }
        return simple(w, pick_own(w, u), d, v);
    }
    if (r < 450) { /* withdrawal from a hot wallet */
        uint32_t to = pick_own(w, u);
        if (ft_gen_rng_chance(&w->rng, 150)) {
            if (w->direct[u] != NONE)
                to = w->direct[u];
            else if (w->twoex[u] != NONE)
                to = w->twoex[u];
        }
        return simple(w, pick_hot(w, w->ex1[u]), to, amount(w));
    }
    if (r < 650 || r >= 880) { /* a payment between customers */
        uint32_t v2 = (uint32_t)ft_gen_rng_below(&w->rng, w->nu);
        if (v2 == u)
            v2 = (v2 + 1) % w->nu;
        uint32_t to = pick_own(w, v2);
        if (ft_gen_rng_chance(&w->rng, 100)) {
            if (w->direct[v2] != NONE)
                to = w->direct[v2];
            else if (w->twoex[v2] != NONE)
                to = w->twoex[v2];
        }
        if (w->tokdep && ft_gen_rng_chance(&w->rng, 300))
            return token_pay(w, pick_own(w, u), to, token_amount(w) / 4 + 1);
        return simple(w, pick_own(w, u), to, amount(w) / 4 + 1);
    }
    if (r < 710) { /* a payment through a processor that settles at an exchange */
        uint32_t p = w->proc[ft_gen_rng_below(&w->rng, w->np)];
        uint64_t v = amount(w) / 4 + 1;
        w->pending[p] += v;
        schedule(w, p);
        return simple(w, pick_own(w, u), p, v);
    }
    if (r < 750) { /* a shared forwarder contract passes a payment on to an exchange */
        uint32_t f = w->fwd[ft_gen_rng_below(&w->rng, w->nf)];
        txspec t = {pick_own(w, u), f, amount(w), pick_hot(w, w->fwd_ex[f]), NONE, 0};
        return emit(w, &t);
    }
    if (r < 790 && w->n_direct) { /* a customer pays a hot wallet directly */
        uint32_t du = w->direct_users[ft_gen_rng_below(&w->rng, w->n_direct)];
        uint32_t a = w->direct[du];
        if (w->tokdep && ft_gen_rng_chance(&w->rng, 300))
            return token_pay(w, a, pick_hot(w, w->fwd_ex[a]), token_amount(w));
        return simple(w, a, pick_hot(w, w->fwd_ex[a]), amount(w));
    }
    if (r < 820 && w->n_twoex) { /* an address that pays two exchanges */
        uint32_t tu = w->twoex_users[ft_gen_rng_below(&w->rng, w->n_twoex)];
        uint32_t a = w->twoex[tu];
        uint32_t x = ft_gen_rng_chance(&w->rng, 500) ? w->fwd_ex[a] : w->fwd_ex2[a];
        return simple(w, a, pick_hot(w, x), amount(w));
    }
    if (r < 870) { /* dust or an airdrop, often to deposit addresses */
        uint32_t k = (uint32_t)ft_gen_rng_below(&w->rng, w->na);
        uint32_t to = w->n_deposits && ft_gen_rng_chance(&w->rng, 500)
                          ? w->deposits[ft_gen_rng_below(&w->rng, w->n_deposits)]
                          : pick_own(w, u);
        if (ft_gen_rng_chance(&w->rng, 700)) {
            txspec t = {w->air[k], w->tok[k], 0, NONE, to, 1000000};
            return emit(w, &t);
        }
        if (w->role[to] == R_DEPOSIT) {
            w->pending[to] += 1;
            schedule(w, to);
        }
        return simple(w, w->air[k], to, 1);
    }
    if (r < 880) { /* an exchange moves funds between its hot wallets */
        uint32_t x = (uint32_t)ft_gen_rng_below(&w->rng, w->nx);
        if (w->n_hot[x] == 2)
            return simple(w, w->hot[2 * x], w->hot[2 * x + 1], amount(w) * 4);
    }
    return simple(w, pick_own(w, u), pick_own(w, (u + 1) % w->nu), amount(w) / 4 + 1);
}

/* ---- setup and the block loop --------------------------------------------------------------- */

static int world_init(aw *w, uint64_t n, uint64_t seed, int tokdep)
{
    memset(w, 0, sizeof *w);
    w->tokdep = tokdep;
    w->usd = NONE;
    ft_gen_rng_seed(&w->rng, seed, 1);
    ft_gen_rng_seed(&w->hrng, seed, 2);
    ft_gen_rng_seed(&w->krng, seed, 3);
    w->target = n;
    w->nx = (uint32_t)(3 + n / 50000);
    if (w->nx > 8)
        w->nx = 8;
    w->nu = (uint32_t)(n / 10 > 20 ? n / 10 : 20);
    w->np = (uint32_t)(1 + n / 20000);
    w->nf = (uint32_t)(1 + n / 40000);
    w->na = (uint32_t)(1 + n / 50000);
    /* every address: hot wallets, users' own (+ contract wallet, direct, two-exchange), their
     * deposit addresses, processors, forwarders, airdroppers, tokens, miner */
    w->cap_addr = 2 * w->nx + w->nu * (MAX_OWN + 3) + w->nu * w->nx + w->np + w->nf + 2 * w->na + 2;
    uint32_t ce = w->nx + w->nu + w->np + w->nf + 2 * w->na + 2;
    size_t ca = w->cap_addr;
    w->addr = calloc(ca, 20);
    w->owner = calloc(ca, sizeof *w->owner);
    w->role = calloc(ca, 1);
    w->used = calloc(ca, 1);
    w->nonce = calloc(ca, sizeof *w->nonce);
    w->pending = calloc(ca, sizeof *w->pending);
    w->pending_tok = calloc(ca, sizeof *w->pending_tok);
    w->due = calloc(ca, sizeof *w->due);
    w->fwd_ex = calloc(ca, sizeof *w->fwd_ex);
    w->fwd_ex2 = calloc(ca, sizeof *w->fwd_ex2);
    w->sched = calloc(ca, sizeof *w->sched);
    w->deposits = calloc(ca, sizeof *w->deposits);
    w->ekind = calloc(ce, 1);
    w->eidx = calloc(ce, sizeof *w->eidx);
    w->hot = calloc(2 * (size_t)w->nx, sizeof *w->hot);
    w->n_hot = calloc(w->nx, sizeof *w->n_hot);
    w->own = calloc((size_t)w->nu * MAX_OWN, sizeof *w->own);
    w->n_own = calloc(w->nu, sizeof *w->n_own);
    w->ex1 = calloc(w->nu, sizeof *w->ex1);
    w->ex2 = calloc(w->nu, sizeof *w->ex2);
    w->dep = calloc((size_t)w->nu * w->nx, sizeof *w->dep);
    w->cwallet = calloc(w->nu, sizeof *w->cwallet);
    w->direct = calloc(w->nu, sizeof *w->direct);
    w->twoex = calloc(w->nu, sizeof *w->twoex);
    w->direct_users = calloc(w->nu, sizeof *w->direct_users);
    w->twoex_users = calloc(w->nu, sizeof *w->twoex_users);
    w->proc = calloc(w->np, sizeof *w->proc);
    w->fwd = calloc(w->nf, sizeof *w->fwd);
    w->air = calloc(w->na, sizeof *w->air);
    w->tok = calloc(w->na, sizeof *w->tok);
    if (!w->addr || !w->owner || !w->role || !w->used || !w->nonce || !w->pending || !w->pending_tok || !w->due ||
        !w->fwd_ex || !w->fwd_ex2 || !w->sched || !w->deposits || !w->ekind || !w->eidx ||
        !w->hot || !w->n_hot || !w->own || !w->n_own || !w->ex1 || !w->ex2 || !w->dep ||
        !w->cwallet || !w->direct || !w->twoex || !w->direct_users || !w->twoex_users ||
        !w->proc || !w->fwd || !w->air || !w->tok)
        return -1;
    for (size_t i = 0; i < (size_t)w->nu * w->nx; i++)
        w->dep[i] = NONE;
    for (uint32_t x = 0; x < w->nx; x++) {
        uint32_t e = new_entity(w, K_EXCHANGE, x + 1);
        w->n_hot[x] = ft_gen_rng_chance(&w->rng, 500) ? 2 : 1;
        for (uint32_t k = 0; k < w->n_hot[x]; k++)
            w->hot[2 * x + k] = new_addr(w, e, R_HOT);
    }
    for (uint32_t u = 0; u < w->nu; u++) {
        uint32_t e = new_entity(w, K_USER, u + 1);
        uint64_t k = ft_gen_rng_heavy(&w->rng, 8);
        w->n_own[u] = (uint32_t)(k > MAX_OWN ? MAX_OWN : k);
        for (uint32_t i = 0; i < w->n_own[u]; i++)
            w->own[u * MAX_OWN + i] = new_addr(w, e, R_OWN);
        w->ex1[u] = (uint32_t)ft_gen_rng_below(&w->rng, w->nx);
        w->ex2[u] = NONE;
        if (ft_gen_rng_chance(&w->rng, 200))
            w->ex2[u] = (w->ex1[u] + 1 + (uint32_t)ft_gen_rng_below(&w->rng, w->nx - 1)) % w->nx;
        w->cwallet[u] = w->direct[u] = w->twoex[u] = NONE;
        if (ft_gen_rng_chance(&w->rng, 80))
            w->cwallet[u] = new_addr(w, e, R_CWALLET);
        if (ft_gen_rng_chance(&w->rng, 50)) {
            w->direct[u] = new_addr(w, e, R_DIRECT);
            w->fwd_ex[w->direct[u]] = (uint32_t)ft_gen_rng_below(&w->rng, w->nx);
            w->direct_users[w->n_direct++] = u;
        }
        if (ft_gen_rng_chance(&w->rng, 30)) {
            uint32_t a = w->twoex[u] = new_addr(w, e, R_TWOEX);
            w->fwd_ex[a] = (uint32_t)ft_gen_rng_below(&w->rng, w->nx);
            w->fwd_ex2[a] = (w->fwd_ex[a] + 1) % w->nx;
            w->twoex_users[w->n_twoex++] = u;
        }
    }
    for (uint32_t p = 0; p < w->np; p++) {
        w->proc[p] = new_addr(w, new_entity(w, K_PROCESSOR, p + 1), R_PROC);
        w->fwd_ex[w->proc[p]] = p % w->nx;
    }
    for (uint32_t f = 0; f < w->nf; f++) {
        w->fwd[f] = new_addr(w, new_entity(w, K_FORWARDER, f + 1), R_FWD);
        w->fwd_ex[w->fwd[f]] = (f + 1) % w->nx;
    }
    for (uint32_t a = 0; a < w->na; a++) {
        w->air[a] = new_addr(w, new_entity(w, K_AIRDROP, a + 1), R_AIR);
        w->tok[a] = new_addr(w, new_entity(w, K_TOKEN, a + 1), R_TOKEN);
    }
    w->miner = new_addr(w, new_entity(w, K_MINER, 1), R_MINER);
    if (tokdep) /* after every other address: the key stream of the rest is unchanged */
        w->usd = new_addr(w, new_entity(w, K_TOKEN, w->na + 1), R_TOKEN);
    return 0;
}

static void world_free(aw *w)
{
    void *p[] = {w->addr,    w->owner,  w->role,         w->used,        w->nonce,   w->pending,
                 w->pending_tok,
                 w->due,     w->fwd_ex, w->fwd_ex2,      w->sched,       w->deposits, w->ekind,
                 w->eidx,    w->hot,    w->n_hot,        w->own,         w->n_own,   w->ex1,
                 w->ex2,     w->dep,    w->cwallet,      w->direct,      w->twoex,
                 w->direct_users, w->twoex_users, w->proc, w->fwd, w->air, w->tok};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        free(p[i]);
    memset(w, 0, sizeof *w);
}

static int write_block_row(aw *w)
{
    char h[67], ph[67], m[43];
    hexs(h, w->hash, 32);
    hexs(ph, w->parent, 32);
    hexs(m, w->addr[w->miner], 20);
    return fprintf(w->fb, "%u,%s,%s,%s,30000000,%" PRIu64 ",%" PRIu64 ",%u,\n", w->height, h, ph,
                   m, w->cum_gas, (uint64_t)(1704067200ull + 12ull * w->height), w->tx_index) < 0
               ? -1
               : 0;
}

static int run_blocks(aw *w)
{
    uint64_t per = w->target / 1000;
    if (per < 10)
        per = 10;
    if (per > 200)
        per = 200;
    /* genesis: no transactions */
    w->height = 0;
    rand_bytes(&w->hrng, w->hash, 32);
    if (write_block_row(w))
        return -1;
    while (w->n_tx < w->target) {
        memcpy(w->parent, w->hash, 32);
        rand_bytes(&w->hrng, w->hash, 32);
        w->height++;
        w->tx_index = 0;
        w->cum_gas = 0;
        uint64_t want = ft_gen_rng_range(&w->rng, per / 2, per + per / 2);
        /* forwards that are due, in scheduling order */
        size_t k = 0;
        for (size_t i = 0; i < w->n_sched; i++) {
            uint32_t a = w->sched[i];
            if (w->due[a] <= w->height && w->n_tx < w->target) {
                if (forward(w, a))
                    return -1;
                if (w->due[a] != NONE) /* rescheduled (partial): keep it */
                    w->sched[k++] = a;
            } else {
                w->sched[k++] = a;
            }
        }
        w->n_sched = k;
        while (w->tx_index < want && w->n_tx < w->target)
            if (action(w))
                return -1;
        if (write_block_row(w))
            return -1;
    }
    return 0;
}

/* ---- output files --------------------------------------------------------------------------- */

static FILE *open_csv(const char *dir, const char *name, const char *header)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "error: cannot create '%s': %s\n", path, strerror(errno));
        return NULL;
    }
    if (fputs(header, f) < 0) {
        fclose(f);
        fprintf(stderr, "error: cannot write '%s'\n", path);
        return NULL;
    }
    return f;
}

static int close_all(aw *w)
{
    int bad = 0;
    FILE **fs[] = {&w->fb, &w->ft, &w->fr, &w->fc, &w->fk};
    for (size_t i = 0; i < 5; i++)
        if (*fs[i]) {
            bad |= ferror(*fs[i]) != 0;
            bad |= fclose(*fs[i]) != 0;
            *fs[i] = NULL;
        }
    return bad ? -1 : 0;
}

static int write_truth(aw *w, const char *dir)
{
    char path[4096], a[43];
    snprintf(path, sizeof path, "%s/labels.csv", dir);
    FILE *lf = fopen(path, "wb");
    snprintf(path, sizeof path, "%s/truth/addresses.csv", dir);
    FILE *tf = fopen(path, "wb");
    snprintf(path, sizeof path, "%s/truth/deposits.csv", dir);
    FILE *df = fopen(path, "wb");
    int bad = !lf || !tf || !df;
    if (!bad) {
        fputs("chain,address,entity,category,source\n", lf);
        fputs("address,entity,entity_kind\n", tf);
        fputs("deposit_address,exchange,customer\n", df);
        for (uint32_t i = 0; i < w->n_addr; i++) {
            uint32_t e = w->owner[i];
            hexs(a, w->addr[i], 20);
            if (w->role[i] == R_HOT)
                fprintf(lf, "dev,%s,exchange-%u,exchange,fundtrace-gen\n", a, w->eidx[e]);
            if (!w->used[i])
                continue;
            fprintf(tf, "%s,%s-%u,%s\n", a, kind_name[w->ekind[e]], w->eidx[e],
                    kind_name[w->ekind[e]]);
            if (w->role[i] == R_DEPOSIT)
                fprintf(df, "%s,exchange-%u,%s-%u\n", a, w->fwd_ex[i] + 1,
                        kind_name[w->ekind[e]], w->eidx[e]);
        }
    }
    FILE *fs[] = {lf, tf, df};
    for (size_t i = 0; i < 3; i++)
        if (fs[i]) {
            bad |= ferror(fs[i]) != 0;
            bad |= fclose(fs[i]) != 0;
        }
    return bad ? -1 : 0;
}

/* --token-deposits: DIR/tokens.csv (the layout of datasets/tokens/tokens.csv) naming the
 * token's symbol and decimals; the airdrop tokens stay unknown. */
static int write_tokens(aw *w, const char *dir)
{
    char path[4096], a[43];
    snprintf(path, sizeof path, "%s/tokens.csv", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    hexs(a, w->addr[w->usd], 20);
    int bad = fprintf(f, "chain,contract,symbol,decimals,source\ndev,%s,TUSD,6,fundtrace-gen\n",
                      a) < 0;
    bad |= ferror(f) != 0;
    bad |= fclose(f) != 0;
    return bad ? -1 : 0;
}

static const char account_usage[] =
    "usage: fundtrace-gen --account --out DIR --txs N [--seed S] [--token-deposits] [--quiet]\n"
    "\n"
    "Writes an account-model chain (chain 'dev') of exactly N transactions in ethereum-etl CSV\n"
    "files to DIR (index it with 'fundtrace index ethereum --etl DIR --chain dev'), the exchange\n"
    "hot wallets as DIR/labels.csv, and the ground truth in DIR/truth (addresses.csv,\n"
    "deposits.csv). Same seed, same bytes.\n"
    "  --out DIR   output directory (created; must not hold blocks.csv already)\n"
    "  --txs N     number of transactions, 100 .. 100000000\n"
    "  --seed S    64-bit seed (default 1)\n"
    "  --token-deposits  customers also deposit (and pay with) a 6-decimal token, TUSD, whose\n"
    "              decimals go to DIR/tokens.csv (index with --tokens DIR/tokens.csv); without\n"
    "              it the chain is the same as before the option existed\n"
    "  --quiet     accepted like the UTXO mode's (there is no progress output)\n"
    "On success one summary line goes to stdout.\n";

static int parse_num(const char *s, uint64_t *v)
{
    if (!*s)
        return 0;
    uint64_t x = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
            return 0;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    return 1;
}

static int usage_fail(const char *msg, const char *arg)
{
    fputs("error: ", stderr);
    fprintf(stderr, msg, arg);
    fputs("\n", stderr);
    return 129;
}

int ft_gen_account_main(int argc, char **argv)
{
    const char *out = NULL;
    uint64_t n = 0, seed = 1;
    int have_n = 0, quiet = 0, tokdep = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(account_usage, stdout);
            return 0;
        } else if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
        } else if (strcmp(a, "--token-deposits") == 0) {
            tokdep = 1;
        } else if (strcmp(a, "--out") == 0 || strcmp(a, "--txs") == 0 || strcmp(a, "--seed") == 0) {
            if (i + 1 >= argc)
                return usage_fail("option '%s' needs a value", a);
            const char *v = argv[++i];
            if (strcmp(a, "--out") == 0)
                out = v;
            else if (strcmp(a, "--txs") == 0) {
                if (!parse_num(v, &n) || n < 100 || n > 100000000ull)
                    return usage_fail("--txs must be between 100 and 100000000, not '%s'", v);
                have_n = 1;
            } else if (!parse_num(v, &seed))
                return usage_fail("bad --seed value '%s'", v);
        } else {
            return usage_fail("unknown argument '%s'", a);
        }
    }
    if (!out)
        return usage_fail("%s", "--out DIR is required");
    if (!have_n)
        return usage_fail("%s", "--txs N is required");
    char path[4096];
    snprintf(path, sizeof path, "%s/blocks.csv", out);
    struct stat sb;
    if (stat(path, &sb) == 0)
        return usage_fail("'%s' already holds a chain", out);
    snprintf(path, sizeof path, "%s/truth", out);
    if ((mkdir(out, 0777) != 0 && errno != EEXIST) || (mkdir(path, 0777) != 0 && errno != EEXIST)) {
        fprintf(stderr, "error: cannot create '%s': %s\n", path, strerror(errno));
        return 1;
    }
    aw w;
    if (world_init(&w, n, seed, tokdep)) {
        world_free(&w);
        fputs("error: out of memory\n", stderr);
        return 1;
    }
    int rc = 1;
    w.fb = open_csv(out, "blocks.csv",
                    "number,hash,parent_hash,miner,gas_limit,gas_used,timestamp,"
                    "transaction_count,base_fee_per_gas\n");
    w.ft = open_csv(out, "transactions.csv",
                    "hash,nonce,block_hash,block_number,transaction_index,from_address,"
                    "to_address,value,gas,gas_price,block_timestamp,max_fee_per_gas,"
                    "max_priority_fee_per_gas,transaction_type\n");
    w.fr = open_csv(out, "receipts.csv",
                    "transaction_hash,transaction_index,block_hash,block_number,"
                    "cumulative_gas_used,gas_used,contract_address,status,effective_gas_price\n");
    w.fc = open_csv(out, "traces.csv",
                    "block_number,transaction_hash,transaction_index,from_address,to_address,"
                    "value,trace_type,call_type,reward_type,subtraces,trace_address,status,"
                    "error\n");
    w.fk = open_csv(out, "token_transfers.csv",
                    "token_address,from_address,to_address,value,transaction_hash,log_index,"
                    "block_number\n");
    if (w.fb && w.ft && w.fr && w.fc && w.fk) {
        int bad = run_blocks(&w);
        bad |= close_all(&w);
        bad = bad || write_truth(&w, out);
        bad = bad || (tokdep && write_tokens(&w, out));
        if (bad)
            fprintf(stderr, "error: cannot write the chain to '%s'\n", out);
        else
            rc = 0;
    }
    close_all(&w);
    (void)quiet;
    if (rc == 0) {
        uint32_t used = 0;
        for (uint32_t i = 0; i < w.n_addr; i++)
            used += w.used[i];
        printf("account chain: %" PRIu64 " txs in %u blocks, %u addresses, %u deposit addresses, "
               "%" PRIu64 " forwards (%" PRIu64 " partial), %" PRIu64 " token transfers, %" PRIu64
               " traces, seed %" PRIu64 "\n",
               w.n_tx, w.height + 1, used, w.n_deposits, w.n_forwards, w.n_partial, w.n_tokens,
               w.n_traces, seed);
        if (tokdep)
            printf("token deposits: %" PRIu64 " (token TUSD, 6 decimals, in %s/tokens.csv)\n",
                   w.n_tokdep, out);
    }
    world_free(&w);
    return rc;
}
