/* Replays inputs through a fuzz target without libFuzzer (the gcc build's
 * 'fuzz' tests): every regular file of every directory named, in name order,
 * then says how many. A directory that does not exist is skipped (a target
 * with no past crashes has no crash directory). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_env.h"

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!buf) abort();
    size_t got = fread(buf, 1, n > 0 ? (size_t)n : 0, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    return 1;
}

int main(int argc, char **argv) {
    LLVMFuzzerInitialize(&argc, &argv);
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct dirent **names;
        int n = scandir(argv[i], &names, NULL, by_name);
        if (n < 0) continue;
        int here = 0;
        for (int j = 0; j < n; j++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[j]->d_name);
            struct stat sb;
            if (names[j]->d_name[0] != '.' && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
                here += replay_file(path);
            free(names[j]);
        }
        free(names);
        printf("%s: %d inputs\n", argv[i], here);
        total += here;
    }
    printf("replayed %d inputs\n", total);
    return 0;
}
