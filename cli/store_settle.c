/*
 * store_settle.c — closing a store a command wrote to (cli.h, ft_cli_store_close_settled).
 *
 * What: the writers (`index`, `labels import`, `incidents import`, `cluster`) end by flushing
 * the memtable and waiting for LevelDB's background compaction (engine/store.c,
 * ft_store_settle) before closing, so that the next short-lived reader (`address`, `tx`) does
 * not replay the log, search overlapping level-0 files, or restart a compaction it abandons
 * at exit. How long that took is logged at debug level (--verbose). The wait is capped
 * (SETTLE_MAX_MS): past it the store is closed anyway; LevelDB resumes the compaction at the
 * next open, and every finished compaction step is already durable.
 * Invariant: never fails the command; the data was committed before this is called.
 */
#include "cli/cli.h"
#include "engine/log.h"
#include "engine/store.h"

#include "engine/banned.h"

#define SETTLE_MAX_MS 600000u /* 10 minutes: a full-chain index may leave gigabytes in L0 */

void ft_cli_store_close_settled(struct ft_store *st, const char *cmd)
{
    if (!st)
        return;
    ft_err err;
    ft_err_clear(&err);
    ft_store_shape sh;
    if (ft_store_settle(st, SETTLE_MAX_MS, &sh, &err) == FT_OK)
        ft_log(FT_LOG_DEBUG,
               "%s: store flushed in %.3f s, background compaction %s after %.3f s "
               "(level-0 files %d; MB per level %.0f %.0f %.0f %.0f %.0f %.0f %.0f)",
               cmd, sh.flush_seconds, sh.settled ? "finished" : "still running",
               sh.wait_seconds, sh.files[0], sh.mb[0], sh.mb[1], sh.mb[2], sh.mb[3], sh.mb[4],
               sh.mb[5], sh.mb[6]);
    else
        ft_log(FT_LOG_DEBUG, "%s: store not flushed: %s", cmd, err.msg);
    ft_store_close(st);
}
