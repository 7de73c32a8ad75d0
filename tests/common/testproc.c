#define _GNU_SOURCE
#include "testproc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { TP_ARGS_MAX = 32, TP_START_TIMEOUT_MS = 60000, TP_SERVERS_MAX = 16 };

/* Servers still running when the test program ends (a failed assertion
 * leaves its test half-way) are killed then, not left behind. */
static pid_t running[TP_SERVERS_MAX];

static void kill_leftovers(void) {
    for (int i = 0; i < TP_SERVERS_MAX; i++)
        if (running[i] > 0) {
            kill(running[i], SIGKILL);
            waitpid(running[i], NULL, 0);
            running[i] = 0;
        }
}

static void track(pid_t pid, pid_t replace) {
    static bool registered;
    if (!registered) {
        atexit(kill_leftovers);
        registered = true;
    }
    for (int i = 0; i < TP_SERVERS_MAX; i++)
        if (running[i] == replace) {
            running[i] = pid;
            return;
        }
}

const char *tp_binary(void) {
    const char *b = getenv("SIPF_BINARY");
    if (!b || !*b) fail_msg("SIPF_BINARY is not set (run through meson test)");
    return b;
}

static pid_t spawn(const char *log_path, const char *const *args, long fsize_limit_bytes) {
    const char *argv[TP_ARGS_MAX + 2];
    int n = 0;
    argv[n++] = tp_binary();
    for (int i = 0; args[i]; i++) {
        if (i == TP_ARGS_MAX) fail_msg("more than %d arguments", TP_ARGS_MAX);
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) fail_msg("fork failed");
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        signal(SIGXFSZ, SIG_IGN);   /* ignored signals stay ignored across exec */
        if (fsize_limit_bytes > 0) {
            struct rlimit rl = {(rlim_t)fsize_limit_bytes, (rlim_t)fsize_limit_bytes};
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(126);
        }
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int tp_sipf(const char *log_path, const char *const *args) {
    pid_t pid = spawn(log_path, args, 0);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) fail_msg("waitpid failed");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void tp_db_create(const char *db_path, const char *log_path, const char *role, const char *username,
                  const char *password) {
    const char *migrate[] = {"migrate", "--db", db_path, NULL};
    if (tp_sipf(log_path, migrate) != 0) fail_msg("sipf migrate failed (see %s)", log_path);
    const char *user[] = {"user", "create", "--db", db_path, "--role", role, "--username", username,
                          "--password", password, NULL};
    if (tp_sipf(log_path, user) != 0) fail_msg("sipf user create failed (see %s)", log_path);
}

static int free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) fail_msg("bind failed");
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    close(fd);
    return ntohs(sa.sin_port);
}

static size_t discard(char *p, size_t size, size_t n, void *arg) {
    (void)p;
    (void)arg;
    return size * n;
}

static bool healthy(const char *base) {
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "%s/healthz", base);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status == 200;
}

void tp_serve_start(tp_server *s, const char *db_path, const char *as_of, const char *log_path) {
    tp_serve_start_limited(s, db_path, as_of, log_path, 0);
}

void tp_serve_start_limited(tp_server *s, const char *db_path, const char *as_of, const char *log_path,
                            long fsize_limit_bytes) {
    memset(s, 0, sizeof *s);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(s->log_path, sizeof s->log_path, "%s", log_path);
    s->http.port = free_port();
    snprintf(s->http.base, sizeof s->http.base, "http://127.0.0.1:%d", s->http.port);
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", s->http.port);
    const char *args[] = {"serve", "--db", db_path, "--listen", listen, "--as-of", as_of, NULL};
    s->pid = spawn(log_path, args, fsize_limit_bytes);
    track(s->pid, 0);
    for (int waited_ms = 0; waited_ms < TP_START_TIMEOUT_MS; waited_ms += 50) {
        if (healthy(s->http.base)) return;
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            track(0, s->pid);
            fail_msg("sipf serve exited (see %s)", log_path);
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    track(0, s->pid);
    fail_msg("sipf serve did not answer /healthz (see %s)", log_path);
}

int tp_serve_stop(tp_server *s, int sig) {
    if (s->pid <= 0) return 0;
    kill(s->pid, sig);
    int status = 0;
    waitpid(s->pid, &status, 0);
    track(0, s->pid);
    s->pid = 0;
    return status;
}
