/* docs/openapi.yaml describes every route of the table, and nothing else. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "testutil.h"

enum { DOC_OPS_MAX = 256 };
typedef struct doc_op { char method[8]; char path[128]; } doc_op;

/* Reads "  /path:" lines under "paths:" and the "    get:" lines below each. */
static int doc_ops(const char *yaml, doc_op *ops) {
    int n = 0;
    bool in_paths = false;
    char path[128] = "";
    const char *line = yaml;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[256];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < 255 ? len : 255), line);
        if (strcmp(buf, "paths:") == 0) in_paths = true;
        else if (in_paths && strncmp(buf, "  /", 3) == 0 && buf[strlen(buf) - 1] == ':')
            snprintf(path, sizeof path, "%.*s", (int)strlen(buf) - 3, buf + 2);
        else if (in_paths && path[0] && strncmp(buf, "    ", 4) == 0 && buf[4] != ' ') {
            static const char *const methods[] = {"get:", "post:", "put:", "delete:", "patch:", NULL};
            for (int i = 0; methods[i]; i++)
                if (strcmp(buf + 4, methods[i]) == 0 && n < DOC_OPS_MAX) {
                    snprintf(ops[n].method, sizeof ops[n].method, "%.*s",
                             (int)strlen(methods[i]) - 1, methods[i]);
                    for (char *p = ops[n].method; *p; p++) *p = (char)toupper((unsigned char)*p);
                    snprintf(ops[n].path, sizeof ops[n].path, "%s", path);
                    n++;
                }
        }
        line = end ? end + 1 : NULL;
    }
    return n;
}

static void every_route_is_documented(void **state) {
    char *yaml = tu_read_file(tu_source_path("docs/openapi.yaml"), NULL);
    assert_non_null(yaml);
    static doc_op ops[DOC_OPS_MAX];
    int n = doc_ops(yaml, ops);
    assert_true(n >= api_route_count);
    int missing = 0;
    for (int r = 0; r < api_route_count; r++) {
        bool found = false;
        for (int i = 0; i < n; i++)
            if (strcmp(ops[i].method, api_routes[r].method) == 0 &&
                strcmp(ops[i].path, api_routes[r].pattern) == 0)
                found = true;
        if (!found) {
            print_error("not in docs/openapi.yaml: %s %s\n", api_routes[r].method, api_routes[r].pattern);
            missing++;
        }
    }
    assert_int_equal(missing, 0);
    free(yaml);
}

static void nothing_documented_is_missing_from_the_table(void **state) {
    char *yaml = tu_read_file(tu_source_path("docs/openapi.yaml"), NULL);
    assert_non_null(yaml);
    static doc_op ops[DOC_OPS_MAX];
    int n = doc_ops(yaml, ops);
    int stale = 0;
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (int r = 0; r < api_route_count; r++)
            if (strcmp(ops[i].method, api_routes[r].method) == 0 &&
                strcmp(ops[i].path, api_routes[r].pattern) == 0)
                found = true;
        if (!found) {
            print_error("documented but not routed: %s %s\n", ops[i].method, ops[i].path);
            stale++;
        }
    }
    assert_int_equal(stale, 0);
    free(yaml);
}

static void assembled_from_its_fragments(void **state) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 %s --check", tu_source_path("tools/openapi.py"));
    if (system(cmd) != 0) fail_msg("docs/openapi.yaml is out of date: run python3 tools/openapi.py");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_route_is_documented),
        cmocka_unit_test(nothing_documented_is_missing_from_the_table),
        cmocka_unit_test(assembled_from_its_fragments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
