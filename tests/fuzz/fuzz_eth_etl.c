/*
 * fuzz_eth_etl.c — libFuzzer target for the ethereum-etl export reader
 * (chains/ethereum/etl.c, ft_eth_index_etl_tokens): its RFC 4180 CSV and flat JSON-lines
 * readers, the column values (hex and decimal quantities, addresses, hashes, topic lists) and
 * the block assembly that follows.
 *
 * The input is a set of files in the "@@ NAME" format of fuzz_util.h (bytes before the first
 * "@@ " line are blocks.csv): blocks, transactions, receipts, logs, token_transfers and traces
 * as .csv or .json, plus a tokens dataset (tokens.csv, given when present). They are written
 * to a fresh directory and indexed into a fresh store (LevelDB) for main net.
 * Properties (abort on violation): no read outside any buffer and no leak (ASan); a failure
 * carries a message, and a parse failure names a file; the export is all or nothing, so after
 * a failure the store holds exactly what a fresh store holds (same digest); a success reports
 * no more blocks than the blocks file has lines and no more txs than the transactions file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chains/ethereum/etl.h"
#include "chains/ethereum/params.h"
#include "engine/store.h"
#include "tests/fuzz/fuzz_util.h"

#include "engine/banned.h"

static const char *const file_names[] = {"blocks.csv",  "transactions.csv",     "receipts.csv",
                                         "logs.csv",    "token_transfers.csv",  "traces.csv",
                                         "blocks.json", "transactions.json",    "receipts.json",
                                         "logs.json",   "token_transfers.json", "traces.json",
                                         "tokens.csv"};

static uint8_t empty_digest[32];
static int have_empty_digest;

static size_t count_lines(const char *dir, const char *name)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0, n = 0;
    uint8_t *b = ft_fuzz_read(path, &len);
    if (!b)
        return 0;
    for (size_t i = 0; i < len; i++)
        n += b[i] == '\n';
    free(b);
    return n + 1;
}

static void store_digest(const char *db, uint8_t out[32])
{
    ft_store *st = NULL;
    ft_err err;
    if (ft_store_open(&st, db, FT_STORE_WRITE, &err) != FT_OK ||
        ft_store_digest(st, out, &err) != FT_OK)
        abort();
    ft_store_close(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[4200], db[4200], tokens[4352];
    if (!have_empty_digest) {
        ft_fuzz_subdir(db, sizeof db, "empty.db");
        ft_fuzz_rmtree(db);
        store_digest(db, empty_digest);
        ft_fuzz_rmtree(db);
        have_empty_digest = 1;
    }
    ft_fuzz_subdir(dir, sizeof dir, "etl");
    ft_fuzz_subdir(db, sizeof db, "etl.db");
    ft_fuzz_rmtree(db); /* the store creates it */
    ft_fuzz_write_files(dir, data, size, file_names, sizeof file_names / sizeof file_names[0]);
    snprintf(tokens, sizeof tokens, "%s/tokens.csv", dir);
    struct stat sb;
    int has_tokens = stat(tokens, &sb) == 0;

    const ft_eth_params *p = ft_eth_params_by_name("ethereum");
    ft_store *st = NULL;
    ft_err err;
    ft_err_clear(&err);
    if (!p || ft_store_open(&st, db, FT_STORE_WRITE, &err) != FT_OK)
        abort();
    ft_eth_index_stats stats;
    memset(&stats, 0, sizeof stats);
    ft_status rc = ft_eth_index_etl_tokens(st, p, dir, has_tokens ? tokens : NULL, &stats, &err);
    ft_store_close(st);
    if (rc != FT_OK) {
        if (err.msg[0] == '\0')
            abort();
        if (rc == FT_ERR_PARSE && !strstr(err.msg, "'"))
            abort(); /* a parse error names its file */
        uint8_t d[32];
        store_digest(db, d);
        if (memcmp(d, empty_digest, 32) != 0)
            abort(); /* all or nothing */
    } else {
        size_t bl = count_lines(dir, "blocks.csv") + count_lines(dir, "blocks.json");
        size_t tl = count_lines(dir, "transactions.csv") + count_lines(dir, "transactions.json");
        if (stats.blocks > bl || stats.txs > tl)
            abort();
    }
    ft_fuzz_rmtree(db);
    ft_fuzz_rmtree(dir);
    return 0;
}
