/*
 * cmd_digest.c — `fundtrace digest`: a SHA-256 over every key and value of the index, in key
 * order (ft_store_digest). Two indexes with the same digest hold the same records; tests use
 * it to prove that a failed or killed ingest changed nothing, and that a resumed one ends
 * where an uninterrupted one does.
 *
 * Output: the 64 hex digits and a newline; with --json {"digest": "…"}.
 * Exit codes: 0 ok, 1 index missing or unreadable, 2 index of another schema, 129 usage.
 */
#include <cjson/cJSON.h>
#include <stdio.h>

#include "cli/btc_index.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/hex.h"
#include "engine/store.h"

#include "engine/banned.h"

const char cmd_digest_usage[] =
    "usage: fundtrace [--json] digest\n"
    "\n"
    "Prints a SHA-256 over every record of the index (keys and values in key order). Equal\n"
    "digests mean equal indexes: use it to check that a failed run changed nothing or that a\n"
    "resumed run ended where a straight one does.\n"
    "\n"
    "Exit codes: 0 ok, 1 index missing or unreadable, 2 index of another schema, 129 usage.\n";

int cmd_digest(ft_cli *cli, int argc, char **argv)
{
    int rc = ft_cli_parse("digest", argc, argv, NULL, NULL, 0, NULL);
    if (rc)
        return rc;
    ft_err err;
    ft_err_clear(&err);
    ft_store *st = NULL;
    ft_status s = ft_store_open(&st, cli->db_path, FT_STORE_READ, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    uint8_t d[32];
    s = ft_store_digest(st, d, &err);
    ft_store_close(st);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    char hex[65];
    ft_hex_encode(hex, d, 32);
    if (cli->json) {
        cJSON *o = cJSON_CreateObject();
        ft_cli_json_str(o, "digest", hex, 0);
        return ft_cli_json_print(o);
    }
    printf("%s\n", hex);
    return 0;
}
