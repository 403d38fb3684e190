/* The session cookie jar: server-set cookies, the jar API, and cookies set on redirect hops. */
#include "check.h"

static void test_server_cookies(void)
{
    session_t *s = session_new(), *other = session_new();
    session_response_t *r;
    char *v, *h;

    r = session_get(s, HB("/cookies/set?a=1"));
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 200 && r->redirect_count == 1);
        CHECK(json_has(r->body, "a", "1"));
    }
    session_response_free(r);

    r = session_get(s, HB("/cookies"));
    if (CHECK_RESP(r) && !CHECK(json_has(r->body, "a", "1")))
        fprintf(stderr, "    /cookies on the same session: %s\n", r->body);
    session_response_free(r);

    r = session_get(other, HB("/cookies"));
    CHECK(CHECK_RESP(r) && !json_has(r->body, "a", NULL));
    session_response_free(r);

    v = session_cookie_get(s, HB("/"), "a");
    CHECK_STR(v, "1");
    session_string_free(v);
    CHECK(session_cookie_get(s, HB("/"), "missing") == NULL);
    CHECK(session_cookie_get(other, HB("/"), "a") == NULL);

    h = session_cookie_header(s, HB("/cookies"));
    CHECK(contains(h, "a=1"));
    session_string_free(h);
    CHECK(session_cookie_header(other, HB("/cookies")) == NULL);

    /* httpbin deletes with an expired Set-Cookie */
    r = session_get(s, HB("/cookies/delete?a"));
    CHECK(CHECK_RESP(r) && !json_has(r->body, "a", NULL));
    session_response_free(r);
    CHECK(session_cookie_get(s, HB("/"), "a") == NULL);

    session_free(s);
    session_free(other);
}

static void test_jar_api(void)
{
    session_t *s = session_new();
    session_response_t *r;
    char *v, *h;

    CHECK(session_cookie_set(s, "b", "2", "127.0.0.1", "/") == SESSION_OK);
    CHECK(session_cookie_set(s, "p", "3", "127.0.0.1", "/only") == SESSION_OK);
    CHECK(session_cookie_set(s, "n", "4", "127.0.0.1", NULL) == SESSION_OK);

    v = session_cookie_get(s, HB("/"), "b");
    CHECK_STR(v, "2");
    session_string_free(v);

    h = session_cookie_header(s, HB("/cookies"));
    CHECK(contains(h, "b=2") && contains(h, "n=4") && !contains(h, "p=3"));
    session_string_free(h);
    h = session_cookie_header(s, HB("/only/deeper"));
    CHECK(contains(h, "b=2") && contains(h, "p=3"));
    session_string_free(h);

    /* host-only for 127.0.0.1: not sent to localhost */
    CHECK(session_cookie_header(s, "http://localhost:9/") == NULL);

    r = session_get(s, HB("/cookies"));
    if (CHECK_RESP(r)) {
        CHECK(json_has(r->body, "b", "2"));
        CHECK(json_has(r->body, "n", "4"));
        CHECK(!json_has(r->body, "p", NULL));
    }
    session_response_free(r);

    CHECK(session_cookies_clear(s) == SESSION_OK);
    CHECK(session_cookie_get(s, HB("/"), "b") == NULL);
    CHECK(session_cookie_header(s, HB("/")) == NULL);

    r = session_get(s, HB("/cookies"));
    CHECK(CHECK_RESP(r) && !json_has(r->body, "b", NULL) && !json_has(r->body, "n", NULL));
    session_response_free(r);
    session_free(s);
}

/* "/cookies/set-raw?h=<set_cookie>&status=302&to=<to>" */
static void set_raw_path(char *out, size_t cap, const char *set_cookie, const char *to)
{
    char h[512], t[1024];
    snprintf(out, cap, "/cookies/set-raw?h=%s&status=302&to=%s",
             url_encode(set_cookie, h, sizeof h), url_encode(to, t, sizeof t));
}

static void test_cookie_on_redirect_hop(void)
{
    session_t *s = session_new();
    session_response_t *r;
    char inner[2048], outer[4096];
    char *v;

    /* one hop: set-raw -> /echo, which must see the cookie */
    set_raw_path(outer, sizeof outer, "hop=1; Path=/", "/echo/next");
    r = session_get(s, RIG(outer));
    if (CHECK_RESP(r)) {
        CHECK(r->redirect_count == 1 && ends_with(r->url, "/echo/next"));
        if (!CHECK(contains(r->body, "hop=1")))
            fprintf(stderr, "    next hop saw: %s\n", r->body);
    }
    session_response_free(r);

    /* two hops: set-raw -> set-raw -> /echo sees both */
    set_raw_path(inner, sizeof inner, "second=2; Path=/", "/echo/final");
    set_raw_path(outer, sizeof outer, "first=1; Path=/", inner);

    r = session_get(s, RIG(outer));
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 200);
        CHECK(r->redirect_count == 2);
        CHECK(ends_with(r->url, "/echo/final"));
        if (!CHECK(contains(r->body, "first=1") && contains(r->body, "second=2")))
            fprintf(stderr, "    final hop saw: %s\n", r->body);
    }
    session_response_free(r);

    /* both hops' cookies are in the jar */
    v = session_cookie_get(s, RIG("/"), "first");
    CHECK_STR(v, "1");
    session_string_free(v);
    v = session_cookie_get(s, RIG("/"), "second");
    CHECK_STR(v, "2");
    session_string_free(v);

    /* a later request on the session sends both */
    r = session_get(s, RIG("/echo/later"));
    CHECK(CHECK_RESP(r) && contains(r->body, "first=1") && contains(r->body, "second=2"));
    session_response_free(r);
    session_free(s);
}

/* a request's own cookies go along its redirects and stay out of the jar */
static void test_request_cookies(void)
{
    session_t *s = session_new();
    session_request_t *req = session_request_new("GET", HB("/redirect-to?url=/cookies"));
    session_response_t *r;
    char *stored;

    CHECK(session_request_add_cookie(req, "mine", "one") == SESSION_OK);
    CHECK(session_request_add_cookie(req, "mine", "two") == SESSION_OK);
    CHECK(session_request_add_cookie(req, "bad;name", "x") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_add_cookie(req, "x", "a;b") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_add_cookie(NULL, "x", "y") == SESSION_E_INVALID_ARGUMENT);
    r = session_send(s, req);
    if (CHECK_RESP(r)) {
        CHECK(r->redirect_count == 1);
        if (!CHECK(json_has(r->body, "mine", "two")))
            fprintf(stderr, "    body: %s\n", r->body);
    }
    session_response_free(r);
    stored = session_cookie_get(s, HB("/"), "mine");
    CHECK(stored == NULL);
    session_string_free(stored);
    session_request_free(req);
    session_free(s);
}

int main(void)
{
    test_server_cookies();
    test_jar_api();
    test_cookie_on_redirect_hop();
    test_request_cookies();
    return check_done("test_cookies");
}
