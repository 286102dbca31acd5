/*
 * commands.h — every command's entry point and usage text, as listed in main.c's table.
 * Each pair is defined in its own cli/cmd_<name>.c.
 */
#ifndef FT_COMMANDS_H
#define FT_COMMANDS_H

#include "cli/cli.h"

int cmd_index(ft_cli *cli, int argc, char **argv);
extern const char cmd_index_usage[];
int cmd_decode(ft_cli *cli, int argc, char **argv);
extern const char cmd_decode_usage[];
int cmd_tx(ft_cli *cli, int argc, char **argv);
extern const char cmd_tx_usage[];
int cmd_address(ft_cli *cli, int argc, char **argv);
extern const char cmd_address_usage[];
int cmd_digest(ft_cli *cli, int argc, char **argv);
extern const char cmd_digest_usage[];
int cmd_block(ft_cli *cli, int argc, char **argv);
extern const char cmd_block_usage[];

#endif
