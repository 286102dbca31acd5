/*
 * replay_main.c — runs a libFuzzer target over every file of a corpus directory, so that the
 * corpus is a regression test under ctest with any compiler (and, in the ASan build, under
 * the sanitizers). The real fuzzing build links the same target with -fsanitize=fuzzer
 * instead (make fuzz).
 *
 * Files named "pending-*" are inputs that still break code someone else is changing: they are
 * kept in the corpus (the fuzzer starts from them, and whoever fixes the bug replays them by
 * hand: `fuzz_<name> DIR/pending-x`), but skipped here so that ctest stays green meanwhile.
 * A path given instead of a directory is replayed as one input, pending or not.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 129;
    }
    DIR *d = opendir(argv[1]);
    if (!d) {
        FILE *one = fopen(argv[1], "rb");
        if (!one) {
            fprintf(stderr, "error: cannot open corpus '%s'\n", argv[1]);
            return 1;
        }
        fclose(one);
    }
    int n = 0, skipped = 0;
    struct dirent *e = NULL;
    for (int single = d == NULL; single || (d && (e = readdir(d)) != NULL); single = 0) {
        char path[4096];
        if (single) {
            snprintf(path, sizeof path, "%s", argv[1]);
        } else {
            if (e->d_name[0] == '.')
                continue;
            if (strncmp(e->d_name, "pending-", 8) == 0) {
                skipped++;
                continue;
            }
            snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        }
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
            if (len == cap) {
                cap = cap ? cap * 2 : 4096;
                uint8_t *nb = realloc(buf, cap);
                if (!nb) {
                    fprintf(stderr, "error: out of memory\n");
                    return 1;
                }
                buf = nb;
            }
            size_t got = fread(buf + len, 1, cap - len, f);
            if (!got)
                break;
            len += got;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        n++;
    }
    if (d)
        closedir(d);
    if (n == 0) {
        fprintf(stderr, "error: corpus '%s' is empty\n", argv[1]);
        return 1;
    }
    printf("%d inputs replayed", n);
    if (skipped)
        printf(", %d pending (skipped: see docs/testing.md)", skipped);
    printf("\n");
    return 0;
}
