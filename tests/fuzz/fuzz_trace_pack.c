/*
 * fuzz_trace_pack.c — libFuzzer target for the packed trace result that MPI ranks send to rank
 * 0 (engine/trace_pack.c, ft_trace_unpack): counts, summaries, flows, exposure rows and
 * evidence paths, each bounded by the bytes left.
 *
 * Properties (abort on violation): no read outside the buffer and no leak on any path (ASan;
 * the result is released in every case, as the header asks); a failure has a message; a
 * buffer that unpacks packs back to exactly the same bytes (the layout is fixed: one encoding
 * per result), and the unpacked flows and exposure rows name incidents below the count.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/trace_pack.h"

#include "engine/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ft_trace_result res;
    ft_err err;
    ft_err_clear(&err);
    if (ft_trace_unpack(&res, data, size, &err) != FT_OK) {
        if (err.msg[0] == '\0')
            abort();
        ft_trace_result_release(&res);
        return 0;
    }
    for (size_t i = 0; i < res.n_flows; i++)
        if (res.flows[i].incident >= res.n_incidents)
            abort();
    for (size_t i = 0; i < res.n_exposure; i++)
        if (res.exposure[i].incident >= res.n_incidents)
            abort();
    uint8_t *buf = NULL;
    size_t len = 0;
    if (ft_trace_pack(&res, &buf, &len, &err) != FT_OK || len != size ||
        memcmp(buf, data, size) != 0)
        abort();
    free(buf);
    ft_trace_result_release(&res);
    return 0;
}
