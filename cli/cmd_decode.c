/*
 * cmd_decode.c — `fundtrace decode tx|block HEX|@FILE [--network NET] [--json]`: decodes a
 * raw transaction or block without any index.
 *
 * Input: a hex argument, or @FILE (@- for stdin) holding hex text (white space anywhere is
 * ignored) or raw binary; for `block` also a blk-file record (4-byte network magic, 4-byte LE
 * size, the block). A record framed with another network's magic is refused with a message
 * naming that network, so addresses are never printed with the wrong prefixes.
 *
 * Output (ARCHITECTURE.md section 6): with --json one compact object and a newline —
 *     tx:    {"chain","network","txid","wtxid","size","vsize","weight","version","locktime",
 *             "coinbase","inputs":[{"txid","vout","sequence","address":null,"value":null,
 *             ["coinbase":hex]}],"outputs":[{"n","address","value","type","script"}],
 *             "output_value"}
 *     block: {"chain","network","hash","prev","time" (ISO 8601 UTC),"timestamp","height"
 *             (BIP 34, only for version >= 2 blocks whose coinbase starts with the height),
 *             "version","bits","nonce","merkle_root","size","weight","n_tx","txs":[tx...]}
 * Amounts are exact decimal strings in BTC. Input values and addresses are null: they belong
 * to the spent outputs, which only an index knows. Without --json a readable summary.
 * Exit codes: 0, 1 (file unreadable), 2 (bad hex or data), 129 (usage).
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "chains/bitcoin/address.h"
#include "chains/bitcoin/block.h"
#include "chains/bitcoin/params.h"
#include "chains/bitcoin/script.h"
#include "chains/bitcoin/tx.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "engine/amount.h"
#include "engine/hex.h"
#include "engine/timefmt.h"

#include "engine/banned.h"

const char cmd_decode_usage[] =
    "usage: fundtrace [--json] decode tx|block HEX|@FILE [--network NET] [--json]\n"
    "\n"
    "Decodes a raw Bitcoin transaction or block; no index is needed.\n"
    "\n"
    "  HEX              the serialised tx or block as hex\n"
    "  @FILE            a file with hex text or raw bytes ('@-' reads standard input); for\n"
    "                   'block' also a blk*.dat record (network magic, size, block)\n"
    "  --network NET    main (default), testnet, testnet4, signet or regtest: the address\n"
    "                   prefixes and the blk-file magic expected\n"
    "  --json           one JSON object: txid, wtxid, size, vsize, inputs (txid, vout,\n"
    "                   sequence; address and value null, they need an index), outputs\n"
    "                   (address, value in BTC as an exact decimal string, type, n); for a\n"
    "                   block also hash, prev, time (ISO 8601 UTC), height (BIP 34) and txs\n"
    "\n"
    "Outputs without an address form print as multisig:<sha256 of script>,\n"
    "nonstandard:<sha256 of script>, or null for OP_RETURN data.\n"
    "\n"
    "Examples:\n"
    "  fundtrace decode tx 0100000001c997a5e5...\n"
    "  fundtrace --json decode block @blk00000.dat\n"
    "\n"
    "Exit codes: 0 ok, 1 unreadable file, 2 malformed hex or data, 129 usage error.\n";

/* Reads the HEX|@FILE argument into bytes (malloc()ed). */
/* what (FT_ERR_MSG_MAX bytes) gets "'FILE'" or "the argument", for messages. */
static ft_status load_input(const char *arg, uint8_t **out, size_t *out_len, char *what,
                            ft_err *err)
{
    *out = NULL;
    *out_len = 0;
    char *text = NULL;
    size_t len = 0;
    int from_file = arg[0] == '@';
    if (from_file)
        snprintf(what, FT_ERR_MSG_MAX, "'%.400s'", arg + 1);
    else
        snprintf(what, FT_ERR_MSG_MAX, "the argument");
    if (from_file) {
        ft_status st = ft_cli_read_file(arg + 1, &text, &len, err);
        if (st != FT_OK)
            return st;
    } else {
        len = strlen(arg);
        text = malloc(len + 1);
        if (!text)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory");
        memcpy(text, arg, len + 1);
    }
    /* hex text (white space anywhere) or, from a file, raw binary */
    size_t digits = 0;
    int is_hex = 1;
    for (size_t i = 0; i < len && is_hex; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isxdigit(c))
            digits++;
        else if (!isspace(c))
            is_hex = 0;
    }
    if (is_hex && digits > 0) {
        size_t k = 0;
        for (size_t i = 0; i < len; i++) /* compact in place: only the digits */
            if (isxdigit((unsigned char)text[i]))
                text[k++] = text[i];
        ft_status st = ft_hex_decode_alloc(out, out_len, text, digits);
        free(text);
        if (st == FT_ERR_PARSE)
            return ft_err_set(err, st, "invalid hex in %s: odd number of digits", what);
        if (st != FT_OK)
            return ft_err_set(err, st, "out of memory decoding %s", what);
        return FT_OK;
    }
    if (!from_file) {
        free(text);
        return ft_err_set(err, FT_ERR_PARSE, "invalid hex in the argument%s",
                          len ? ": a character is not a hex digit" : ": it is empty");
    }
    if (len == 0) {
        free(text);
        return ft_err_set(err, FT_ERR_PARSE, "%s is empty", what);
    }
    *out = (uint8_t *)text; /* raw bytes */
    *out_len = len;
    return FT_OK;
}

static void amount_str(char *out, ft_u128 sat)
{
    ft_amount_format(out, sat, FT_BTC_DECIMALS);
}

/* Writes the address text of an output script; returns its type. text is "" for no address. */
static ft_btc_script_type output_address(char *text, const ft_btc_txout *o,
                                         const ft_btc_params *net)
{
    ft_addr_key key;
    ft_btc_script_type t = ft_btc_script_classify(o->script, o->script_len, &key);
    text[0] = '\0';
    if (key.len && ft_btc_address_encode(text, &key, net) != FT_OK)
        text[0] = '\0';
    return t;
}

static uint64_t tx_weight(const ft_btc_tx *tx)
{
    return (uint64_t)tx->base_size * 3 + tx->size;
}

/* cJSON helpers that tolerate NULL (out of memory is checked once, at printing). */
static void add_str(cJSON *obj, const char *name, const char *s)
{
    cJSON_AddItemToObject(obj, name, cJSON_CreateString(s));
}

static void add_num(cJSON *obj, const char *name, double v)
{
    cJSON_AddItemToObject(obj, name, cJSON_CreateNumber(v));
}

static void add_hash(cJSON *obj, const char *name, const uint8_t h[32])
{
    char s[65];
    ft_hex_encode_rev(s, h, 32);
    add_str(obj, name, s);
}

static cJSON *tx_json(const ft_btc_tx *tx, const ft_btc_params *net, int with_network)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    char amount[FT_AMOUNT_STR_MAX];
    add_str(o, "chain", "bitcoin"); /* in every tx object, a block's included */
    if (with_network)
        add_str(o, "network", net->name);
    add_hash(o, "txid", tx->txid);
    add_hash(o, "wtxid", tx->wtxid);
    add_num(o, "size", (double)tx->size);
    add_num(o, "vsize", (double)((tx_weight(tx) + 3) / 4));
    add_num(o, "weight", (double)tx_weight(tx));
    add_num(o, "version", tx->version);
    add_num(o, "locktime", tx->locktime);
    int coinbase = ft_btc_tx_is_coinbase(tx);
    cJSON_AddItemToObject(o, "coinbase", cJSON_CreateBool(coinbase));
    cJSON *ins = cJSON_CreateArray();
    cJSON_AddItemToObject(o, "inputs", ins);
    for (uint32_t i = 0; i < tx->n_in && ins; i++) {
        const ft_btc_txin *in = &tx->in[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(ins, j);
        if (!j)
            break;
        add_hash(j, "txid", in->prev_txid);
        add_num(j, "vout", in->prev_vout);
        add_num(j, "sequence", in->sequence);
        cJSON_AddItemToObject(j, "address", cJSON_CreateNull());
        cJSON_AddItemToObject(j, "value", cJSON_CreateNull());
        if (coinbase) {
            char *hex = malloc(in->script_len * 2 + 1);
            if (hex) {
                ft_hex_encode(hex, in->script, in->script_len);
                add_str(j, "coinbase", hex);
                free(hex);
            }
        }
    }
    cJSON *outs = cJSON_CreateArray();
    cJSON_AddItemToObject(o, "outputs", outs);
    ft_u128 total = 0;
    for (uint32_t i = 0; i < tx->n_out && outs; i++) {
        const ft_btc_txout *out = &tx->out[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddItemToArray(outs, j);
        if (!j)
            break;
        char addr[FT_BTC_ADDR_STR_MAX];
        ft_btc_script_type t = output_address(addr, out, net);
        if (addr[0])
            add_str(j, "address", addr);
        else
            cJSON_AddItemToObject(j, "address", cJSON_CreateNull());
        amount_str(amount, out->value);
        add_str(j, "value", amount);
        add_str(j, "type", ft_btc_script_type_name(t));
        add_num(j, "n", i);
        char *hex = malloc(out->script_len * 2 + 1);
        if (hex) {
            ft_hex_encode(hex, out->script, out->script_len);
            add_str(j, "script", hex);
            free(hex);
        }
        total += out->value; /* 128 bits: no overflow for any count of outputs */
    }
    amount_str(amount, total);
    add_str(o, "output_value", amount);
    return o;
}

/* BIP 34 height: the coinbase scriptSig starts with the height, as a minimal push of a
 * little-endian number (1..8 bytes) or OP_1..OP_16. Returns 1 and *h if present. */
static int bip34_height(const ft_btc_block *b, uint64_t *h)
{
    if (b->header.version < 2 || b->n_tx == 0 || b->txs[0].n_in != 1)
        return 0;
    const uint8_t *s = b->txs[0].in[0].script;
    size_t n = b->txs[0].in[0].script_len;
    if (n >= 1 && s[0] >= 0x51 && s[0] <= 0x60) {
        *h = (uint64_t)(s[0] - 0x50);
        return 1;
    }
    if (n < 2 || s[0] < 1 || s[0] > 8 || (size_t)s[0] + 1 > n)
        return 0;
    size_t k = s[0];
    if (s[k] & 0x80)
        return 0; /* negative */
    uint64_t v = 0;
    for (size_t i = 0; i < k; i++)
        v |= (uint64_t)s[1 + i] << (8 * i);
    *h = v;
    return 1;
}

static int print_json(cJSON *root)
{
    char *s = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!s)
        return ft_cli_error(1, "out of memory writing json");
    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
    return 0;
}

static void print_tx_text(const ft_btc_tx *tx, const ft_btc_params *net)
{
    char id[65], amount[FT_AMOUNT_STR_MAX], addr[FT_BTC_ADDR_STR_MAX];
    ft_hex_encode_rev(id, tx->txid, 32);
    printf("tx %s\n", id);
    if (tx->has_witness) {
        ft_hex_encode_rev(id, tx->wtxid, 32);
        printf("  wtxid %s\n", id);
    }
    printf("  size %zu bytes, vsize %llu, version %d, locktime %u%s\n", tx->size,
           (unsigned long long)((tx_weight(tx) + 3) / 4), tx->version, tx->locktime,
           ft_btc_tx_is_coinbase(tx) ? ", coinbase" : "");
    printf("  inputs (%u):\n", tx->n_in);
    for (uint32_t i = 0; i < tx->n_in; i++) {
        if (ft_btc_tx_is_coinbase(tx)) {
            printf("    %u  coinbase (%zu-byte script)\n", i, tx->in[i].script_len);
            continue;
        }
        ft_hex_encode_rev(id, tx->in[i].prev_txid, 32);
        printf("    %u  %s:%u\n", i, id, tx->in[i].prev_vout);
    }
    printf("  outputs (%u):\n", tx->n_out);
    ft_u128 total = 0;
    for (uint32_t i = 0; i < tx->n_out; i++) {
        ft_btc_script_type t = output_address(addr, &tx->out[i], net);
        amount_str(amount, tx->out[i].value);
        printf("    %u  %s  %s BTC  %s\n", i, addr[0] ? addr : "(no address)", amount,
               ft_btc_script_type_name(t));
        total += tx->out[i].value;
    }
    amount_str(amount, total);
    printf("  total output %s BTC\n", amount);
}

static int decode_tx(ft_cli *cli, const uint8_t *data, size_t len, const char *what,
                     const ft_btc_params *net, int json)
{
    ft_arena arena;
    ft_arena_init(&arena);
    ft_reader r;
    ft_btc_tx tx;
    ft_err err = {0};
    ft_reader_init(&r, data, len);
    ft_status st = ft_btc_tx_parse(&tx, &r, &arena, &err);
    if (st != FT_OK) {
        ft_arena_release(&arena);
        ft_err_prefix(&err, "cannot decode the transaction in %s", what);
        return ft_cli_fail(st, &err);
    }
    if (r.left != 0) {
        ft_arena_release(&arena);
        return ft_cli_error(2, "%zu trailing bytes after the transaction in %s at offset %zu",
                            r.left, what, ft_reader_offset(&r));
    }
    int rc = 0;
    if (json || cli->json)
        rc = print_json(tx_json(&tx, net, 1));
    else
        print_tx_text(&tx, net);
    ft_arena_release(&arena);
    return rc;
}

static int decode_block(ft_cli *cli, const uint8_t *data, size_t len, const char *what,
                        const ft_btc_params *net, int json)
{
    /* blk-file framing: magic of a known network, LE size, then the block */
    if (len >= 8) {
        const ft_btc_params *framed = ft_btc_params_by_magic(data);
        uint32_t size = ft_get_u32le(data + 4);
        if (framed && size <= len - 8) {
            if (framed->id != net->id && memcmp(framed->magic, net->magic, 4) != 0)
                return ft_cli_error(2,
                                    "%s holds a block framed for network '%s', not '%s' (use "
                                    "--network %s)",
                                    what, framed->name, net->name, framed->name);
            for (size_t i = 8 + (size_t)size; i < len; i++)
                if (data[i] != 0)
                    return ft_cli_error(2,
                                        "%s holds more than one block record (%zu bytes "
                                        "after the first)",
                                        what, len - 8 - (size_t)size);
            data += 8;
            len = size;
        }
    }
    ft_btc_block b;
    ft_err err = {0};
    ft_status st = ft_btc_block_parse(&b, data, len, &err);
    if (st != FT_OK) {
        ft_err_prefix(&err, "cannot decode the block in %s", what);
        return ft_cli_fail(st, &err);
    }
    char when[FT_TIME_ISO8601_MAX], hex[65];
    ft_time_iso8601(when, b.header.time);
    uint64_t height = 0;
    int has_height = bip34_height(&b, &height);
    uint64_t weight = 0;
    for (uint32_t i = 0; i < b.n_tx; i++)
        weight += tx_weight(&b.txs[i]);
    weight += (uint64_t)(b.txs[0].raw - data) * 4; /* header and tx count */
    int rc = 0;
    if (json || cli->json) {
        cJSON *o = cJSON_CreateObject();
        if (o) {
            add_str(o, "chain", "bitcoin");
            add_str(o, "network", net->name);
            add_hash(o, "hash", b.header.hash);
            add_hash(o, "prev", b.header.prev);
            add_str(o, "time", when);
            add_num(o, "timestamp", b.header.time);
            if (has_height)
                add_num(o, "height", (double)height);
            add_num(o, "version", b.header.version);
            snprintf(hex, sizeof hex, "%08x", b.header.bits);
            add_str(o, "bits", hex);
            add_num(o, "nonce", b.header.nonce);
            add_hash(o, "merkle_root", b.header.merkle);
            add_num(o, "size", (double)b.size);
            add_num(o, "weight", (double)weight);
            add_num(o, "n_tx", b.n_tx);
            cJSON *txs = cJSON_CreateArray();
            cJSON_AddItemToObject(o, "txs", txs);
            for (uint32_t i = 0; i < b.n_tx && txs; i++)
                cJSON_AddItemToArray(txs, tx_json(&b.txs[i], net, 0));
        }
        rc = print_json(o);
    } else {
        ft_hex_encode_rev(hex, b.header.hash, 32);
        printf("block %s\n", hex);
        ft_hex_encode_rev(hex, b.header.prev, 32);
        printf("  prev %s\n", hex);
        if (has_height)
            printf("  height %llu (BIP 34)\n", (unsigned long long)height);
        printf("  time %s, version 0x%08x, bits %08x, nonce %u\n", when,
               (unsigned)b.header.version, b.header.bits, b.header.nonce);
        printf("  size %zu bytes, weight %llu, %u transactions\n", b.size,
               (unsigned long long)weight, b.n_tx);
        ft_u128 total = 0;
        for (uint32_t i = 0; i < b.n_tx; i++) {
            const ft_btc_tx *tx = &b.txs[i];
            ft_u128 out = 0;
            for (uint32_t k = 0; k < tx->n_out; k++)
                out += tx->out[k].value;
            total += out;
            char amount[FT_AMOUNT_STR_MAX];
            amount_str(amount, out);
            ft_hex_encode_rev(hex, tx->txid, 32);
            printf("  %5u  %s  %u in  %u out  %s BTC%s\n", i, hex, tx->n_in, tx->n_out, amount,
                   i == 0 ? "  coinbase" : "");
        }
        char amount[FT_AMOUNT_STR_MAX];
        amount_str(amount, total);
        printf("  total output %s BTC\n", amount);
    }
    ft_btc_block_release(&b);
    return rc;
}

int cmd_decode(ft_cli *cli, int argc, char **argv)
{
    const char *network = "main";
    int json = 0;
    const ft_opt opts[] = {
        {"network", 1, &network, NULL},
        {"json", 0, NULL, &json},
        {NULL, 0, NULL, NULL},
    };
    const char *pos[2];
    int n_pos = 0;
    int rc = ft_cli_parse("decode", argc, argv, opts, pos, 2, &n_pos);
    if (rc)
        return rc;
    if (n_pos < 2)
        return ft_cli_usage_error("decode", "'decode' needs a kind (tx or block) and HEX or @FILE");
    int is_block = strcmp(pos[0], "block") == 0;
    if (!is_block && strcmp(pos[0], "tx") != 0)
        return ft_cli_usage_error("decode", "unknown kind '%s' (expected tx or block)", pos[0]);
    const ft_btc_params *net = ft_btc_params_by_name(network);
    if (!net)
        return ft_cli_usage_error("decode",
                                  "unknown network '%s' (main, testnet, testnet4, signet, "
                                  "regtest)",
                                  network);
    if (pos[1][0] == '@' && pos[1][1] == '\0')
        return ft_cli_usage_error("decode", "'@' needs a file name (or '@-' for stdin)");

    uint8_t *data;
    size_t len;
    char what[FT_ERR_MSG_MAX];
    ft_err err = {0};
    ft_status st = load_input(pos[1], &data, &len, what, &err);
    if (st != FT_OK)
        return ft_cli_fail(st, &err);
    if (is_block)
        rc = decode_block(cli, data, len, what, net, json);
    else
        rc = decode_tx(cli, data, len, what, net, json);
    free(data);
    return rc;
}
