/*
 * fuzz_sections.h — the "sections mode" input of the snapshot fuzz targets (fuzz_snapshot.c,
 * fuzz_snapshot_account.c), header-only so that each target stays one .c file.
 *
 * in[0..n) holds the names and element sizes of a real section layout (from
 * ft_snapshot_graph_sections or ft_snapshot_account_sections). The bytes give the contents:
 * 8 elements for the first section (the meta words), then for each further section a u32le
 * element count and that many elements, cut to the bytes left; sections not reached are
 * absent. ft_fuzz_fill_sections compacts in[] to the sections present (data pointing into the
 * input) and returns their number, ready for ft_snapshot_write: every checksum is then right,
 * so the fuzzer reaches the loaders' invariant checks with arbitrary arrays.
 */
#ifndef FT_FUZZ_SECTIONS_H
#define FT_FUZZ_SECTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/reader.h"
#include "engine/snapshot.h"

static inline size_t ft_fuzz_fill_sections(ft_snapshot_input *in, size_t n, const uint8_t *data,
                                           size_t size)
{
    ft_reader r;
    ft_reader_init(&r, data, size);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t count = 8;
        if (i > 0 && !ft_reader_u32le(&r, &count))
            break;
        uint64_t can = r.left / in[i].elem_size;
        if (count > can)
            count = (uint32_t)can;
        const uint8_t *p = ft_reader_ptr(&r, (size_t)count * in[i].elem_size);
        if (i == 0 && count < 8)
            break;
        in[m] = in[i];
        in[m].count = count;
        in[m].data = count ? p : NULL;
        m++;
    }
    return m;
}

#endif
