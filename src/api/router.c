#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

const api_route api_routes[] = {
#define ROUTE(method, pattern, roles, tx, handler, body_max, summary) \
    {method, pattern, roles, tx, handler, body_max, summary},
#include "api/routes.def"
#undef ROUTE
};
const int api_route_count = (int)(sizeof api_routes / sizeof api_routes[0]);

/* Matches one pattern segment by segment; {name} takes one non-empty segment. */
static bool pattern_match(const char *pat, const char *path, arena *ar, const char **params,
                          int *count) {
    int n = 0;
    while (*pat && *path) {
        if (*pat != '/' || *path != '/') return false;
        pat++;
        path++;
        const char *pe = strchr(pat, '/');
        const char *se = strchr(path, '/');
        size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
        size_t sl = se ? (size_t)(se - path) : strlen(path);
        if (pl > 1 && pat[0] == '{' && pat[pl - 1] == '}') {
            if (sl == 0 || n >= LIMIT_PATH_PARAMS_MAX) return false;
            if (params) params[n] = arena_strndup(ar, path, sl);
            n++;
        } else if (pl != sl || memcmp(pat, path, pl) != 0) {
            return false;
        }
        pat += pl;
        path += sl;
    }
    if (*pat || *path) return false;
    *count = n;
    return true;
}

int api_route_match(const char *method, const char *path, arena *ar, int *route_out,
                    const char **params, int *param_count) {
    bool path_seen = false;
    *route_out = -1;
    for (int i = 0; i < api_route_count; i++) {
        int n = 0;
        if (!pattern_match(api_routes[i].pattern, path, NULL, NULL, &n)) continue;
        path_seen = true;
        if (strcmp(api_routes[i].method, method) != 0) continue;
        pattern_match(api_routes[i].pattern, path, ar, params, param_count);
        *route_out = i;
        return 0;
    }
    return path_seen ? 405 : 404;
}

err_kind api_parse_id(const char *s, const char *field, int64_t *out, err_detail *err) {
    if (!s || !*s) return err_set(err, ERR_INVALID, "missing_field", field, "缺少参数 %s", field);
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v <= 0 || s[0] == '+' || s[0] == ' ')
        return err_set(err, ERR_INVALID, "invalid_field", field, "参数 %s 应为正整数：%s", field, s);
    *out = v;
    return ERR_OK;
}
