/*
 * banned.h — functions that must not be used (git's banned.h): unbounded copies and
 * formatting, and the non-reentrant time functions (use gmtime_r). Included last by every
 * .c file of ours through engine/common.h; a use is a compile error.
 */
#ifndef FT_BANNED_H
#define FT_BANNED_H

#define FT_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) FT_BANNED(strcpy)
#undef strcat
#define strcat(x, y) FT_BANNED(strcat)
#undef sprintf
#define sprintf(...) FT_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) FT_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) FT_BANNED(strtok)
#undef gmtime
#define gmtime(x) FT_BANNED(gmtime)
#undef localtime
#define localtime(x) FT_BANNED(localtime)

#endif
