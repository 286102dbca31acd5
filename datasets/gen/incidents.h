/*
 * incidents.h — planted thefts and their laundering (incidents.c).
 */
#ifndef FT_GEN_INCIDENTS_H
#define FT_GEN_INCIDENTS_H

#include "datasets/gen/world.h"

/* Sets up the thief groups and schedules K incidents over the expected chain. */
ft_status ft_gen_incidents_init(ft_gen_world *w, uint32_t expected_blocks, ft_err *err) FT_WARN_UNUSED;
/* Runs the thefts and laundering steps due in the open block. */
ft_status ft_gen_incidents_block(ft_gen_world *w, ft_err *err) FT_WARN_UNUSED;
/* A coin paid to a task wallet (a mixer payout, a CoinJoin output …) becomes a task. */
ft_status ft_gen_incidents_receive(ft_gen_world *w, uint32_t wallet, const ft_gen_coin *coin,
                                   ft_err *err) FT_WARN_UNUSED;
/* Records txid as a step of incident number `incident` (truth/incident_txs.csv). */
ft_status ft_gen_incidents_log(ft_gen_world *w, uint32_t incident, const uint8_t txid[32],
                               const char *step, ft_err *err) FT_WARN_UNUSED;
/* Number of incidents whose theft happened. */
unsigned ft_gen_incidents_done(const ft_gen_world *w);
void ft_gen_incidents_release(ft_gen_world *w);

#endif
