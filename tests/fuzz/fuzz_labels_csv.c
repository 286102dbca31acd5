/*
 * fuzz_labels_csv.c — libFuzzer target for the labels CSV reader (engine/labels.c,
 * ft_labels_parse_csv) and the label store-record decoder (ft_labels_decode: values read back
 * from LevelDB are untrusted too).
 *
 * Properties (abort on violation): no read outside the input (ASan); a failure names the
 * file and a line and leaves the set exactly as it was (the parse is all or nothing: a set
 * that already holds a label keeps only it); a success yields at most one label per line,
 * each with a category among the nine, confidence 0..100 or none, a non-empty entity and
 * address of bounded length and a resolvable address key; parsing the same text twice gives
 * the same labels. The input is also cut in two (at a point its first byte picks) and given to
 * ft_labels_decode as key and value: a success there must hold bounded, NUL-free strings, a
 * category among the nine and a confidence the parsers could have produced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_labels.h"

#include "engine/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_label_set set, again;
    memset(&set, 0, sizeof set);
    memset(&again, 0, sizeof again);
    /* one label already in the set: a failed parse must leave exactly it */
    ft_label *first = calloc(1, sizeof *first);
    if (!first)
        abort();
    set.v = first;
    set.n = set.cap = 1;
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_labels_parse_csv((const char *)data, size, "f.csv", fuzz_label_resolve, NULL,
                                       &set, &err);
    if (st != FT_OK) {
        if (set.n != 1 || err.msg[0] == '\0' || strncmp(err.msg, "'f.csv' line ", 13) != 0 ||
            err.code != st)
            abort();
    } else {
        if (set.n - 1 > fuzz_count_lines(data, size))
            abort();
        for (size_t i = 1; i < set.n; i++)
            fuzz_check_label(&set.v[i]);
        if (ft_labels_parse_csv((const char *)data, size, "f.csv", fuzz_label_resolve, NULL, &again,
                                &err) != FT_OK ||
            again.n != set.n - 1)
            abort();
        for (size_t i = 0; i < again.n; i++)
            if (memcmp(&again.v[i], &set.v[i + 1], sizeof again.v[i]) != 0)
                abort();
    }
    ft_label_set_release(&set);
    ft_label_set_release(&again);

    if (size > 0) {
        size_t cut = data[0] % size;
        ft_label l;
        if (ft_labels_decode(&l, data, cut, data + cut, size - cut, &err) == FT_OK) {
            if (strnlen(l.entity, FT_LABEL_TEXT_MAX) >= FT_LABEL_TEXT_MAX ||
                strnlen(l.source, FT_LABEL_TEXT_MAX) >= FT_LABEL_TEXT_MAX ||
                strnlen(l.addr_text, FT_LABEL_ADDR_TEXT_MAX) >= FT_LABEL_ADDR_TEXT_MAX ||
                l.addr.len > FT_ADDR_KEY_MAX || l.category >= FT_CAT_COUNT ||
                (l.confidence > 100 && l.confidence != FT_LABEL_NO_CONFIDENCE))
                abort();
        }
    }
    return 0;
}
