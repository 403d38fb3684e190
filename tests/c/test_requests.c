/* Requests against httpbin and the rig: shortcuts, builder, defaults, auth, errors, TLS. */
#include <time.h>

#include "check.h"

static void test_get(session_t *s)
{
    size_t i, n;
    int seen_ct = 0;
    const char *ct1, *ct2;
    session_response_t *r = session_get(s, HB("/get"));
    if (!CHECK_RESP(r)) {
        session_response_free(r);
        return;
    }
    CHECK(r->status_code == 200);
    CHECK_STR(r->reason, "OK");
    CHECK_STR(r->error_message, "");
    CHECK(r->body != NULL && r->body_len > 0 && r->body[r->body_len] == '\0');
    CHECK(r->body != NULL && strlen(r->body) == r->body_len);
    CHECK_STR(r->http_version, "HTTP/1.1");
    CHECK_STR(r->url, HB("/get"));
    CHECK(r->elapsed >= 0.0 && r->elapsed < 60.0);
    CHECK(r->redirect_count == 0);
    CHECK(session_response_history_at(r, 0) == NULL);
    CHECK(session_response_ok(r));
    CHECK(session_response_raise_for_status(r) == SESSION_OK);

    ct1 = session_response_header(r, "content-type");
    ct2 = session_response_header(r, "Content-Type");
    CHECK(ct1 != NULL && ct2 != NULL && strcmp(ct1, ct2) == 0);
    CHECK(contains(ct1, "application/json"));
    CHECK(session_response_header(r, "CONTENT-TYPE") == ct1 ||
          (session_response_header(r, "CONTENT-TYPE") != NULL &&
           strcmp(session_response_header(r, "CONTENT-TYPE"), ct1) == 0));
    CHECK(session_response_header(r, "X-No-Such-Header") == NULL);

    n = session_response_header_count(r);
    CHECK(n >= 3);
    for (i = 0; i < n; i++) {
        const char *name = NULL, *value = NULL;
        CHECK(session_response_header_at(r, i, &name, &value) == SESSION_OK);
        CHECK(name != NULL && value != NULL);
        if (name != NULL && value != NULL && ci_equal(name, "Content-Type")) {
            seen_ct = 1;
            CHECK(contains(value, "application/json"));
        }
    }
    CHECK(seen_ct);
    {
        const char *name = NULL, *value = NULL;
        CHECK(session_response_header_at(r, n, &name, &value) != SESSION_OK);
    }
    CHECK(json_has(r->body, "User-Agent", NULL));
    session_response_free(r);
}

static void test_default_user_agent(session_t *s)
{
    session_response_t *r = session_get(s, HB("/user-agent"));
    if (CHECK_RESP(r)) {
        const char *ua = strstr(r->body, "\"user-agent\"");
        const char *q = ua ? strchr(ua + 12, '"') : NULL;
        if (!CHECK(q != NULL && starts_with(q + 1, "libsession/")))
            fprintf(stderr, "    body: %s\n", r->body);
    }
    session_response_free(r);
}

static void check_echoed(session_response_t *r, const char *method, const char *data)
{
    if (CHECK_RESP(r)) {
        if (!CHECK(r->status_code == 200))
            fprintf(stderr, "    %s status %ld\n", method, r->status_code);
        if (data != NULL && !CHECK(json_has(r->body, "data", data)))
            fprintf(stderr, "    %s body: %s\n", method, r->body);
    }
    session_response_free(r);
}

static void test_shortcuts(session_t *s)
{
    session_response_t *r;
    const char *body = "hello-body";
    size_t len = strlen(body);

    check_echoed(session_post(s, HB("/post"), body, len, "text/plain"), "POST", body);
    check_echoed(session_put(s, HB("/put"), body, len, "text/plain"), "PUT", body);
    check_echoed(session_patch(s, HB("/patch"), body, len, "text/plain"), "PATCH", body);
    check_echoed(session_delete(s, HB("/delete")), "DELETE", NULL);

    r = session_post(s, HB("/anything"), "a\0b", 3, "application/octet-stream");
    if (CHECK_RESP(r)) {
        CHECK(json_has(r->body, "Content-Length", "3"));
        CHECK(json_has(r->body, "Content-Type", "application/octet-stream"));
    }
    session_response_free(r);

    r = session_head(s, HB("/get"));
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 200);
        CHECK(r->body_len == 0);
        CHECK(r->body == NULL || r->body[0] == '\0');
        CHECK(session_response_header(r, "Content-Type") != NULL);
    }
    session_response_free(r);
}

static void test_builder(session_t *s)
{
    session_response_t *r;
    session_request_t *req = session_request_new("POST", HB("/anything"));
    CHECK(session_request_set_header(req, "X-Test", "abc") == SESSION_OK);
    CHECK(session_request_add_param(req, "q", "a b&c") == SESSION_OK);
    CHECK(session_request_add_param(req, "n", "1") == SESSION_OK);
    CHECK(session_request_set_json(req, "{\"k\": 42}") == SESSION_OK);
    CHECK(session_request_set_timeout_ms(req, 10000) == SESSION_OK);
    r = session_send(s, req);
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 200);
        CHECK(json_has(r->body, "method", "POST"));
        CHECK(json_has(r->body, "X-Test", "abc"));
        CHECK(json_has(r->body, "q", "a b&c"));
        CHECK(json_has(r->body, "n", "1"));
        CHECK(json_has(r->body, "Content-Type", "application/json"));
        CHECK(json_int(r->body, "k") == 42);
    }
    session_response_free(r);

    /* the builder is reusable: send it again */
    r = session_send(s, req);
    CHECK(CHECK_RESP(r) && json_has(r->body, "X-Test", "abc") && json_int(r->body, "k") == 42);
    session_response_free(r);
    session_request_free(req);

    req = session_request_new("POST", HB("/post"));
    CHECK(session_request_add_form(req, "name", "v&x=1") == SESSION_OK);
    CHECK(session_request_add_form(req, "second", "two words") == SESSION_OK);
    r = session_send(s, req);
    if (CHECK_RESP(r)) {
        CHECK(json_has(r->body, "name", "v&x=1"));
        CHECK(json_has(r->body, "second", "two words"));
        CHECK(json_has(r->body, "Content-Type", "application/x-www-form-urlencoded"));
    }
    session_response_free(r);
    session_request_free(req);

    req = session_request_new("PUT", HB("/anything"));
    CHECK(session_request_set_body(req, "raw-bytes", 9, "text/x-custom") == SESSION_OK);
    r = session_send(s, req);
    if (CHECK_RESP(r)) {
        CHECK(json_has(r->body, "method", "PUT"));
        CHECK(json_has(r->body, "data", "raw-bytes"));
        CHECK(json_has(r->body, "Content-Type", "text/x-custom"));
    }
    session_response_free(r);
    session_request_free(req);
}

static void test_session_defaults(void)
{
    session_t *s = session_new();
    session_request_t *req;
    session_response_t *r;

    CHECK(session_set_header(s, "X-Default", "d") == SESSION_OK);
    CHECK(session_set_header(s, "X-Both", "session") == SESSION_OK);
    CHECK(session_set_param(s, "sp", "1") == SESSION_OK);

    r = session_get(s, HB("/anything"));
    if (CHECK_RESP(r)) {
        CHECK(json_has(r->body, "X-Default", "d"));
        CHECK(json_has(r->body, "X-Both", "session"));
        CHECK(json_has(r->body, "sp", "1"));
    }
    session_response_free(r);

    req = session_request_new("GET", HB("/anything"));
    CHECK(session_request_set_header(req, "X-Both", "request") == SESSION_OK);
    CHECK(session_request_set_header(req, "X-Default", NULL) == SESSION_OK);
    CHECK(session_request_add_param(req, "rp", "2") == SESSION_OK);
    r = session_send(s, req);
    if (CHECK_RESP(r)) {
        CHECK(json_has(r->body, "X-Both", "request"));
        CHECK(!json_has(r->body, "X-Both", "session"));
        CHECK(!json_has(r->body, "X-Default", NULL));
        CHECK(json_has(r->body, "sp", "1"));
        CHECK(json_has(r->body, "rp", "2"));
    }
    session_response_free(r);
    session_request_free(req);

    /* removing a session default */
    CHECK(session_set_header(s, "X-Default", NULL) == SESSION_OK);
    CHECK(session_set_param(s, "sp", NULL) == SESSION_OK);
    r = session_get(s, HB("/anything?own=3"));
    if (CHECK_RESP(r)) {
        CHECK(!json_has(r->body, "X-Default", NULL));
        CHECK(json_has(r->body, "X-Both", "session"));
        CHECK(!json_has(r->body, "sp", NULL));
        CHECK(json_has(r->body, "own", "3"));
    }
    session_response_free(r);

    /* a session header overrides the default User-Agent */
    CHECK(session_set_header(s, "User-Agent", "custom-agent/1") == SESSION_OK);
    r = session_get(s, HB("/user-agent"));
    CHECK(CHECK_RESP(r) && json_has(r->body, "user-agent", "custom-agent/1"));
    session_response_free(r);
    session_free(s);
}

static long status_of(session_t *s, const char *url)
{
    session_response_t *r = session_get(s, url);
    long st = (r != NULL && r->error == SESSION_OK) ? r->status_code : -1;
    session_response_free(r);
    return st;
}

static void test_auth(void)
{
    session_t *s = session_new(), *anon = session_new(), *wrong = session_new();
    session_response_t *r;

    CHECK(session_set_basic_auth(s, "u", "p") == SESSION_OK);
    CHECK(session_set_basic_auth(wrong, "u", "nope") == SESSION_OK);
    CHECK(status_of(s, HB("/basic-auth/u/p")) == 200);
    CHECK(status_of(anon, HB("/basic-auth/u/p")) == 401);
    CHECK(status_of(wrong, HB("/basic-auth/u/p")) == 401);

    CHECK(session_set_bearer_token(anon, "tok123") == SESSION_OK);
    r = session_get(anon, HB("/bearer"));
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 200);
        CHECK(json_has(r->body, "token", "tok123"));
    }
    session_response_free(r);
    CHECK(status_of(wrong, HB("/bearer")) == 401);
    session_free(s);
    session_free(anon);
    session_free(wrong);
}

static void check_http_error(session_t *s, const char *url, long status)
{
    session_response_t *r = session_get(s, url);
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == status);
        CHECK_STR(r->error_message, "");
        CHECK(!session_response_ok(r));
        CHECK(session_response_raise_for_status(r) == SESSION_E_HTTP_STATUS);
        CHECK(r->reason != NULL && r->body != NULL);
    }
    session_response_free(r);
}

static void test_status_not_error(session_t *s)
{
    check_http_error(s, HB("/status/404"), 404);
    check_http_error(s, HB("/status/500"), 500);
    check_http_error(s, RIG("/status/404"), 404);
    check_http_error(s, RIG("/status/503"), 503);
}

static void test_connect_refused(session_t *s)
{
    session_response_t *r = session_get(s, "http://127.0.0.1:1/");
    CHECK(r != NULL && r->error == SESSION_E_CONNECT);
    CHECK(r != NULL && r->error_message != NULL && *r->error_message != '\0');
    CHECK(r != NULL && r->status_code == 0);
    CHECK(r != NULL && r->body_len == 0);
    CHECK(!session_response_ok(r));
    CHECK(session_last_error() != NULL && *session_last_error() != '\0');
    session_response_free(r);
}

static void test_timeouts(void)
{
    session_t *s = session_new();
    session_request_t *req = session_request_new("GET", RIG("/hang"));
    session_response_t *r;
    time_t t0 = time(NULL);

    CHECK(session_request_set_timeout_ms(req, 300) == SESSION_OK);
    r = session_send(s, req);
    CHECK(r != NULL && r->error == SESSION_E_TIMEOUT);
    CHECK(r != NULL && r->status_code == 0 && *r->error_message != '\0');
    CHECK(difftime(time(NULL), t0) < 15);
    session_response_free(r);
    session_request_free(req);

    CHECK(session_set_timeout_ms(s, 5000, 300) == SESSION_OK);
    t0 = time(NULL);
    r = session_get(s, RIG("/hang"));
    CHECK(r != NULL && r->error == SESSION_E_TIMEOUT);
    CHECK(difftime(time(NULL), t0) < 15);
    session_response_free(r);

    /* the session still works afterwards */
    CHECK(status_of(s, RIG("/status/200")) == 200);
    session_free(s);
}

static void test_tls(void)
{
    const char *ca = env_or_die("RIG_CA_PEM");
    session_t *plain = session_new(), *trusted = session_new(), *noverify = session_new();
    session_response_t *r;

    r = session_get(plain, RIG_TLS("/status/200"));
    CHECK(r != NULL && r->error == SESSION_E_TLS);
    CHECK(r != NULL && r->status_code == 0 && *r->error_message != '\0');
    session_response_free(r);

    CHECK(session_set_ca_bundle(trusted, ca) == SESSION_OK);
    r = session_get(trusted, RIG_TLS("/status/200"));
    if (CHECK_RESP(r)) {
        CHECK(r->status_code == 200);
        CHECK(starts_with(r->url, "https://"));
    }
    session_response_free(r);

    CHECK(session_set_verify(noverify, false) == SESSION_OK);
    CHECK(status_of(noverify, RIG_TLS("/status/200")) == 200);

    session_free(plain);
    session_free(trusted);
    session_free(noverify);
}

int main(void)
{
    session_t *s = session_new();
    CHECK(s != NULL);
    test_get(s);
    test_default_user_agent(s);
    test_shortcuts(s);
    test_builder(s);
    test_session_defaults();
    test_auth();
    test_status_not_error(s);
    test_connect_refused(s);
    test_timeouts();
    test_tls();
    session_free(s);
    return check_done("test_requests");
}
