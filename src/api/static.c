/* Static files of web/. A path with a "..", "." or empty segment, a NUL or a
 * backslash is refused before the file system is asked, and the resolved path
 * must still lie inside web_dir (itself resolved by the server at start:
 * absolute, without symbolic links): nothing outside it can be read. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"

enum { STATIC_FILE_BYTES_MAX = 8 << 20 };

static const struct { const char *ext; const char *type; } mime_types[] = {
    {".html", "text/html; charset=utf-8"},  {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},          {".svg", "image/svg+xml"},
    {".png", "image/png"},                  {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},  {".woff2", "font/woff2"},
};

static const char *mime_of(const char *path) {
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
            if (strcmp(dot, mime_types[i].ext) == 0) return mime_types[i].type;
    return "application/octet-stream";
}

static bool path_safe(const char *p) {
    if (p[0] != '/' || strlen(p) > LIMIT_URL_BYTES_MAX) return false;
    if (strchr(p, '\\')) return false;
    const char *seg = p + 1;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.')) return false;
        if (n == 0 && end) return false;   /* "//" */
        if (!end) return true;
        seg = end + 1;
    }
}

static err_kind not_found(err_detail *err) {
    return err_set(err, ERR_NOT_FOUND, "not_found", NULL, "找不到该页面或资源");
}

err_kind api_static_serve(const char *web_dir, const char *path, arena *ar, api_resp *resp,
                          err_detail *err) {
    if (!web_dir || !path_safe(path)) return not_found(err);
    const char *rel = path + 1;
    size_t rl = strlen(rel);
    const char *full = (rl == 0 || rel[rl - 1] == '/')
                           ? arena_printf(ar, "%s/%sindex.html", web_dir, rel)
                           : arena_printf(ar, "%s/%s", web_dir, rel);
    char file_real[PATH_MAX];
    if (!realpath(full, file_real)) return not_found(err);
    size_t root_len = strlen(web_dir);
    if (strncmp(file_real, web_dir, root_len) != 0 || file_real[root_len] != '/')
        return not_found(err);
    struct stat sb;
    if (stat(file_real, &sb) != 0) return not_found(err);
    if (S_ISDIR(sb.st_mode)) {
        full = arena_printf(ar, "%s/index.html", file_real);
        if (!realpath(full, file_real) || stat(file_real, &sb) != 0) return not_found(err);
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size > STATIC_FILE_BYTES_MAX) return not_found(err);
    FILE *f = fopen(file_real, "rb");
    if (!f) return not_found(err);
    char *data = arena_alloc(ar, (size_t)sb.st_size + 1);
    size_t got = fread(data, 1, (size_t)sb.st_size, f);
    fclose(f);
    resp->status = 200;
    resp->text = data;
    resp->text_len = got;
    resp->content_type = mime_of(file_real);
    return ERR_OK;
}
