/*
 * btc_index.c — shared plumbing of the Bitcoin read commands (see btc_index.h).
 *
 * The network used to render addresses is the one recorded in the index's chain record,
 * never a flag: an index holds one network, and printing its addresses with another
 * network's prefixes would be silently wrong.
 */
#include "cli/btc_index.h"

#include <stdio.h>
#include <string.h>

#include "chains/bitcoin/script.h"
#include "engine/hex.h"
#include "engine/keys.h"
#include "engine/timefmt.h"

#include "engine/banned.h"

int ft_cli_btc_chain_arg(const char *cmd, const char *chain)
{
    if (!chain || strcmp(chain, "bitcoin") == 0 || strcmp(chain, "btc") == 0)
        return 0;
    return ft_cli_usage_error(cmd, "chain '%s' is not supported here (only 'bitcoin')", chain);
}

int ft_cli_btc_open(ft_cli *cli, ft_store **st, const ft_btc_params **net, ft_query_chainrec *rec)
{
    ft_err err;
    ft_err_clear(&err);
    *st = NULL;
    *net = NULL;
    ft_status rc = ft_store_open(st, cli->db_path, FT_STORE_READ, &err);
    if (rc != FT_OK)
        return ft_cli_fail(rc, &err);
    rc = ft_query_chain_get(*st, FT_CHAIN_BTC, rec, &err);
    if (rc == FT_ERR_NOTFOUND) {
        ft_store_close(*st);
        *st = NULL;
        return ft_cli_error(2, "index '%s' holds no bitcoin blocks: run 'fundtrace index bitcoin'",
                            cli->db_path);
    }
    if (rc != FT_OK) {
        ft_store_close(*st);
        *st = NULL;
        return ft_cli_fail(rc, &err);
    }
    *net = ft_btc_params_by_name(rec->network);
    if (!*net) {
        ft_store_close(*st);
        *st = NULL;
        return ft_cli_error(2, "index '%s' holds blocks of an unknown network '%s'", cli->db_path,
                            rec->network);
    }
    return 0;
}

void ft_cli_btc_amount(char out[FT_AMOUNT_STR_MAX], ft_u128 sat)
{
    ft_amount_format(out, sat, FT_BTC_DECIMALS);
}

void ft_cli_btc_address(char out[FT_BTC_ADDR_STR_MAX], const ft_addr_key *key,
                        const ft_btc_params *net)
{
    out[0] = '\0';
    if (key->len == 0)
        return;
    if (ft_btc_address_encode(out, key, net) != FT_OK) {
        /* a key the encoder does not know: show its bytes rather than nothing */
        char hex[2 * FT_ADDR_KEY_MAX + 1];
        ft_hex_encode(hex, key->bytes, key->len);
        snprintf(out, FT_BTC_ADDR_STR_MAX, "key:%.90s", hex);
    }
}

const char *ft_cli_btc_type(uint8_t script_type)
{
    if (script_type >= FT_BTC_SCRIPT_TYPE_COUNT)
        return "unknown";
    return ft_btc_script_type_name((ft_btc_script_type)script_type);
}

void ft_cli_json_str(cJSON *obj, const char *name, const char *s, int null_if_empty)
{
    if (!s || (null_if_empty && !*s))
        cJSON_AddItemToObject(obj, name, cJSON_CreateNull());
    else
        cJSON_AddItemToObject(obj, name, cJSON_CreateString(s));
}

void ft_cli_json_num(cJSON *obj, const char *name, double v)
{
    cJSON_AddItemToObject(obj, name, cJSON_CreateNumber(v));
}

void ft_cli_json_hash(cJSON *obj, const char *name, const uint8_t hash[32])
{
    char hex[65];
    ft_hex_encode_rev(hex, hash, 32);
    ft_cli_json_str(obj, name, hex, 0);
}

void ft_cli_json_time(cJSON *obj, const char *name, int64_t t)
{
    char iso[FT_TIME_ISO8601_MAX];
    ft_time_iso8601(iso, t);
    ft_cli_json_str(obj, name, iso, 1);
}

int ft_cli_json_print(cJSON *root)
{
    char *s = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!s)
        return ft_cli_error(1, "out of memory formatting JSON");
    fputs(s, stdout);
    fputc('\n', stdout);
    cJSON_free(s);
    return 0;
}
