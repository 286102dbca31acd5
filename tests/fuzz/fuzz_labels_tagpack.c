/*
 * fuzz_labels_tagpack.c — libFuzzer target for the GraphSense TagPack reader (engine/labels.c,
 * ft_labels_parse_tagpack, on libyaml's document loader).
 *
 * Properties (abort on violation): no read outside the input and no leak of libyaml's
 * document on any path (ASan); a failure names the file and a line and leaves the set and its
 * skipped count as they were; a success yields fewer labels than half the input's bytes (flow style
 * and aliases put several tags on one line), each passing the checks of fuzz_labels.h, and the same
 * labels and skipped count when parsed again.
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
    ft_label *first = calloc(1, sizeof *first);
    if (!first)
        abort();
    set.v = first;
    set.n = set.cap = 1;
    set.skipped = 7;
    ft_err err;
    ft_err_clear(&err);
    ft_status st = ft_labels_parse_tagpack((const char *)data, size, "t.yaml", fuzz_label_resolve,
                                           NULL, &set, &err);
    if (st != FT_OK) {
        if (set.n != 1 || set.skipped != 7 || err.msg[0] == '\0' ||
            strncmp(err.msg, "'t.yaml' line ", 14) != 0 || err.code != st)
            abort();
    } else {
        if (set.n - 1 + (set.skipped - 7) > size / 2 + 1)
            abort(); /* flow style and aliases put many tags on a line, never one per byte */
        for (size_t i = 1; i < set.n; i++)
            fuzz_check_label(&set.v[i]);
        if (ft_labels_parse_tagpack((const char *)data, size, "t.yaml", fuzz_label_resolve, NULL,
                                    &again, &err) != FT_OK ||
            again.n != set.n - 1 || again.skipped != set.skipped - 7)
            abort();
        for (size_t i = 0; i < again.n; i++)
            if (memcmp(&again.v[i], &set.v[i + 1], sizeof again.v[i]) != 0)
                abort();
    }
    ft_label_set_release(&set);
    ft_label_set_release(&again);
    return 0;
}
