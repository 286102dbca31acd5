/*
 * etl.h — indexing from ethereum-etl / BigQuery `crypto_ethereum` exports instead of a node.
 *
 * DIR holds any of blocks, transactions, receipts, logs, token_transfers, traces, each as
 * NAME.csv (RFC 4180 with a header row) or NAME.json (JSON lines, one object per line), in
 * ethereum-etl's column names. blocks and transactions are required; receipt fields come from
 * receipts or from the transactions' receipt_* columns; token rows from logs (preferred) or
 * token_transfers; internal transfers from traces when present. Every row is parsed and every
 * block assembled before anything is written, then all blocks go in ONE batch: a broken row is
 * an error naming the file and line (FT_ERR_PARSE, exit 2) and the index stays unchanged.
 */
#ifndef FT_ETH_ETL_H
#define FT_ETH_ETL_H

#include "chains/ethereum/ingest.h"
#include "chains/ethereum/params.h"
#include "engine/status.h"
#include "engine/store.h"

ft_status ft_eth_index_etl(ft_store *st, const ft_eth_params *p, const char *dir,
                           ft_eth_index_stats *stats, ft_err *err) FT_WARN_UNUSED;

/* The same, with the tokens dataset (NULL: none): every token contract gets a record, from
 * the dataset or unknown (no node to ask), as the RPC ingest stages them (tokens.h). */
ft_status ft_eth_index_etl_tokens(ft_store *st, const ft_eth_params *p, const char *dir,
                                  const char *tokens_csv, ft_eth_index_stats *stats,
                                  ft_err *err) FT_WARN_UNUSED;

#endif
