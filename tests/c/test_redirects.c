/* Redirect following: history, method rewriting, limits, Location resolution, auth stripping. */
#include "check.h"

/* RIG("/redirect?to=<encoded location>[&status=N]") */
static const char *rig_redirect(const char *location, int status)
{
    static char buf[2048];
    char enc[1024];
    char path[1200];
    url_encode(location, enc, sizeof enc);
    if (status > 0)
        snprintf(path, sizeof path, "/redirect?to=%s&status=%d", enc, status);
    else
        snprintf(path, sizeof path, "/redirect?to=%s", enc);
    snprintf(buf, sizeof buf, "%s", RIG(path));
    return buf;
}

/* "http://localhost:PORT" + path, PORT being the rig's */
static const char *rig_localhost(const char *path)
{
    static char buf[1024];
    const char *base = env_or_die("RIG_URL");
    const char *colon = strrchr(base, ':');
    snprintf(buf, sizeof buf, "http://localhost%s%s", colon ? colon : "", path);
    return buf;
}

static void test_history(void)
{
    session_t *s = session_new();
    session_response_t *r = session_get(s, HB("/redirect/3"));
    const char *want[3] = {"/redirect/3", "/relative-redirect/2", "/relative-redirect/1"};
    size_t i;
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 200);
        CHECK(r->redirect_count == 3);
        CHECK(ends_with(r->url, "/get"));
        for (i = 0; i < 3; i++) {
            const session_response_t *h = session_response_history_at(r, i);
            if (!CHECK(h != NULL))
                continue;
            CHECK(h->status_code == 302);
            CHECK(h->error == SESSION_OK);
            if (!CHECK(ends_with(h->url, want[i])))
                fprintf(stderr, "    history[%u] url %s\n", (unsigned)i, h->url);
            CHECK(session_response_header(h, "location") != NULL);
        }
        CHECK(session_response_history_at(r, 3) == NULL);
    }
    /* history outlives the session */
    session_free(s);
    if (r != NULL && r->redirect_count == 3) {
        const session_response_t *h = session_response_history_at(r, 0);
        CHECK(h != NULL && ends_with(h->url, "/redirect/3") && h->reason != NULL);
        CHECK(h != NULL && session_response_header(h, "Location") != NULL);
        CHECK(h != NULL && h->body != NULL && h->http_version != NULL);
    }
    session_response_free(r);
}

/* POST "payload" to httpbin /redirect-to -> url, with the given redirect status */
static session_response_t *post_redirect(session_t *s, const char *target, int status)
{
    char path[512];
    char enc[256];
    snprintf(path, sizeof path, "/redirect-to?url=%s&status_code=%d",
             url_encode(target, enc, sizeof enc), status);
    return session_post(s, HB(path), "payload", 7, "text/plain");
}

static void test_method_rewriting(session_t *s)
{
    int codes[3] = {301, 302, 303};
    int i;
    session_response_t *r;

    for (i = 0; i < 3; i++) {
        r = post_redirect(s, "/anything", codes[i]);
        if (CHECK_RESP(r)) {
            CHECK(r->status_code == 200 && r->redirect_count == 1);
            if (!CHECK(json_has(r->body, "method", "GET")))
                fprintf(stderr, "    after %d: %s\n", codes[i], r->body);
            CHECK(json_has(r->body, "data", ""));
            CHECK(!contains(r->body, "payload"));
            CHECK(!json_has(r->body, "Content-Type", "text/plain"));
        }
        session_response_free(r);
    }

    codes[0] = 307;
    codes[1] = 308;
    for (i = 0; i < 2; i++) {
        r = post_redirect(s, "/post", codes[i]);
        if (CHECK_RESP(r)) {
            CHECK(r->status_code == 200 && r->redirect_count == 1);
            CHECK(ends_with(r->url, "/post"));
            if (!CHECK(json_has(r->body, "data", "payload")))
                fprintf(stderr, "    after %d: %s\n", codes[i], r->body);
            CHECK(json_has(r->body, "Content-Type", "text/plain"));
        }
        session_response_free(r);
    }
}

static void test_limits(void)
{
    session_t *s = session_new();
    session_request_t *req;
    session_response_t *r;

    /* default limit (30) stops an endless loop */
    r = session_get(s, RIG("/loop"));
    CHECK(r != NULL && r->error == SESSION_E_TOO_MANY_REDIRECTS);
    CHECK(r != NULL && *r->error_message != '\0');
    session_response_free(r);

    CHECK(session_set_max_redirects(s, 2) == SESSION_OK);
    r = session_get(s, HB("/redirect/3"));
    CHECK(r != NULL && r->error == SESSION_E_TOO_MANY_REDIRECTS);
    session_response_free(r);
    r = session_get(s, HB("/redirect/2"));
    CHECK(CHECK_RESP(r) && r->status_code == 200 && r->redirect_count == 2);
    session_response_free(r);

    req = session_request_new("GET", HB("/redirect/1"));
    CHECK(session_request_set_allow_redirects(req, false) == SESSION_OK);
    r = session_send(s, req);
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 302);
        CHECK(r->redirect_count == 0);
        CHECK(session_response_history_at(r, 0) == NULL);
        CHECK(session_response_header(r, "Location") != NULL);
        CHECK(ends_with(r->url, "/redirect/1"));
        CHECK(session_response_ok(r));
    }
    session_response_free(r);
    session_request_free(req);

    CHECK(session_set_max_redirects(s, 0) == SESSION_OK);
    r = session_get(s, HB("/redirect/1"));
    CHECK(r != NULL && r->error == SESSION_E_TOO_MANY_REDIRECTS);
    session_response_free(r);
    session_free(s);
}

static void check_lands(session_t *s, const char *location, const char *want_url)
{
    session_response_t *r = session_get(s, rig_redirect(location, 0));
    if (CHECK_RESP(r)) {
        CHECK(r->redirect_count == 1);
        if (!CHECK_STR(r->url, want_url))
            fprintf(stderr, "    Location was \"%s\"\n", location);
    }
    session_response_free(r);
}

static void test_location_resolution(session_t *s)
{
    char netpath[256];
    const char *base = env_or_die("RIG_URL");
    session_response_t *r;

    check_lands(s, "/echo/abs", RIG("/echo/abs"));
    check_lands(s, "echo/rel", RIG("/echo/rel"));
    check_lands(s, "./echo/dot?x=1", RIG("/echo/dot?x=1"));
    /* query-only: lands on /redirect?status=200, which answers 200 */
    check_lands(s, "?status=200&x=1", RIG("/redirect?status=200&x=1"));
    snprintf(netpath, sizeof netpath, "%s/echo/netpath", base + strlen("http:"));
    check_lands(s, netpath, RIG("/echo/netpath"));
    check_lands(s, rig_localhost("/echo/other-host"), rig_localhost("/echo/other-host"));

    r = session_get(s, rig_redirect("/echo/seen", 0));
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 200);
        CHECK(json_has(r->body, "method", "GET"));
        CHECK(json_has(r->body, "path", "/echo/seen"));
    }
    session_response_free(r);

    /* every 3xx redirect code the rig can send is followed */
    r = session_get(s, rig_redirect("/echo/after-301", 301));
    CHECK(CHECK_RESP(r) && r->redirect_count == 1 && ends_with(r->url, "/echo/after-301"));
    session_response_free(r);
    r = session_get(s, rig_redirect("/echo/after-308", 308));
    CHECK(CHECK_RESP(r) && r->redirect_count == 1 && ends_with(r->url, "/echo/after-308"));
    session_response_free(r);
}

static void test_auth_on_redirect(void)
{
    /* base64("user:pass") */
    const char *cred = "dXNlcjpwYXNz";
    session_t *s = session_new();
    session_response_t *r;

    CHECK(session_set_basic_auth(s, "user", "pass") == SESSION_OK);

    r = session_get(s, RIG("/echo/direct"));
    CHECK(CHECK_RESP(r) && contains(r->body, cred));
    session_response_free(r);

    r = session_get(s, rig_redirect("/echo/same-host", 0));
    if (CHECK_RESP(r)) {
        CHECK(r->redirect_count == 1);
        if (!CHECK(contains(r->body, cred)))
            fprintf(stderr, "    same host lost Authorization: %s\n", r->body);
    }
    session_response_free(r);

    r = session_get(s, rig_redirect(rig_localhost("/echo/other-host"), 0));
    if (CHECK_RESP(r)) {
        CHECK(r->redirect_count == 1 && starts_with(r->url, "http://localhost:"));
        CHECK(json_has(r->body, "path", "/echo/other-host"));
        if (!CHECK(!contains(r->body, cred) && !contains(r->body, "Basic ")))
            fprintf(stderr, "    Authorization leaked to another host: %s\n", r->body);
    }
    session_response_free(r);
    session_free(s);

    /* a bearer token is stripped the same way */
    s = session_new();
    CHECK(session_set_bearer_token(s, "secret-token") == SESSION_OK);
    r = session_get(s, rig_redirect("/echo/same-host", 0));
    CHECK(CHECK_RESP(r) && contains(r->body, "secret-token"));
    session_response_free(r);
    r = session_get(s, rig_redirect(rig_localhost("/echo/other-host"), 0));
    CHECK(CHECK_RESP(r) && r->redirect_count == 1 && !contains(r->body, "secret-token"));
    session_response_free(r);
    session_free(s);
}

/* the value of header `name` sent with r's hop, or NULL */
static const char *sent_header(const session_response_t *r, const char *name)
{
    size_t i, n = session_response_request_header_count(r);
    for (i = 0; i < n; i++) {
        const char *k = NULL, *v = NULL;
        if (session_response_request_header_at(r, i, &k, &v) == SESSION_OK && strcmp(k, name) == 0)
            return v;
    }
    return NULL;
}

/* each hop carries the request it sent: method, headers and body */
static void test_request_as_sent(session_t *s)
{
    const session_response_t *h;
    const char *name = NULL, *value = NULL;
    const uint8_t *body;
    size_t len = 99;
    session_response_t *r = post_redirect(s, "/anything", 303);

    if (CHECK_RESP(r) && CHECK(r->redirect_count == 1)) {
        h = session_response_history_at(r, 0);
        CHECK_STR(session_response_request_method(h), "POST");
        CHECK_STR(session_response_request_method(r), "GET");
        CHECK_STR(sent_header(h, "Content-Type"), "text/plain");
        CHECK(sent_header(r, "Content-Type") == NULL);
        CHECK(sent_header(r, "User-Agent") != NULL);
        body = session_response_request_body(h, &len);
        CHECK(body != NULL && len == 7 && memcmp(body, "payload", 7) == 0);
        CHECK(session_response_request_body(r, &len) == NULL && len == 0);
        CHECK(session_response_request_header_at(r, session_response_request_header_count(r), &name, &value)
              == SESSION_E_INVALID_ARGUMENT);
    }
    session_response_free(r);

    /* the cookie the jar sent, and a 307 keeps the body */
    CHECK(session_cookie_set(s, "sent", "yes", "127.0.0.1", "/") == SESSION_OK);
    r = post_redirect(s, "/post", 307);
    if (CHECK_RESP(r)) {
        CHECK_STR(session_response_request_method(r), "POST");
        CHECK_STR(sent_header(r, "Cookie"), "sent=yes");
        body = session_response_request_body(r, &len);
        CHECK(body != NULL && len == 7 && memcmp(body, "payload", 7) == 0);
    }
    session_response_free(r);
    CHECK(session_cookies_clear(s) == SESSION_OK);

    /* nothing sent: "" method; NULL arguments */
    r = session_get(s, "not a url");
    CHECK(r != NULL && r->error == SESSION_E_INVALID_URL);
    CHECK_STR(session_response_request_method(r), "");
    CHECK(session_response_request_header_count(r) == 0);
    session_response_free(r);
    CHECK(session_response_request_method(NULL) == NULL);
    CHECK(session_response_request_header_count(NULL) == 0);
    CHECK(session_response_request_header_at(NULL, 0, &name, &value) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_response_request_body(NULL, &len) == NULL && len == 0);
}

int main(void)
{
    session_t *s = session_new();
    test_history();
    test_method_rewriting(s);
    test_limits();
    test_location_resolution(s);
    test_auth_on_redirect();
    test_request_as_sent(s);
    session_free(s);
    return check_done("test_redirects");
}
