/*
 * store_options.h — LevelDB options the C API does not reach (see store_options.cc).
 *
 * ft_store_open (engine/store.c) calls ft_store_options_for_reading on the options of a
 * read-only open: LevelDB then keeps the existing MANIFEST and log instead of writing new
 * ones (no fdatasync, no rename of CURRENT) and logs nothing (the writer's LOG stays as it
 * was). The options object must not be used for a writer afterwards.
 */
#ifndef FT_ENGINE_STORE_OPTIONS_H
#define FT_ENGINE_STORE_OPTIONS_H

#include <leveldb/c.h>

#ifdef __cplusplus
extern "C" {
#endif

void ft_store_options_for_reading(leveldb_options_t *options);

#ifdef __cplusplus
}
#endif

#endif
