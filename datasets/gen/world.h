/*
 * world.h — the generator's state shared by its modules: addresses, entities, wallets and
 * their coins, the open block, the budget of transactions, and the send primitive that turns
 * coins and payments into a signed transaction in the open block.
 *
 *     entity (user-17, exchange-2, thief-1 …) ─owns─▶ wallets ─hold─▶ coins (unspent outputs)
 *     address i ── key i (keys.c) ── owned by one entity
 *
 * Memory per item is what lets 10 million transactions fit: an address is 40 bytes (type,
 * public key, entity), a coin 64 bytes, and only unspent coins are kept. Blocks are streamed
 * to disk as they close; nothing of a closed block stays in memory.
 */
#ifndef FT_GEN_WORLD_H
#define FT_GEN_WORLD_H

#include <stdint.h>
#include <stdio.h>

#include "chains/bitcoin/params.h"
#include "datasets/gen/blockwriter.h"
#include "datasets/gen/keys.h"
#include "datasets/gen/rng.h"
#include "datasets/gen/txbuild.h"
#include "engine/buf.h"
#include "engine/status.h"

#define FT_GEN_NONE UINT32_MAX
#define FT_GEN_DUST 1000u         /* smallest output we create (above every standard dust limit) */
#define FT_GEN_MATURITY 100u      /* coinbase outputs spendable 100 blocks later */
#define FT_GEN_SEGWIT_HEIGHT 432u /* first block where bcoin's regtest enforces segwit (BIP9) */
#define FT_GEN_HALVING 150u       /* regtest subsidy halving interval */
#define FT_GEN_TIME0 1704067200u  /* time of block 0 + 600 s per height: 2024-01-01 UTC */
#define FT_GEN_VERSION "0.1.0"

/* Entity kinds (entities.csv `kind`). */
enum {
    FT_GEN_E_USER = 0,
    FT_GEN_E_EXCHANGE,
    FT_GEN_E_MINER,
    FT_GEN_E_MERCHANT,
    FT_GEN_E_MIXER,
    FT_GEN_E_OTC,
    FT_GEN_E_COINJOIN,
    FT_GEN_E_THIEF,
    FT_GEN_E_KIND_COUNT
};

/* Address policies of wallets. */
enum { FT_GEN_REUSE = 0, FT_GEN_ROTATE = 1 };

/* Wallet kinds: plain wallets keep their coins; task wallets hand every coin they receive to
 * the incident module with the wallet's route (a laundering step still to do). */
enum { FT_GEN_W_PLAIN = 0, FT_GEN_W_TASK = 1 };

#define FT_GEN_COIN_COINBASE 1u

typedef struct ft_gen_coin {
    uint8_t txid[32];
    uint64_t value;
    uint32_t vout;
    uint32_t addr;   /* address (and key) index */
    uint32_t height; /* block that created it */
    uint32_t flags;
    uint32_t tag; /* owner-defined (incident number for stolen coins) */
    uint32_t pad;
} ft_gen_coin;

typedef struct ft_gen_addr {
    uint8_t type;    /* FT_GEN_P2PKH, FT_GEN_P2WPKH, FT_GEN_P2TR */
    uint8_t key[33]; /* compressed pubkey, or the x-only taproot output key in key[0..31] */
    uint8_t pad[2];
    uint32_t entity;
} ft_gen_addr;

typedef struct ft_gen_entity {
    uint8_t kind;
    uint8_t label; /* 1: its labeled addresses are written to labels.csv */
    uint16_t sub;  /* kind-specific (coinjoin flavour) */
    uint32_t num;  /* number within the kind: user-<num> */
    uint64_t n_addrs;
} ft_gen_entity;

typedef struct ft_gen_wallet {
    ft_gen_coin *coins;
    uint32_t n, cap;
    uint64_t balance;
    uint32_t entity;
    uint32_t addr; /* the reused address (REUSE policy), FT_GEN_NONE until first needed */
    uint8_t type;
    uint8_t policy;
    uint8_t kind;
    uint8_t route;     /* task wallets: laundering step */
    uint32_t incident; /* task wallets: incident number */
    uint32_t param;    /* task wallets: step parameter (hops left …) */
} ft_gen_wallet;

struct ft_gen_economy;
struct ft_gen_incidents;
struct ft_gen_truth;

typedef struct ft_gen_world {
    /* options */
    uint64_t seed;
    uint64_t target_txs;
    int placeholder;
    unsigned n_incidents;
    const ft_btc_params *net;

    ft_gen_rng rng;
    ft_gen_keys keys;

    ft_gen_addr *addrs;
    uint32_t n_addrs, cap_addrs;
    ft_gen_entity *ents;
    uint32_t n_ents, cap_ents;
    uint32_t kind_count[FT_GEN_E_KIND_COUNT];
    ft_gen_wallet *wallets;
    uint32_t n_wallets, cap_wallets;

    ft_gen_blockwriter bw;
    uint32_t height;  /* the open block */
    uint32_t feerate; /* base fee rate of the open block, sat/vB */
    int segwit;       /* witness spends allowed in the open block */
    uint64_t budget;  /* non-coinbase txs the open block may still take */
    int block_full;   /* set when a tx did not fit */
    const char *step; /* ground-truth step name of the next tx ("spend" when NULL) */

    ft_gen_tx tx;
    ft_buf scratch;
    ft_gen_coin *tmp_coins;
    size_t cap_tmp;

    struct ft_gen_economy *eco;
    struct ft_gen_incidents *inc;
    struct ft_gen_truth *truth;
} ft_gen_world;

/* A payment: value to an address, the coin delivered to wallet (FT_GEN_NONE: to nobody the
 * generator tracks as a wallet — the caller keeps the coin from the result). */
typedef struct ft_gen_dest {
    uint32_t wallet;
    uint32_t addr;
    uint64_t value;
    uint32_t tag; /* copied into the new coin */
} ft_gen_dest;

typedef struct ft_gen_send {
    const ft_gen_coin *in;
    size_t n_in;
    ft_gen_dest *out; /* values may be adjusted when fee_from >= 0 */
    size_t n_out;
    uint32_t change_wallet; /* FT_GEN_NONE: no change, the rest is fee */
    uint32_t change_addr;   /* FT_GEN_NONE: the change wallet's policy picks one */
    uint32_t change_tag;
    int fee_from;     /* -1: fee from the change; k: the fee is taken from out[k] */
    uint32_t feerate; /* sat/vB; 0: the block's rate */
    const uint8_t *opret;
    size_t opret_len;
    int shuffle; /* 1: random output order (change hidden among payments) */
} ft_gen_send;

#define FT_GEN_MAX_OUT 2048

typedef struct ft_gen_sent {
    uint8_t txid[32];
    uint64_t fee;
    uint32_t vout[FT_GEN_MAX_OUT]; /* vout of out[i] */
    uint32_t change_vout;          /* FT_GEN_NONE without change */
    uint64_t change_value;
} ft_gen_sent;

/* Address and entity registry (wallet.c). */
ft_status ft_gen_entity_new(ft_gen_world *w, int kind, uint32_t *out, ft_err *err) FT_WARN_UNUSED;
/* The entity's display name ("exchange-3") into out. */
void ft_gen_entity_name(const ft_gen_world *w, uint32_t entity, char *out, size_t cap);
const char *ft_gen_kind_name(int kind);
/* A fresh address of a type owned by entity (its key is key number = address index). */
ft_status ft_gen_addr_new(ft_gen_world *w, uint32_t entity, int type, uint32_t *out,
                          ft_err *err) FT_WARN_UNUSED;
/* Output script of an address. */
size_t ft_gen_addr_script(const ft_gen_world *w, uint32_t addr, uint8_t out[FT_GEN_SPK_MAX]);
/* Address text for the network (bech32/base58) into out (FT_BTC_ADDR_STR_MAX). */
ft_status ft_gen_addr_text(const ft_gen_world *w, uint32_t addr, char *out) FT_WARN_UNUSED;

/* Wallets (wallet.c). */
ft_status ft_gen_wallet_new(ft_gen_world *w, uint32_t entity, int type, int policy, uint32_t *out,
                            ft_err *err) FT_WARN_UNUSED;
/* An address to receive to: the reused one, or a fresh one (ROTATE). */
ft_status ft_gen_wallet_addr(ft_gen_world *w, uint32_t wallet, uint32_t *out,
                             ft_err *err) FT_WARN_UNUSED;
/* Hands a new coin to a wallet: kept (plain) or passed to the incident module (task). */
ft_status ft_gen_wallet_deliver(ft_gen_world *w, uint32_t wallet, const ft_gen_coin *coin,
                                ft_err *err) FT_WARN_UNUSED;
/* Appends a coin to a wallet's coins (no task dispatch). */
ft_status ft_gen_wallet_put(ft_gen_world *w, uint32_t wallet, const ft_gen_coin *coin,
                            ft_err *err) FT_WARN_UNUSED;
/* 1 if a coin may be spent in the open block (confirmed, mature, witness allowed). */
int ft_gen_coin_spendable(const ft_gen_world *w, const ft_gen_coin *c);
/* Spendable balance of a wallet (scans its coins). */
uint64_t ft_gen_wallet_spendable(const ft_gen_world *w, uint32_t wallet, uint32_t *n_coins);
/* Takes spendable coins worth at least target (at most max_in coins) out of the wallet into
 * out (room for max_in). Returns the number taken, 0 (nothing removed) if it cannot. */
size_t ft_gen_wallet_take(ft_gen_world *w, uint32_t wallet, uint64_t target, size_t max_in,
                          ft_gen_coin *out, uint64_t *sum);
/* Takes up to max_in spendable coins, whatever their sum. */
size_t ft_gen_wallet_take_all(ft_gen_world *w, uint32_t wallet, size_t max_in, ft_gen_coin *out,
                              uint64_t *sum);
/* Returns coins taken earlier (after a send that did not happen). */
ft_status ft_gen_wallet_return(ft_gen_world *w, uint32_t wallet, const ft_gen_coin *coins, size_t n,
                               ft_err *err) FT_WARN_UNUSED;

/* Fee of a tx with these inputs and output types at feerate (sat/vB), from the largest
 * signature sizes. */
uint64_t ft_gen_fee_for(const ft_gen_world *w, const ft_gen_coin *in, size_t n_in,
                        const int *out_types, size_t n_out, uint32_t feerate);
/* The type of an address. */
static inline int ft_gen_addr_type(const ft_gen_world *w, uint32_t addr)
{
    return w->addrs[addr].type;
}

/* Builds, signs and adds a tx to the open block and delivers its outputs.
 * Returns FT_OK, FT_ERR_LIMIT (soft: the block is full, the budget is spent, or the inputs do
 * not cover payments and fee — nothing happened, the caller returns its coins), or a hard
 * error. res may be NULL. */
ft_status ft_gen_send_tx(ft_gen_world *w, ft_gen_send *s, ft_gen_sent *res, ft_err *err) FT_WARN_UNUSED;

/* A random fee rate around the block's. */
uint32_t ft_gen_feerate(ft_gen_world *w);

#endif
