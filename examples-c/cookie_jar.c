/* A cookie jar kept between runs: restored from a cookies.txt file at start, saved at exit
 * (atomically, session cookies included). Each run counts one more visit in a cookie.
 * Usage: cookie_jar [BASE_URL [JAR_FILE]]
 *   BASE_URL default $HTTPBIN_URL, else http://127.0.0.1:8080; JAR_FILE default cookies.txt.
 * The file is in curl's format: `curl -b cookies.txt BASE_URL/cookies` sends the same cookies. */
#include <stdio.h>
#include <stdlib.h>

#include "session.h"

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : getenv("HTTPBIN_URL");
    const char *jar = argc > 2 ? argv[2] : "cookies.txt";
    char url[1024];
    session_t *s;
    session_response_t *r;
    session_cookie_list_t *list;
    session_code rc;
    char *visits;
    long n = 0;
    size_t i;

    if (base == NULL || *base == '\0')
        base = "http://127.0.0.1:8080";
    s = session_new();
    if (s == NULL)
        return 1;

    rc = session_cookies_load(s, jar, SESSION_COOKIES_NETSCAPE);
    if (rc == SESSION_OK)
        printf("restored the jar from %s\n", jar);
    else if (rc == SESSION_E_IO)
        printf("no jar to restore yet (%s)\n", session_last_error());
    else {
        fprintf(stderr, "cannot load %s: %s\n", jar, session_last_error());
        session_free(s);
        return 1;
    }

    /* the value the session would send back to the server */
    snprintf(url, sizeof url, "%s/cookies", base);
    visits = session_cookie_get(s, url, "visits");
    if (visits != NULL)
        n = strtol(visits, NULL, 10);
    session_string_free(visits);

    /* httpbin sets the cookie, then redirects to /cookies, which echoes what it received */
    snprintf(url, sizeof url, "%s/cookies/set?visits=%ld", base, n + 1);
    r = session_get(s, url);
    if (r == NULL || r->error != SESSION_OK) {
        fprintf(stderr, "GET %s failed: %s\n", url, r ? r->error_message : "out of memory");
        session_response_free(r);
        session_free(s);
        return 1;
    }
    printf("visit %ld; the server received:\n%.*s\n", n + 1, (int)r->body_len, r->body);
    session_response_free(r);

    list = session_cookies_list(s);
    for (i = 0; i < session_cookie_list_len(list); i++) {
        const session_cookie_t *c = session_cookie_list_at(list, i);
        printf("  %s=%s  domain=%s%s path=%s expires=%lld%s%s\n", c->name, c->value,
               c->host_only ? "" : ".", c->domain, c->path, (long long)c->expires,
               c->secure ? " secure" : "", c->http_only ? " httponly" : "");
    }
    session_cookie_list_free(list);

    /* at exit: keep session cookies too, or httpbin's cookie (no expiry) would be lost */
    rc = session_cookies_save_ex(s, jar, SESSION_COOKIES_NETSCAPE, true);
    if (rc != SESSION_OK)
        fprintf(stderr, "cannot save %s: %s\n", jar, session_last_error());
    else
        printf("saved the jar to %s\n", jar);
    session_free(s);
    return rc == SESSION_OK ? 0 : 1;
}
