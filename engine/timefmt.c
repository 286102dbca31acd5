/*
 * timefmt.c — ISO 8601 UTC formatting with gmtime_r (thread-safe; gmtime is banned).
 *
 * time_t is 64-bit on every platform we build for; a value that does not fit, or a year
 * outside 0..9999 (not representable in the fixed 4-digit form), gives an empty string.
 */
#include "engine/timefmt.h"

#include <time.h>

#include "engine/banned.h"

char *ft_time_iso8601(char out[FT_TIME_ISO8601_MAX], int64_t t)
{
    out[0] = '\0';
    time_t tt = (time_t)t;
    if ((int64_t)tt != t)
        return out;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return out;
    long year = (long)tm.tm_year + 1900;
    if (year < 0 || year > 9999)
        return out;
    /* fixed-width fields written digit by digit: no format truncation to reason about */
    const int fields[6] = {(int)year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
    static const char seps[6] = {'-', '-', 'T', ':', ':', 'Z'};
    size_t o = 0;
    for (int f = 0; f < 6; f++) {
        int width = f == 0 ? 4 : 2, v = fields[f];
        for (int d = width - 1; d >= 0; d--) {
            out[o + (size_t)d] = (char)('0' + v % 10);
            v /= 10;
        }
        o += (size_t)width;
        out[o++] = seps[f];
    }
    out[o] = '\0';
    return out;
}
