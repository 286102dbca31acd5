/*
 * cmd_labels.c — `fundtrace labels import FILE`: labels CSV or GraphSense TagPack YAML into
 * the index (engine/labels.c).
 *
 * All or nothing: the whole file is parsed and checked first; a broken row prints
 * "error: 'FILE' line N: …" and exits 2 with the index untouched. Bitcoin addresses are
 * checked against the index's network (mainnet when the index holds no bitcoin blocks yet).
 * Conflicts (an address labeled with two different entities, in the file or against labels
 * already stored) are printed as warnings and kept, never resolved.
 * Output: one summary line (or --json {"labels","new","conflicts","skipped"}).
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "cli/btc_index.h"
#include "cli/cluster_cli.h"
#include "cli/commands.h"
#include "engine/keys.h"
#include "engine/log.h"
#include "engine/query.h"

#include "engine/banned.h"

const char cmd_labels_usage[] =
    "usage: fundtrace [--json] labels import FILE [--format csv|tagpack]\n"
    "\n"
    "Imports address labels into the index. FILE is a labels CSV with the header\n"
    "  chain,address,entity,category,source[,confidence]\n"
    "(category: exchange, otc, payment, mixer, bridge, defi, hack, sanctioned, other;\n"
    "confidence: an integer 0..100), or a GraphSense TagPack (YAML; chosen by a .yaml/.yml\n"
    "name or --format tagpack; tags of chains other than bitcoin and ethereum are skipped).\n"
    "A broken row stops the import with the row's line and nothing is stored. An address that\n"
    "gets labels of two different entities is reported as a conflict; both labels are kept.\n"
    "Labels reach clusters when 'fundtrace cluster' runs.\n"
    "\n"
    "Exit codes: 0 ok (conflicts included), 1 file or index unreadable, 2 broken row,\n"
    "129 usage error.\n";

typedef struct conflict_ctx {
    size_t shown;
} conflict_ctx;

static void on_conflict(void *ctx, const ft_label *l, const ft_label *other)
{
    conflict_ctx *c = ctx;
    if (c->shown++ < 20)
        ft_log(FT_LOG_WARN, "conflicting labels for '%s': '%s' (%s) and '%s' (%s), both kept",
               l->addr_text, l->entity, l->source, other->entity, other->source);
}

int cmd_labels(ft_cli *cli, int argc, char **argv)
{
    const char *format = NULL;
    const ft_opt opts[] = {{"format", 1, &format, NULL}, {NULL, 0, NULL, NULL}};
    const char *pos[2];
    int n_pos = 0;
    int rc = ft_cli_parse("labels", argc, argv, opts, pos, 2, &n_pos);
    if (rc)
        return rc;
    if (n_pos < 1 || strcmp(pos[0], "import") != 0)
        return ft_cli_usage_error("labels", "what to do? 'fundtrace labels import FILE'");
    if (n_pos != 2)
        return ft_cli_usage_error("labels", "which file?");
    const char *path = pos[1];
    int tagpack = 0;
    size_t pl = strlen(path);
    if (format) {
        if (strcmp(format, "tagpack") == 0)
            tagpack = 1;
        else if (strcmp(format, "csv") != 0)
            return ft_cli_usage_error("labels", "--format is csv or tagpack, not '%s'", format);
    } else if ((pl > 5 && strcmp(path + pl - 5, ".yaml") == 0) ||
               (pl > 4 && strcmp(path + pl - 4, ".yml") == 0)) {
        tagpack = 1;
    }

    ft_err err;
    ft_err_clear(&err);
    char *text = NULL;
    size_t len = 0;
    ft_status s = ft_cli_read_file(path, &text, &len, &err);
    if (s != FT_OK)
        return ft_cli_fail(s, &err);
    ft_store *st = NULL;
    s = ft_store_open(&st, cli->db_path, FT_STORE_WRITE, &err);
    if (s != FT_OK) {
        free(text);
        return ft_cli_fail(s, &err);
    }
    const ft_btc_params *net = ft_btc_params_by_name("main");
    ft_query_chainrec cr;
    ft_err sub;
    ft_err_clear(&sub);
    s = ft_query_chain_get(st, FT_CHAIN_BTC, &cr, &sub);
    if (s == FT_OK && ft_btc_params_by_name(cr.network))
        net = ft_btc_params_by_name(cr.network);
    else if (s != FT_ERR_NOTFOUND && s != FT_OK) {
        ft_store_close(st);
        free(text);
        return ft_cli_fail(s, &sub);
    }
    ft_label_set set;
    memset(&set, 0, sizeof set);
    s = tagpack ? ft_labels_parse_tagpack(text, len, path, ft_cli_label_resolve, (void *)net,
                                          &set, &err)
                : ft_labels_parse_csv(text, len, path, ft_cli_label_resolve, (void *)net, &set,
                                      &err);
    free(text);
    size_t n_conf = 0, n_new = 0;
    conflict_ctx cc = {0};
    if (s == FT_OK)
        s = ft_labels_conflicts(st, &set, on_conflict, &cc, &n_conf, &err);
    if (s == FT_OK)
        s = ft_labels_store(st, &set, &n_new, &err);
    if (s == FT_OK) /* flushed for the next reader (cli/store_settle.c) */
        ft_cli_store_close_settled(st, "labels import");
    else
        ft_store_close(st);
    if (s != FT_OK) {
        ft_label_set_release(&set);
        return ft_cli_fail(s, &err);
    }
    if (cli->json) {
        cJSON *o = cJSON_CreateObject();
        ft_cli_json_num(o, "labels", (double)set.n);
        ft_cli_json_num(o, "new", (double)n_new);
        ft_cli_json_num(o, "conflicts", (double)n_conf);
        ft_cli_json_num(o, "skipped", (double)set.skipped);
        ft_label_set_release(&set);
        return ft_cli_json_print(o);
    }
    printf("imported %zu labels from '%s' (%zu new, %zu conflicts, %zu skipped)\n", set.n, path,
           n_new, n_conf, set.skipped);
    ft_label_set_release(&set);
    return 0;
}
