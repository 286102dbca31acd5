/*
 * timefmt.h — UTC times as ISO 8601 text ("2009-01-09T02:54:25Z"), the one format the CLI,
 * CSV and JSON outputs use (ARCHITECTURE.md section 6).
 */
#ifndef FT_TIMEFMT_H
#define FT_TIMEFMT_H

#include <stdint.h>

/* Length of "YYYY-MM-DDTHH:MM:SSZ" plus the NUL. */
#define FT_TIME_ISO8601_MAX 21

/* Writes t (seconds since 1970-01-01 UTC) as "YYYY-MM-DDTHH:MM:SSZ" into out and returns out.
 * A year outside 0..9999 has no such form: out then holds "" (the caller prints nothing
 * rather than a wrong date). */
char *ft_time_iso8601(char out[FT_TIME_ISO8601_MAX], int64_t t);

#endif
