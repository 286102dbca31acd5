/*
 * truth.h — the ground truth written next to the chain (docs/generator.md has the formats):
 *
 *     truth/addresses.csv     address,entity,entity_kind           every address, in creation order
 *     truth/entities.csv      entity,kind,addresses                every entity
 *     truth/labels.csv        chain,address,entity,category,source what an investigator would know
 *     truth/incidents.csv     incident,date,chain,seed,asset,amount,attribution,source
 *     truth/incident_txs.csv  incident,txid,height,step            every laundering tx per incident
 *     truth/coinjoins.csv     txid,kind                            whirlpool_tx0, whirlpool, wasabi1, wasabi2
 *     truth/manifest.json     seed, txs, blocks, generator version, digests
 *
 * Rows are streamed as the chain grows (addresses, incidents, txs, coinjoins); entities,
 * labels and the manifest are written at the end.
 */
#ifndef FT_GEN_TRUTH_H
#define FT_GEN_TRUTH_H

#include <stdint.h>
#include <stdio.h>

#include "datasets/gen/world.h"
#include "engine/hash.h"
#include "engine/status.h"

typedef struct ft_gen_truth {
    char dir[4096];
    FILE *addresses;
    FILE *incidents;
    FILE *incident_txs;
    FILE *coinjoins;
    /* labeled addresses (few): address index and category */
    uint32_t *label_addr;
    uint8_t *label_cat;
    size_t n_labels, cap_labels;
    uint64_t n_coinjoins;
    uint64_t n_seeds;
} ft_gen_truth;

enum { FT_GEN_CAT_EXCHANGE = 0, FT_GEN_CAT_MIXER, FT_GEN_CAT_OTC };

/* Creates outdir/truth/ and opens the streamed files. */
ft_status ft_gen_truth_open(ft_gen_truth *t, const char *outdir, ft_err *err) FT_WARN_UNUSED;
ft_status ft_gen_truth_address(ft_gen_world *w, uint32_t addr, ft_err *err) FT_WARN_UNUSED;
ft_status ft_gen_truth_label(ft_gen_world *w, uint32_t addr, int category, ft_err *err) FT_WARN_UNUSED;
ft_status ft_gen_truth_coinjoin(ft_gen_world *w, const uint8_t txid[32], const char *kind,
                                ft_err *err) FT_WARN_UNUSED;
/* One seed row: incident name, theft time, the stolen output and its value, attribution. */
ft_status ft_gen_truth_seed(ft_gen_world *w, const char *incident, uint32_t time,
                            const uint8_t txid[32], uint32_t vout, uint64_t value,
                            const char *attribution, ft_err *err) FT_WARN_UNUSED;
ft_status ft_gen_truth_incident_tx(ft_gen_world *w, const char *incident, const uint8_t txid[32],
                                   const char *step, ft_err *err) FT_WARN_UNUSED;
/* Writes entities.csv, labels.csv and manifest.json and closes everything. blocks_digest is
 * the SHA-256 of all block-file bytes. */
ft_status ft_gen_truth_finish(ft_gen_world *w, const uint8_t blocks_digest[32],
                              ft_err *err) FT_WARN_UNUSED;
void ft_gen_truth_release(ft_gen_truth *t);

#endif
