/*
 * btc_index.h — what the read commands over a Bitcoin index share (tx, address, block):
 * opening the index read-only with its chain record and network, and rendering amounts,
 * addresses, script types, times and hashes for text and JSON output.
 */
#ifndef FT_CLI_BTC_INDEX_H
#define FT_CLI_BTC_INDEX_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "chains/bitcoin/address.h"
#include "chains/bitcoin/params.h"
#include "cli/cli.h"
#include "engine/amount.h"
#include "engine/query.h"
#include "engine/store.h"

/* Checks a --chain value (NULL or "bitcoin"); prints a usage error for cmd and returns 129
 * otherwise, 0 if fine. */
int ft_cli_btc_chain_arg(const char *cmd, const char *chain);

/* Opens cli->db_path read-only and reads the Bitcoin chain record. Returns 0, or prints one
 * "error:" line and returns the exit code (the store is closed then). */
int ft_cli_btc_open(ft_cli *cli, ft_store **st, const ft_btc_params **net, ft_query_chainrec *rec);

/* "50.00000000" */
void ft_cli_btc_amount(char out[FT_AMOUNT_STR_MAX], ft_u128 sat);
/* The address text, or "" for a key without one (OP_RETURN). */
void ft_cli_btc_address(char out[FT_BTC_ADDR_STR_MAX], const ft_addr_key *key,
                        const ft_btc_params *net);
/* "p2pkh", … ("unknown" for a code out of range). */
const char *ft_cli_btc_type(uint8_t script_type);

/* JSON helpers: add a string (NULL or "" gives null when null_if_empty), a number. */
void ft_cli_json_str(cJSON *obj, const char *name, const char *s, int null_if_empty);
void ft_cli_json_num(cJSON *obj, const char *name, double v);
void ft_cli_json_hash(cJSON *obj, const char *name, const uint8_t hash[32]);
void ft_cli_json_time(cJSON *obj, const char *name, int64_t t);
/* Prints root compactly with a newline and frees it. Returns 0, or 1 on allocation failure. */
int ft_cli_json_print(cJSON *root);

#endif
