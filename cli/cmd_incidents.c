/*
 * cmd_incidents.c — `fundtrace incidents import FILE`: the incidents CSV into the index
 * (engine/incidents.c).
 *
 * All or nothing: the whole file is parsed and checked first; a broken row prints
 * "error: 'FILE' line N: …" and exits 2 with the index untouched (the store is opened only
 * after the file parsed). Whether a seed exists in the index is checked by `trace`, since
 * incidents may be imported before the chain is indexed.
 * Output: one summary line (or --json {"rows","new","incidents"}).
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli/btc_index.h"
#include "cli/commands.h"
#include "engine/incidents.h"

#include "engine/banned.h"

const char cmd_incidents_usage[] =
    "usage: fundtrace [--json] incidents import FILE\n"
    "\n"
    "Imports theft incidents into the index. FILE is a CSV with the header\n"
    "  incident,date,chain,seed,asset,amount,attribution,source\n"
    "one row per seed (several rows share an incident id): date YYYY-MM-DD, chain bitcoin or\n"
    "ethereum, seed txid:vout (that output), txid (all its outputs) or an address, amount an\n"
    "exact decimal in asset units or empty. Importing a row again changes nothing.\n"
    "A broken row stops the import with the row's line and nothing is stored.\n"
    "\n"
    "Exit codes: 0 ok, 1 file or index unreadable, 2 broken row, 129 usage error.\n";

int cmd_incidents(ft_cli *cli, int argc, char **argv)
{
    const ft_opt opts[] = {{NULL, 0, NULL, NULL}};
    const char *pos[2];
    int n_pos = 0;
    int rc = ft_cli_parse("incidents", argc, argv, opts, pos, 2, &n_pos);
    if (rc)
        return rc;
    if (n_pos < 1 || strcmp(pos[0], "import") != 0)
        return ft_cli_usage_error("incidents", "what to do? 'fundtrace incidents import FILE'");
    if (n_pos != 2)
        return ft_cli_usage_error("incidents", "which file?");
    const char *path = pos[1];
    ft_err err;
    ft_err_clear(&err);
    char *text = NULL;
    size_t len = 0;
    ft_status s = ft_cli_read_file(path, &text, &len, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_incident_set set;
    memset(&set, 0, sizeof set);
    s = ft_incidents_parse_csv(text, len, path, &set, &err);
    free(text);
    if (s != FT_OK) {
        ft_incident_set_release(&set);
        return ft_cli_fail(s, &err);
    }
    ft_store *st = NULL;
    s = ft_store_open(&st, cli->db_path, FT_STORE_WRITE, &err);
    size_t n_new = 0;
    if (s == FT_OK) {
        s = ft_incidents_store(st, &set, &n_new, &err);
        if (s == FT_OK) /* flushed for the next reader (cli/store_settle.c) */
            ft_cli_store_close_settled(st, "incidents import");
        else
            ft_store_close(st);
    }
    if (s != FT_OK) {
        ft_incident_set_release(&set);
        return ft_cli_fail(s, &err);
    }
    size_t n_inc = 0;
    for (size_t i = 0; i < set.n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(set.v[i].incident, set.v[j].incident) == 0;
        n_inc += !seen;
    }
    if (cli->json) {
        cJSON *o = cJSON_CreateObject();
        ft_cli_json_num(o, "rows", (double)set.n);
        ft_cli_json_num(o, "new", (double)n_new);
        ft_cli_json_num(o, "incidents", (double)n_inc);
        ft_incident_set_release(&set);
        return ft_cli_json_print(o);
    }
    printf("imported %zu incident rows of %zu incidents from '%s' (%zu new)\n", set.n, n_inc,
           path, n_new);
    ft_incident_set_release(&set);
    return 0;
}
