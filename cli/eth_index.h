/*
 * eth_index.h — the Ethereum / EVM side of the CLI: `index ethereum`, and `tx` / `address`
 * for account chains. cmd_index.c, cmd_tx.c and cmd_address.c hand over to these when the
 * chain is an EVM chain (or the argument is a 0x… hash or address).
 */
#ifndef FT_CLI_ETH_INDEX_H
#define FT_CLI_ETH_INDEX_H

#include <stdint.h>

#include "chains/ethereum/params.h"
#include "cli/cli.h"
#include "engine/store.h"

/* `fundtrace index ethereum ...` (argv[0] "index", argv[1] "ethereum" or another EVM chain
 * name). Returns the exit code. */
int ft_cli_eth_index(ft_cli *cli, int argc, char **argv);
extern const char ft_cli_eth_index_usage[];

/* 1 when `tx ARG` / `address ARG` with --chain chain (may be NULL) is for an EVM chain: the
 * chain names one, or no chain is given and ARG is a 0x… hash (66 chars) / address (42). */
int ft_cli_eth_wants_tx(const char *arg, const char *chain);
int ft_cli_eth_wants_address(const char *arg, const char *chain);

/* `fundtrace tx HASH [--chain C]` and `fundtrace address ADDR [--chain C]` on an EVM chain. */
int ft_cli_eth_tx(ft_cli *cli, const char *hash, const char *chain);
int ft_cli_eth_address(ft_cli *cli, const char *addr, const char *chain);

/* Dispatch helpers for cmd_tx.c / cmd_address.c: ft_cli_eth_route returns 1 when argv (a
 * `tx` or `address` command line) is for an EVM chain (--chain names one, or the positional
 * argument is a 0x hash / address); the *_cmd functions then parse argv and run. */
int ft_cli_eth_route(int argc, char **argv, int is_address);
int ft_cli_eth_tx_cmd(ft_cli *cli, int argc, char **argv);
int ft_cli_eth_address_cmd(ft_cli *cli, int argc, char **argv);

/* Opens the index read-only and finds the EVM chain to use: chain by name, or (NULL) the one
 * EVM chain the index holds (ethereum first when several). Prints the error and returns the
 * exit code, or 0. */
int ft_cli_eth_open(ft_cli *cli, const char *chain, ft_store **st, const ft_eth_params **p);

#endif
