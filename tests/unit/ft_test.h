/*
 * ft_test.h — the unit test harness: a table of cases per file, CHECK macros that count and
 * report failures without stopping the case, and a closing line "N passed, N failed" that
 * CI reads. Each tests/unit/test_<name>.c is one executable and one ctest.
 *
 *     static void test_something(void) { CHECK(1 + 1 == 2); CHECK_EQ_U64(x, 5); }
 *     FT_TEST_MAIN({"something", test_something}, ...)
 *
 * ft_test_path("shared", "data/btc_blocks/x") resolves files under $FT_SHARED_DIR (or
 * $FT_SOURCE_DIR for "source"), so tests run from any directory.
 */
#ifndef FT_TEST_H
#define FT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ft_test_case {
    const char *name;
    void (*fn)(void);
} ft_test_case;

static int ft_test_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);              \
            ft_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                                         \
    do {                                                                                           \
        uint64_t ft_a_ = (uint64_t)(a), ft_b_ = (uint64_t)(b);                                     \
        if (ft_a_ != ft_b_) {                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%" PRIu64 " != %" PRIu64 ")\n",       \
                    __FILE__, __LINE__, #a, #b, ft_a_, ft_b_);                                     \
            ft_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *ft_a_ = (a), *ft_b_ = (b);                                                     \
        if (!ft_a_ || !ft_b_ || strcmp(ft_a_, ft_b_) != 0) {                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__,       \
                    __LINE__, #a, #b, ft_a_ ? ft_a_ : "(null)", ft_b_ ? ft_b_ : "(null)");         \
            ft_test_failures++;                                                                    \
        }                                                                                          \
    } while (0)

/* Returns a static path "<root>/<rel>" where root is $FT_SHARED_DIR or $FT_SOURCE_DIR. */
static inline const char *ft_test_path(const char *which, const char *rel)
{
    static char buf[4][4096];
    static int slot;
    const char *root = getenv(strcmp(which, "shared") == 0 ? "FT_SHARED_DIR" : "FT_SOURCE_DIR");
    if (!root)
        root = strcmp(which, "shared") == 0 ? "../shared" : ".";
    char *out = buf[slot++ & 3];
    snprintf(out, sizeof buf[0], "%s/%s", root, rel);
    return out;
}

/* Reads a whole file into a malloc()ed buffer; aborts the test binary if it cannot. */
/* A mkdtemp template for a scratch directory: "$TMPDIR/NAME.XXXXXX" (TMPDIR unset or empty:
 * /tmp), so tests honour the machine's temporary directory. Returns buf. */
static inline char *ft_test_tmpl(char *buf, size_t n, const char *name)
{
    const char *t = getenv("TMPDIR");
    snprintf(buf, n, "%s/%s.XXXXXX", t && *t ? t : "/tmp", name);
    return buf;
}

static inline unsigned char *ft_test_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open test file '%s'\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read test file '%s'\n", path);
        exit(1);
    }
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static inline int ft_test_run(const ft_test_case *cases, size_t n, int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        int before = ft_test_failures;
        cases[i].fn();
        if (ft_test_failures == before) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "FAIL %s\n", cases[i].name);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#define FT_TEST_MAIN(...)                                                                          \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const ft_test_case cases[] = {__VA_ARGS__};                                         \
        return ft_test_run(cases, sizeof cases / sizeof cases[0], argc, argv);                     \
    }

#endif
