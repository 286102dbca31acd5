/*
 * store_options.cc — the two LevelDB options a read-only open needs that LevelDB's C API
 * does not expose: `reuse_logs` and a discarding info log. The only C++ in the project.
 *
 * Why: every leveldb_open with the C API's options writes a new MANIFEST and a new log file,
 * renames CURRENT (three fdatasync calls) and rotates the LOG file, even for a command that
 * only reads. For `fundtrace address` on the 1M-tx index that was about 3.5 ms of a 20 ms
 * budget (docs/performance.md, "Single-address queries"). With reuse_logs, LevelDB keeps the
 * MANIFEST and the last log when they need no rewrite (DBImpl::Recover, VersionSet::Recover:
 * a log whose records were replayed stays the current log, its memtable the current one, so
 * nothing is flushed by a reader); with a logger that drops its messages, a reader no longer
 * rotates away the writer's LOG. Writers keep LevelDB's defaults.
 *
 * How: LevelDB's C API (db/c.cc) defines its options object as
 *     struct leveldb_options_t { leveldb::Options rep; };
 * and this file repeats that definition token for token (the one-definition rule allows an
 * identical definition in another translation unit) to set the two fields. The definition has
 * not changed since the C API was added (2011) and Debian 12 ships LevelDB 1.23. A change would
 * show in tests/unit/test_store.c (read_open_writes_nothing: a read-only open must leave the
 * directory exactly as it was, and a writer's data must read back).
 */
#include "engine/store_options.h"

#include <cstdarg>
#include <leveldb/env.h>
#include <leveldb/options.h>

struct leveldb_options_t {
    leveldb::Options rep;
};

namespace {

class DiscardLogger final : public leveldb::Logger {
  public:
    void Logv(const char *format, std::va_list ap) override
    {
        (void)format;
        (void)ap;
    }
};

} // namespace

extern "C" void ft_store_options_for_reading(leveldb_options_t *options)
{
    /* Never destroyed: LevelDB's background thread may log while the process exits. */
    static leveldb::Logger *const discard = new DiscardLogger;
    options->rep.reuse_logs = true;
    options->rep.info_log = discard;
}
