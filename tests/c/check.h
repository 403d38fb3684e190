/* Minimal test helpers for the libsession C tests (C99, header-only).
 *
 * CHECK(cond) records a failure (file:line and the expression) and goes on;
 * return check_done() from main: it prints a summary line and yields the
 * exit status (non-zero when any check failed).
 *
 * Server base URLs come from the environment (no trailing slash):
 *   HTTPBIN_URL, RIG_URL, RIG_TLS_URL, RIG_CA_PEM (a file path), and STREAM_URL
 *   (tests/servers/stream_server.py: WebSocket and Server-Sent Events).
 */
#ifndef LIBSESSION_TEST_CHECK_H
#define LIBSESSION_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

static int check_total;
static int check_failed;

#define CHECK(cond) check_record((cond) ? 1 : 0, __FILE__, __LINE__, #cond)

/* CHECK that a transfer produced a response (error == SESSION_OK), showing the error if not. */
#define CHECK_RESP(r) check_resp((r), __FILE__, __LINE__, #r)

/* CHECK two C strings for equality (NULL-safe), showing both on failure. */
#define CHECK_STR(a, b) check_str((a), (b), __FILE__, __LINE__, #a " == " #b)

static inline int check_record(int ok, const char *file, int line, const char *expr)
{
    check_total++;
    if (!ok) {
        check_failed++;
        fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
    }
    return ok;
}

static inline int check_resp(const session_response_t *r, const char *file, int line,
                             const char *expr)
{
    int ok = r != NULL && r->error == SESSION_OK;
    if (!check_record(ok, file, line, expr) && r != NULL)
        fprintf(stderr, "    error %d (%s): %s\n", (int)r->error,
                session_strerror(r->error), r->error_message ? r->error_message : "(null)");
    return ok;
}

static inline int check_str(const char *a, const char *b, const char *file, int line,
                            const char *expr)
{
    int ok = a != NULL && b != NULL && strcmp(a, b) == 0;
    if (!check_record(ok, file, line, expr))
        fprintf(stderr, "    got \"%s\", want \"%s\"\n", a ? a : "(null)", b ? b : "(null)");
    return ok;
}

static inline int check_done(const char *name)
{
    printf("%s: %d checks, %d passed, %d failed\n", name, check_total,
           check_total - check_failed, check_failed);
    return check_failed ? 1 : 0;
}

/* ---- environment and URLs ---------------------------------------------- */

static inline const char *env_or_die(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') {
        fprintf(stderr, "environment variable %s is not set\n", name);
        exit(2);
    }
    return v;
}

/* base + path in one of a few rotating static buffers (enough for one call's arguments). */
static inline const char *mkurl(const char *env, const char *path)
{
    static char bufs[8][2048];
    static unsigned next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s%s", env_or_die(env), path);
    return b;
}

#define HB(path) mkurl("HTTPBIN_URL", (path))
#define RIG(path) mkurl("RIG_URL", (path))
#define RIG_TLS(path) mkurl("RIG_TLS_URL", (path))

/* Percent-encode s into out (for building query values such as ?to=...). */
static inline const char *url_encode(const char *s, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s && n + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
    return out;
}

/* ---- string helpers ------------------------------------------------------ */

static inline int starts_with(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline int ends_with(const char *s, const char *suffix)
{
    size_t n, m;
    if (s == NULL)
        return 0;
    n = strlen(s);
    m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static inline int contains(const char *s, const char *needle)
{
    return s != NULL && strstr(s, needle) != NULL;
}

static inline int ci_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static inline char *dup_str(const char *s)
{
    char *d;
    if (s == NULL)
        return NULL;
    d = malloc(strlen(s) + 1);
    if (d != NULL)
        strcpy(d, s);
    return d;
}

/* Does JSON text contain `"key": "value"` (any whitespace around the colon)?
 * value NULL: does the key appear with any value? */
static inline int json_has(const char *json, const char *key, const char *value)
{
    char quoted[256];
    const char *p = json;
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    while (p != NULL && (p = strstr(p, quoted)) != NULL) {
        const char *q = p + strlen(quoted);
        while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r')
            q++;
        if (*q == ':') {
            size_t n = value ? strlen(value) : 0;
            q++;
            while (*q == ' ' || *q == '\n' || *q == '\t' || *q == '\r')
                q++;
            if (value == NULL || (*q == '"' && strncmp(q + 1, value, n) == 0 && q[n + 1] == '"'))
                return 1;
        }
        p++;
    }
    return 0;
}

/* The integer after `"key":` in JSON text, or -1. */
static inline long json_int(const char *json, const char *key)
{
    char quoted[256];
    const char *p;
    snprintf(quoted, sizeof quoted, "\"%s\"", key);
    p = json ? strstr(json, quoted) : NULL;
    if (p == NULL)
        return -1;
    p += strlen(quoted);
    while (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t')
        p++;
    return (*p >= '0' && *p <= '9') ? strtol(p, NULL, 10) : -1;
}

#endif
