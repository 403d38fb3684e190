/* Version, error strings, NULL handling, and CR/LF injection refusal. */
#include "check.h"

static void test_version(void)
{
    char want[64];
    const char *v = session_version();
    size_t n;
    snprintf(want, sizeof want, "libsession %d.%d.%d", SESSION_VERSION_MAJOR,
             SESSION_VERSION_MINOR, SESSION_VERSION_PATCH);
    n = strlen(want);
    CHECK(v != NULL);
    if (!CHECK(starts_with(v, want)))
        fprintf(stderr, "    version \"%s\", want prefix \"%s\"\n", v ? v : "(null)", want);
    CHECK(v != NULL && (v[n] == ' ' || v[n] == '\0'));
    CHECK(contains(v, "libcurl"));
}

static void test_strerror(void)
{
    int c;
    for (c = SESSION_OK; c <= SESSION_E_NOT_RECORDED; c++) {
        const char *m = session_strerror(c);
        if (!CHECK(m != NULL && *m != '\0'))
            fprintf(stderr, "    code %d\n", c);
    }
    CHECK(session_strerror(SESSION_E_NOT_RECORDED + 1) != NULL);
    CHECK(session_strerror(9999) != NULL);
    CHECK(session_strerror(-1) != NULL);
    /* fixed values: error codes are append-only */
    CHECK(SESSION_OK == 0);
    CHECK(SESSION_E_INVALID_ARGUMENT == 1);
    CHECK(SESSION_E_CONNECT == 4);
    CHECK(SESSION_E_TIMEOUT == 5);
    CHECK(SESSION_E_HTTP_STATUS == 13);
    CHECK(SESSION_E_INTERNAL == 15);
    CHECK(SESSION_E_NOT_RECORDED == 16);
    CHECK(SESSION_E_UPGRADE_REFUSED == 17);
    CHECK(SESSION_E_NOT_CACHED == 18);
}

static void test_free_null(void)
{
    session_free(NULL);
    session_request_free(NULL);
    session_response_free(NULL);
    session_string_free(NULL);
    CHECK(1); /* reached without crashing */
}

/* The response carries SESSION_E_INVALID_ARGUMENT; frees it. */
static int invalid_resp(session_response_t *r)
{
    int ok = r != NULL && r->error == SESSION_E_INVALID_ARGUMENT && r->status_code == 0 &&
             r->error_message != NULL;
    if (!ok && r != NULL)
        fprintf(stderr, "    got error %d status %ld\n", (int)r->error, r->status_code);
    session_response_free(r);
    return ok;
}

static void test_null_arguments(session_t *s)
{
    const char *name = NULL, *value = NULL;
    session_request_t *req = session_request_new("GET", RIG("/status/200"));

    CHECK(session_set_header(NULL, "X-A", "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_last_error() != NULL && *session_last_error() != '\0');
    CHECK(session_set_header(s, NULL, "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_param(NULL, "a", "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_param(s, NULL, "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_basic_auth(NULL, "u", "p") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_bearer_token(NULL, "t") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_timeout_ms(NULL, 1000, 1000) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_max_redirects(NULL, 3) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_verify(NULL, true) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_ca_bundle(NULL, "/nonexistent") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_max_body_size(NULL, 10) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookie_set(NULL, "a", "1", "127.0.0.1", "/") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookie_set(s, "a", "1", NULL, "/") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookie_set(s, NULL, "1", "127.0.0.1", "/") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookie_get(NULL, RIG("/"), "a") == NULL);
    CHECK(session_cookie_get(s, NULL, "a") == NULL);
    CHECK(session_cookie_header(NULL, RIG("/")) == NULL);
    CHECK(session_cookies_clear(NULL) == SESSION_E_INVALID_ARGUMENT);

    CHECK(req != NULL);
    CHECK(session_request_set_header(NULL, "X-A", "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_header(req, NULL, "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_add_param(NULL, "a", "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_json(NULL, "{}") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_add_form(NULL, "a", "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_body(NULL, "x", 1, "text/plain") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_body(req, NULL, 5, "text/plain") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_timeout_ms(NULL, 100) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_allow_redirects(NULL, false) == SESSION_E_INVALID_ARGUMENT);

    CHECK(invalid_resp(session_get(NULL, RIG("/status/200"))));
    CHECK(session_last_error() != NULL && *session_last_error() != '\0');
    CHECK(invalid_resp(session_get(s, NULL)));
    CHECK(invalid_resp(session_head(s, NULL)));
    CHECK(invalid_resp(session_delete(NULL, RIG("/status/200"))));
    CHECK(invalid_resp(session_post(s, NULL, "x", 1, "text/plain")));
    CHECK(invalid_resp(session_post(s, RIG("/echo"), NULL, 5, "text/plain")));
    CHECK(invalid_resp(session_put(NULL, RIG("/echo"), "x", 1, "text/plain")));
    CHECK(invalid_resp(session_patch(NULL, RIG("/echo"), "x", 1, "text/plain")));
    CHECK(invalid_resp(session_send(s, NULL)));
    CHECK(invalid_resp(session_send(NULL, req)));

    /* response accessors on NULL */
    CHECK(session_response_header(NULL, "Content-Type") == NULL);
    CHECK(session_response_header_count(NULL) == 0);
    CHECK(session_response_header_at(NULL, 0, &name, &value) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_response_history_at(NULL, 0) == NULL);
    CHECK(!session_response_ok(NULL));
    CHECK(session_response_raise_for_status(NULL) == SESSION_E_INVALID_ARGUMENT);

    /* a NULL method or URL: either no builder at all, or one that sends nothing */
    {
        session_request_t *bad = session_request_new(NULL, RIG("/status/200"));
        CHECK(bad == NULL || invalid_resp(session_send(s, bad)));
        session_request_free(bad);
        bad = session_request_new("GET", NULL);
        CHECK(bad == NULL || invalid_resp(session_send(s, bad)));
        session_request_free(bad);
    }
    session_request_free(req);
}

/* A request built with `method` and `url` is refused before sending. */
static int refused_request(session_t *s, const char *method, const char *url)
{
    session_request_t *req = session_request_new(method, url);
    int ok = req == NULL || invalid_resp(session_send(s, req));
    session_request_free(req);
    return ok;
}

static void test_crlf_refused(session_t *s)
{
    session_request_t *req = session_request_new("GET", RIG("/echo/crlf"));

    CHECK(session_set_header(s, "X-A\r\nX-Injected", "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_header(s, "X-A", "1\r\nX-Injected: 1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_header(s, "X-A", "1\nX-Injected: 1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_header(s, "X-A", "1\r") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_last_error() != NULL && *session_last_error() != '\0');
    CHECK(session_set_basic_auth(s, "u\r\nX-Injected: 1", "p") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_bearer_token(s, "t\r\nX-Injected: 1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookie_set(s, "a", "1\r\nX-Injected: 1", "127.0.0.1", "/") ==
          SESSION_E_INVALID_ARGUMENT);

    CHECK(req != NULL);
    CHECK(session_request_set_header(req, "X-B\r\nX-Injected", "1") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_header(req, "X-B", "1\r\nX-Injected: 1") ==
          SESSION_E_INVALID_ARGUMENT);
    session_request_free(req);

    CHECK(invalid_resp(session_get(s, RIG("/echo/a\r\nX-Injected: 1"))));
    CHECK(invalid_resp(session_get(s, RIG("/echo/a\nX-Injected: 1"))));
    CHECK(invalid_resp(session_post(s, RIG("/echo/a\r\n"), "x", 1, "text/plain")));
    CHECK(refused_request(s, "GET", RIG("/echo/a\r\nX-Injected: 1")));
    CHECK(refused_request(s, "GET\r\nX-Injected: 1", RIG("/echo/a")));
    CHECK(refused_request(s, "GET /x HTTP/1.1\nX-Injected: 1", RIG("/echo/a")));
}

/* Nothing above may have reached the rig: it has accepted no connection yet
 * (the rig does not count a connection whose first request is /connections). */
static void test_nothing_sent(void)
{
    session_t *probe = session_new();
    session_response_t *r = session_get(probe, RIG("/connections"));
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 200);
        if (!CHECK(json_int(r->body, "accepted") == 0))
            fprintf(stderr, "    /connections: %s\n", r->body);
    }
    session_response_free(r);
    session_free(probe);
}

static void test_bad_urls(session_t *s)
{
    session_response_t *r = session_get(s, "not a url");
    CHECK(r != NULL && r->error == SESSION_E_INVALID_URL && r->status_code == 0);
    CHECK(r != NULL && r->error_message != NULL && *r->error_message != '\0');
    session_response_free(r);
    r = session_get(s, "gopher://127.0.0.1:1/");
    CHECK(r != NULL && r->error == SESSION_E_INVALID_URL);
    session_response_free(r);
    r = session_get(s, "/just/a/path");
    CHECK(r != NULL && r->error == SESSION_E_INVALID_URL);
    session_response_free(r);
}

int main(void)
{
    session_t *s = session_new();
    CHECK(s != NULL);
    test_version();
    test_strerror();
    test_free_null();
    test_null_arguments(s);
    test_crlf_refused(s);
    test_bad_urls(s);
    test_nothing_sent();
    session_free(s);
    return check_done("test_basics");
}
