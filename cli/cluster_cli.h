/*
 * cluster_cli.h — what the clustering commands share (cluster, labels, eval, export clusters):
 * turning label text into address keys, loading the index's labels as dense arrays for the
 * heuristics and the collapse guard, and running a clustering in memory.
 */
#ifndef FT_CLUSTER_CLI_H
#define FT_CLUSTER_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "chains/bitcoin/params.h"
#include "cli/cli.h"
#include "engine/graph.h"
#include "engine/labels.h"
#include "engine/store.h"
#include "heuristics/cluster.h"

/* Labels of one chain as arrays over dense address ids. */
typedef struct ft_cli_labels {
    uint32_t *addr_entity; /* n_addr entries; FT_GRAPH_NONE when unlabeled (NULL: no labels) */
    char **entity_name;    /* n_entities, sorted */
    uint8_t *entity_cat;
    uint32_t n_entities;
    uint32_t n_labeled;    /* addresses with a label found in the index */
} ft_cli_labels;

/* ft_label_addr_fn for the CLI: bitcoin|btc through net (NULL: mainnet), ethereum|eth as
 * 0x-prefixed 40 hex digits (any case; the key is the 20 bytes). Other chains: NOTFOUND. */
ft_status ft_cli_label_resolve(void *net, const char *chain, const char *address,
                               uint8_t *chain_byte, ft_addr_key *key, ft_err *err);

/* Loads the labels of the Bitcoin chain for n_addr dense ids (an address's first label in
 * key order gives its entity). */
ft_status ft_cli_labels_load(ft_store *st, uint32_t n_addr, ft_cli_labels *lab,
                             ft_err *err) FT_WARN_UNUSED;
/* The same for an account-chain graph g (ft_graph_load_account: chain g->chain, ids through
 * ft_graph_account_addr_id; cli/cmd_cluster.c). */
ft_status ft_cli_labels_load_account(ft_store *st, const ft_graph *g, ft_cli_labels *lab,
                                     ft_err *err) FT_WARN_UNUSED;
void ft_cli_labels_release(ft_cli_labels *lab);

/* Parses the clustering options shared by `cluster` and `eval clusters`. Returns 0 or 129
 * (message printed). */
int ft_cli_cluster_opts(const char *cmd, const char *heuristics, const char *guard_size,
                        int no_guard, ft_cluster_opts *o);

/* `export clusters|labels` (called by cmd_export.c). */
int ft_cli_export_cluster_table(ft_cli *cli, const char *what, const char *chain,
                                const char *out_path);

#endif
