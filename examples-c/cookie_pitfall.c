/* The classic pitfall: separate one-shot sessions lose cookies; one session keeps them.
 * Usage: cookie_pitfall [BASE_URL]   (default $HTTPBIN_URL, else http://127.0.0.1:8080) */
#include <stdio.h>
#include <stdlib.h>

#include "session.h"

static const char *base;

static const char *url(const char *path)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s%s", base, path);
    return buf;
}

/* One GET with session s; prints the body; returns 0 on success. Frees the response. */
static int get(session_t *s, const char *path, int show)
{
    session_response_t *r = session_get(s, url(path));
    int rc = 0;
    if (r == NULL || r->error != SESSION_OK) {
        fprintf(stderr, "GET %s failed: %s\n", path,
                r ? r->error_message : "out of memory");
        rc = 1;
    } else if (show) {
        printf("GET %s -> %ld\n%.*s\n", path, r->status_code, (int)r->body_len, r->body);
    }
    session_response_free(r);
    return rc;
}

/* Like calling requests.get() twice: a new session per request. */
static int one_shot(const char *path, int show)
{
    session_t *s = session_new();
    int rc = s ? get(s, path, show) : 1;
    session_free(s);
    return rc;
}

int main(int argc, char **argv)
{
    session_t *s;
    int rc = 0;

    base = argc > 1 ? argv[1] : getenv("HTTPBIN_URL");
    if (base == NULL || *base == '\0')
        base = "http://127.0.0.1:8080";

    printf("== without a shared session (the cookie is lost) ==\n");
    rc |= one_shot("/cookies/set?token=abc", 0);
    rc |= one_shot("/cookies", 1);

    printf("== with one session (the cookie is kept) ==\n");
    s = session_new();
    if (s == NULL)
        return 1;
    rc |= get(s, "/cookies/set?token=abc", 0);
    rc |= get(s, "/cookies", 1);
    session_free(s);
    return rc;
}
