/*
 * truth.c — ground-truth files next to the generated chain (formats in truth.h and
 * docs/generator.md).
 *
 * The big files (addresses.csv: one row per address, tens of millions for the largest chains)
 * are streamed through stdio buffers as rows happen, so nothing accumulates in memory; the
 * small ones (entities, labels, manifest) are written at the end. Every text field is made of
 * [a-z0-9:.-] (names, hex, bech32/base58 addresses), so no CSV quoting is ever needed.
 * Amounts are exact decimal strings in BTC (ft_amount_format), dates ISO 8601 UTC.
 */
#include "datasets/gen/truth.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "chains/bitcoin/address.h"
#include "datasets/gen/incidents.h"
#include "engine/amount.h"
#include "engine/hex.h"
#include "engine/banned.h"

static const char chain_name[] = "bitcoin";
static const char *const cat_names[] = {"exchange", "mixer", "otc"};

static ft_status open_csv(ft_gen_truth *t, FILE **f, const char *name, const char *header,
                          ft_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", t->dir, name);
    *f = fopen(path, "w");
    if (!*f)
        return ft_err_set(err, FT_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    setvbuf(*f, NULL, _IOFBF, 1 << 20);
    fprintf(*f, "%s\n", header);
    return FT_OK;
}

ft_status ft_gen_truth_open(ft_gen_truth *t, const char *outdir, ft_err *err)
{
    ft_status st;
    memset(t, 0, sizeof *t);
    if ((size_t)snprintf(t->dir, sizeof t->dir, "%s/truth", outdir) >= sizeof t->dir)
        return ft_err_set(err, FT_ERR_ARG, "output path too long: '%s'", outdir);
    if (mkdir(t->dir, 0777) != 0 && errno != EEXIST)
        return ft_err_set(err, FT_ERR_IO, "cannot create directory '%s': %s", t->dir,
                          strerror(errno));
    if ((st = open_csv(t, &t->addresses, "addresses.csv", "address,entity,entity_kind", err)) ||
        (st = open_csv(t, &t->incidents, "incidents.csv",
                       "incident,date,chain,seed,asset,amount,attribution,source", err)) ||
        (st = open_csv(t, &t->incident_txs, "incident_txs.csv", "incident,txid,height,step", err)) ||
        (st = open_csv(t, &t->coinjoins, "coinjoins.csv", "txid,kind", err)))
        return st;
    return FT_OK;
}

ft_status ft_gen_truth_address(ft_gen_world *w, uint32_t addr, ft_err *err)
{
    char text[FT_BTC_ADDR_STR_MAX], name[64];
    uint32_t e = w->addrs[addr].entity;
    if (ft_gen_addr_text(w, addr, text) != FT_OK)
        return ft_err_set(err, FT_ERR_STATE, "cannot encode generated address %u", addr);
    ft_gen_entity_name(w, e, name, sizeof name);
    fprintf(w->truth->addresses, "%s,%s,%s\n", text, name, ft_gen_kind_name(w->ents[e].kind));
    return FT_OK;
}

ft_status ft_gen_truth_label(ft_gen_world *w, uint32_t addr, int category, ft_err *err)
{
    ft_gen_truth *t = w->truth;
    for (size_t i = 0; i < t->n_labels; i++)
        if (t->label_addr[i] == addr)
            return FT_OK;
    if (t->n_labels == t->cap_labels) {
        size_t cap = t->cap_labels ? t->cap_labels * 2 : 64;
        uint32_t *a = realloc(t->label_addr, cap * sizeof *a);
        if (!a)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for labels");
        t->label_addr = a;
        uint8_t *c = realloc(t->label_cat, cap);
        if (!c)
            return ft_err_set(err, FT_ERR_NOMEM, "out of memory for labels");
        t->label_cat = c;
        t->cap_labels = cap;
    }
    t->label_addr[t->n_labels] = addr;
    t->label_cat[t->n_labels] = (uint8_t)category;
    t->n_labels++;
    return FT_OK;
}

ft_status ft_gen_truth_coinjoin(ft_gen_world *w, const uint8_t txid[32], const char *kind,
                                ft_err *err)
{
    char hex[65];
    ft_hex_encode_rev(hex, txid, 32);
    fprintf(w->truth->coinjoins, "%s,%s\n", hex, kind);
    w->truth->n_coinjoins++;
    return FT_OK;
}

static void iso_date(char *out, size_t cap, uint32_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, cap, "%Y-%m-%d", &tm);
}

ft_status ft_gen_truth_seed(ft_gen_world *w, const char *incident, uint32_t time,
                            const uint8_t txid[32], uint32_t vout, uint64_t value,
                            const char *attribution, ft_err *err)
{
    char hex[65], date[32], amount[FT_AMOUNT_STR_MAX];
    ft_hex_encode_rev(hex, txid, 32);
    iso_date(date, sizeof date, time);
    ft_amount_format(amount, value, FT_BTC_DECIMALS);
    fprintf(w->truth->incidents, "%s,%s,%s,%s:%u,BTC,%s,%s,fundtrace-gen seed %" PRIu64 "\n",
            incident, date, chain_name, hex, vout, amount, attribution, w->seed);
    w->truth->n_seeds++;
    return FT_OK;
}

ft_status ft_gen_truth_incident_tx(ft_gen_world *w, const char *incident, const uint8_t txid[32],
                                   const char *step, ft_err *err)
{
    char hex[65];
    ft_hex_encode_rev(hex, txid, 32);
    fprintf(w->truth->incident_txs, "%s,%s,%u,%s\n", incident, hex, w->height, step);
    return FT_OK;
}

static ft_status close_file(FILE **f, const char *dir, const char *name, ft_err *err)
{
    if (!*f)
        return FT_OK;
    int bad = fflush(*f) != 0 || ferror(*f);
    bad |= fclose(*f) != 0;
    *f = NULL;
    if (bad)
        return ft_err_set(err, FT_ERR_IO, "cannot write '%s/%s': %s", dir, name, strerror(errno));
    return FT_OK;
}

ft_status ft_gen_truth_finish(ft_gen_world *w, const uint8_t blocks_digest[32], ft_err *err)
{
    ft_gen_truth *t = w->truth;
    ft_status st;
    FILE *f;
    char name[64], text[FT_BTC_ADDR_STR_MAX], hex[65];

    if ((st = open_csv(t, &f, "entities.csv", "entity,kind,addresses", err)) != FT_OK)
        return st;
    for (uint32_t e = 0; e < w->n_ents; e++) {
        ft_gen_entity_name(w, e, name, sizeof name);
        fprintf(f, "%s,%s,%" PRIu64 "\n", name, ft_gen_kind_name(w->ents[e].kind),
                w->ents[e].n_addrs);
    }
    if ((st = close_file(&f, t->dir, "entities.csv", err)) != FT_OK)
        return st;

    if ((st = open_csv(t, &f, "labels.csv", "chain,address,entity,category,source", err)) != FT_OK)
        return st;
    for (size_t i = 0; i < t->n_labels; i++) {
        uint32_t a = t->label_addr[i];
        if (ft_gen_addr_text(w, a, text) != FT_OK) {
            fclose(f);
            return ft_err_set(err, FT_ERR_STATE, "cannot encode labeled address %u", a);
        }
        ft_gen_entity_name(w, w->addrs[a].entity, name, sizeof name);
        fprintf(f, "%s,%s,%s,%s,fundtrace-gen\n", chain_name, text, name,
                cat_names[t->label_cat[i]]);
    }
    if ((st = close_file(&f, t->dir, "labels.csv", err)) != FT_OK)
        return st;

    if ((st = close_file(&t->addresses, t->dir, "addresses.csv", err)) != FT_OK ||
        (st = close_file(&t->incidents, t->dir, "incidents.csv", err)) != FT_OK ||
        (st = close_file(&t->incident_txs, t->dir, "incident_txs.csv", err)) != FT_OK ||
        (st = close_file(&t->coinjoins, t->dir, "coinjoins.csv", err)) != FT_OK)
        return st;

    char path[4200];
    snprintf(path, sizeof path, "%s/manifest.json", t->dir);
    f = fopen(path, "w");
    if (!f)
        return ft_err_set(err, FT_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
    ft_hex_encode_rev(hex, w->bw.tip, 32);
    char dg[65];
    ft_hex_encode(dg, blocks_digest, 32);
    fprintf(f,
            "{\n"
            "  \"generator\": \"fundtrace-gen\",\n"
            "  \"version\": \"%s\",\n"
            "  \"network\": \"%s\",\n"
            "  \"seed\": %" PRIu64 ",\n"
            "  \"txs\": %" PRIu64 ",\n"
            "  \"blocks\": %" PRIu64 ",\n"
            "  \"tip_height\": %u,\n"
            "  \"tip_hash\": \"%s\",\n"
            "  \"signed\": %s,\n"
            "  \"incidents\": %u,\n"
            "  \"addresses\": %u,\n"
            "  \"entities\": %u,\n"
            "  \"coinjoins\": %" PRIu64 ",\n"
            "  \"block_files\": %d,\n"
            "  \"block_bytes\": %" PRIu64 ",\n"
            "  \"blocks_sha256\": \"%s\"\n"
            "}\n",
            FT_GEN_VERSION, w->net->name, w->seed, w->bw.txs, w->bw.blocks, w->bw.tip_height, hex,
            w->placeholder ? "false" : "true", ft_gen_incidents_done(w), w->n_addrs, w->n_ents,
            t->n_coinjoins, w->bw.file_no + 1, w->bw.bytes, dg);
    return close_file(&f, t->dir, "manifest.json", err);
}

void ft_gen_truth_release(ft_gen_truth *t)
{
    FILE **files[] = {&t->addresses, &t->incidents, &t->incident_txs, &t->coinjoins};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (*files[i]) {
            fclose(*files[i]);
            *files[i] = NULL;
        }
    free(t->label_addr);
    free(t->label_cat);
    t->label_addr = NULL;
    t->label_cat = NULL;
    t->n_labels = t->cap_labels = 0;
}
