/* A session keeps cookies between requests, like requests.Session:
 * get a session cookie, "log in" with a form POST, then see which cookies the server receives.
 * Usage: login_session [BASE_URL]   (default $HTTPBIN_URL, else http://127.0.0.1:8080) */
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

/* Prints the response; returns 0 on a 2xx, 1 otherwise. Frees it. */
static int report(const char *what, session_response_t *r)
{
    int rc = 1;
    if (r == NULL)
        fprintf(stderr, "%s: out of memory\n", what);
    else if (r->error != SESSION_OK)
        fprintf(stderr, "%s failed: %s (%s)\n", what, session_strerror(r->error), r->error_message);
    else {
        printf("%s -> %ld\n%.*s\n", what, r->status_code, (int)r->body_len, r->body);
        rc = session_response_ok(r) ? 0 : 1;
    }
    session_response_free(r);
    return rc;
}

int main(int argc, char **argv)
{
    session_t *s;
    session_request_t *login;
    char *jar;
    int rc = 0;

    base = argc > 1 ? argv[1] : getenv("HTTPBIN_URL");
    if (base == NULL || *base == '\0')
        base = "http://127.0.0.1:8080";

    s = session_new();
    if (s == NULL)
        return 1;
    if (session_set_header(s, "Accept", "application/json") != SESSION_OK) {
        fprintf(stderr, "session_set_header: %s\n", session_last_error());
        session_free(s);
        return 1;
    }

    /* 1. the server hands out a session cookie (httpbin redirects to /cookies) */
    rc |= report("GET /cookies/set?session_id=abc123",
                 session_get(s, url("/cookies/set?session_id=abc123")));

    /* 2. log in: a form POST on the same session (the cookie goes along) */
    login = session_request_new("POST", url("/post"));
    if (login == NULL) {
        session_free(s);
        return 1;
    }
    if (session_request_add_form(login, "username", "alice") != SESSION_OK ||
        session_request_add_form(login, "password", "s3cret") != SESSION_OK) {
        fprintf(stderr, "session_request_add_form: %s\n", session_last_error());
        rc = 1;
    }
    rc |= report("POST /post (login form)", session_send(s, login));
    session_request_free(login);

    /* 3. the same session still sends the cookie */
    rc |= report("GET /cookies", session_get(s, url("/cookies")));

    jar = session_cookie_header(s, url("/"));
    printf("cookies in the session's jar: %s\n", jar ? jar : "(none)");
    session_string_free(jar);

    session_free(s);
    return rc;
}
