/*
 * labels.h — address labels: parsing the label files and keeping them in the store.
 *
 * A label says that an address belongs to an entity of a category, according to a source:
 *     chain,address,entity,category,source[,confidence]            (labels CSV, RFC 4180)
 * or a GraphSense TagPack (YAML: header fields are defaults for every tag of `tags:`).
 * Address text is turned into a chain byte and an address key by a callback the caller
 * gives (the CLI uses chains/bitcoin; engine/ knows no address format). Parsing is all or
 * nothing: the first broken row fails the whole file with "'FILE' line N: what is wrong"
 * (FT_ERR_PARSE), and nothing is stored.
 *
 * Store records (docs/store-format.md, "Labels"):
 *     key   = 0x20 chain klen:u8 addr_key:klen id:8      id = first 8 bytes of
 *                                                         SHA-256(entity ‖ 0x00 ‖ source)
 *     value = 0x01 category:u8 confidence:u8 (255 = none) entity_len:compact entity
 *             source_len:compact source address_text_len:compact address_text
 * so one address may carry several labels (one per entity and source), importing the same
 * row twice changes nothing, and every label of an address is one prefix scan.
 * Entity and source strings are stored verbatim (a label that looks like a spreadsheet
 * formula stays one; CSV writers escape at output time).
 * Conflicts (one address, two different entities) are reported, never resolved: both stay.
 */
#ifndef FT_LABELS_H
#define FT_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/status.h"
#include "engine/store.h"
#include "engine/utxo.h"

/* Label categories (ARCHITECTURE.md section 6). */
typedef enum ft_label_cat {
    FT_CAT_EXCHANGE = 0,
    FT_CAT_OTC,
    FT_CAT_PAYMENT,
    FT_CAT_MIXER,
    FT_CAT_BRIDGE,
    FT_CAT_DEFI,
    FT_CAT_HACK,
    FT_CAT_SANCTIONED,
    FT_CAT_OTHER,
    FT_CAT_COUNT,
    FT_CAT_NONE = 0xff
} ft_label_cat;

#define FT_LABEL_TEXT_MAX 256 /* entity, source: at most 255 bytes */
#define FT_LABEL_ADDR_TEXT_MAX 128
#define FT_LABEL_NO_CONFIDENCE 255

typedef struct ft_label {
    uint8_t chain;   /* engine/keys.h */
    ft_addr_key addr;
    uint8_t category; /* ft_label_cat */
    uint8_t confidence; /* 0..100, FT_LABEL_NO_CONFIDENCE */
    uint32_t line;      /* line in the file it came from (0 if from the store) */
    char addr_text[FT_LABEL_ADDR_TEXT_MAX];
    char entity[FT_LABEL_TEXT_MAX];
    char source[FT_LABEL_TEXT_MAX];
} ft_label;

typedef struct ft_label_set {
    ft_label *v;
    size_t n, cap;
    size_t skipped; /* TagPack tags of chains we do not index */
} ft_label_set;

void ft_label_set_release(ft_label_set *s);

/* Resolves (chain name, address text) to a chain byte and address key. Returns FT_OK, or
 * FT_ERR_PARSE with a message ("invalid bitcoin address 'x': bad checksum"), or
 * FT_ERR_NOTFOUND for a chain that is not handled (TagPack rows of it are skipped, CSV rows
 * fail). */
typedef ft_status (*ft_label_addr_fn)(void *ctx, const char *chain, const char *address,
                                      uint8_t *chain_byte, ft_addr_key *key, ft_err *err);

/* "exchange" -> FT_CAT_EXCHANGE …; FT_CAT_NONE if not one of the nine. */
uint8_t ft_label_cat_parse(const char *s);
const char *ft_label_cat_name(uint8_t cat);
/* GraphSense category names (exchange, mixing_service, perpetrator, …) to ours. */
uint8_t ft_label_cat_from_graphsense(const char *s);

/* Parses a labels CSV (header required). fname is for messages. Appends to out; on failure
 * out is left as it was before the call. */
ft_status ft_labels_parse_csv(const char *text, size_t len, const char *fname,
                              ft_label_addr_fn fn, void *fctx, ft_label_set *out,
                              ft_err *err) FT_WARN_UNUSED;

/* Parses a GraphSense TagPack (YAML, libyaml). Tags of chains fn reports FT_ERR_NOTFOUND
 * for are counted in out->skipped. */
ft_status ft_labels_parse_tagpack(const char *text, size_t len, const char *fname,
                                  ft_label_addr_fn fn, void *fctx, ft_label_set *out,
                                  ft_err *err) FT_WARN_UNUSED;

/* Store key of a label; returns its length (at most FT_LABEL_KEY_MAX). */
#define FT_LABEL_KEY_MAX (3 + FT_ADDR_KEY_MAX + 8)
size_t ft_labels_key(uint8_t *k, const ft_label *l);

/* Writes every label of set in one atomic batch. *n_new counts labels not stored before. */
ft_status ft_labels_store(ft_store *st, const ft_label_set *set, size_t *n_new,
                          ft_err *err) FT_WARN_UNUSED;

/* Appends the stored labels of one address (key order) to out. */
ft_status ft_labels_get(ft_store *st, uint8_t chain, const ft_addr_key *key, ft_label_set *out,
                        ft_err *err) FT_WARN_UNUSED;

/* Appends every stored label of chain to out. */
ft_status ft_labels_scan(ft_store *st, uint8_t chain, ft_label_set *out,
                         ft_err *err) FT_WARN_UNUSED;

/* Decodes one stored label record (key and value). */
ft_status ft_labels_decode(ft_label *l, const uint8_t *key, size_t klen, const uint8_t *val,
                           size_t vlen, ft_err *err) FT_WARN_UNUSED;

/* Conflicts: for every label of set whose address already has (in the store, or earlier in
 * set) a label of another entity, calls cb(ctx, label, other_entity). Returns the number of
 * conflicting labels in *n. */
typedef void (*ft_label_conflict_fn)(void *ctx, const ft_label *l, const ft_label *other);
ft_status ft_labels_conflicts(ft_store *st, const ft_label_set *set, ft_label_conflict_fn cb,
                              void *ctx, size_t *n, ft_err *err) FT_WARN_UNUSED;

#endif
