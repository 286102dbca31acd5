/*
 * economy.h — the background economy (economy.c): users, exchanges, miners, merchants, OTC
 * desks, a custodial mixer and the CoinJoin coordinators, and the services the incident
 * module launders through.
 */
#ifndef FT_GEN_ECONOMY_H
#define FT_GEN_ECONOMY_H

#include "datasets/gen/world.h"

ft_status ft_gen_economy_init(ft_gen_world *w, ft_err *err) FT_WARN_UNUSED;
/* The coinbase script of the open block (the miner who found it); remembers the miner. */
ft_status ft_gen_economy_coinbase(ft_gen_world *w, uint8_t script[FT_GEN_SPK_MAX], size_t *len,
                                  ft_err *err) FT_WARN_UNUSED;
/* Delivers the coinbase output after the block closed. */
ft_status ft_gen_economy_coinbase_done(ft_gen_world *w, const uint8_t txid[32], uint64_t value,
                                       ft_err *err) FT_WARN_UNUSED;
/* Services first (sweeps, withdrawals, payouts, CoinJoin rounds), then user activity, until
 * the open block's budget is spent or nothing more can be done. */
ft_status ft_gen_economy_services(ft_gen_world *w, ft_err *err) FT_WARN_UNUSED;
ft_status ft_gen_economy_users(ft_gen_world *w, uint64_t target, ft_err *err) FT_WARN_UNUSED;
void ft_gen_economy_release(ft_gen_world *w);

/* Services the incident module uses. All return FT_ERR_LIMIT (soft) when they cannot act. */
uint32_t ft_gen_economy_n_exchanges(const ft_gen_world *w);
/* Wallet holding an exchange's hot coins (victim of a theft). */
uint32_t ft_gen_economy_exchange_hot(const ft_gen_world *w, uint32_t ex_id);
/* A deposit address at exchange for a customer key (stable per key: a thief group reuses it). */
ft_status ft_gen_economy_deposit_addr(ft_gen_world *w, uint32_t ex_id, uint64_t customer,
                                      uint32_t *addr, uint32_t *wallet, ft_err *err) FT_WARN_UNUSED;
/* Queues a withdrawal from exchange to (wallet, addr). */
ft_status ft_gen_economy_withdraw(ft_gen_world *w, uint32_t ex_id, uint32_t wallet, uint32_t addr,
                                  uint64_t value, ft_err *err) FT_WARN_UNUSED;
/* OTC desk: the wallet and its (reused) address. */
uint32_t ft_gen_economy_n_otc(const ft_gen_world *w);
ft_status ft_gen_economy_otc_addr(ft_gen_world *w, uint32_t otc, uint32_t *addr, uint32_t *wallet,
                                  ft_err *err) FT_WARN_UNUSED;
/* Custodial mixer: a fresh deposit address for an order paying (value less its fee) to
 * dest_wallet later in 1..3 parts. Returns the deposit address and wallet to pay to. The order
 * is registered only when ft_gen_economy_mixer_confirm is called after the deposit tx. */
ft_status ft_gen_economy_mixer_deposit(ft_gen_world *w, uint32_t *addr, uint32_t *wallet,
                                       ft_err *err) FT_WARN_UNUSED;
ft_status ft_gen_economy_mixer_order(ft_gen_world *w, uint64_t value, uint32_t dest_wallet,
                                     ft_err *err) FT_WARN_UNUSED;
/* CoinJoins: hands coins (already taken from their owner) to a coordinator; mixed outputs go
 * to owner_wallet later. kind: 0 Whirlpool (a Tx0 is made now), 1 Wasabi 1, 2 Wasabi 2.
 * FT_ERR_LIMIT when the coins are not enough for that coordinator (coins untouched). */
ft_status ft_gen_economy_coinjoin_join(ft_gen_world *w, int kind, const ft_gen_coin *coins, size_t n,
                                       uint32_t owner_wallet, uint32_t change_wallet,
                                       ft_err *err) FT_WARN_UNUSED;

#endif
