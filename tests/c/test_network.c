/* Auth, TLS, timeouts and retries from C: the setters' argument checks, digest auth, URL
 * credentials, the verify-off connection never serving a verified request, retries. */
#include "check.h"

static void setters_refuse_bad_input(void)
{
    session_t *s = session_new();
    int codes[] = {503, 42};
    CHECK(session_set_digest_auth(NULL, "u", "p") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_digest_auth(s, "u\r\n", "p") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_proxy(s, NULL, "http://p") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_proxy(s, "ftp", "http://p") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_proxy(s, "http", "gopher://p") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_proxy(s, "http", "p:3128") == SESSION_OK);
    CHECK(session_set_proxy(s, "http", NULL) == SESSION_OK);
    CHECK(session_set_trust_env(NULL, false) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_netrc(s, true, "") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_ca_path(s, "") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_client_cert(NULL, "c", NULL, NULL) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_read_timeout_ms(s, -5) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_retries(s, -1, 0.5) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_retries(s, 1, -0.5) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_retry_statuses(s, codes, 2) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_retry_statuses(s, NULL, 1) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_retry_statuses(s, NULL, 0) == SESSION_OK);
    CHECK(session_set_retry_statuses(s, codes, (size_t)-1) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_retry_methods(s, "GET,BAD METHOD") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_retry_methods(s, NULL) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_retries(NULL, 1) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_read_timeout_ms(NULL, 1) == SESSION_E_INVALID_ARGUMENT);
    CHECK(contains(session_last_error(), "request"));
    session_free(s);
}

static void digest_and_url_credentials(void)
{
    session_t *s = session_new();
    session_response_t *r;
    char url[512];

    CHECK(session_set_digest_auth(s, "user", "passwd") == SESSION_OK);
    r = session_get(s, HB("/digest-auth/auth/user/passwd"));
    if (CHECK_RESP(r))
        CHECK(r->status_code == 200);
    session_response_free(r);
    CHECK(session_set_digest_auth(s, NULL, NULL) == SESSION_OK);

    /* http://user:pass@host/ -> Basic auth, not sent in the URL; r->url as given (requests) */
    snprintf(url, sizeof url, "http://user:pass@%s", RIG("/echo") + strlen("http://"));
    r = session_get(s, url);
    if (CHECK_RESP(r)) {
        CHECK(contains(r->body, "Basic dXNlcjpwYXNz"));
        CHECK(json_has(r->body, "path", "/echo"));
        CHECK_STR(r->url, url);
    }
    session_response_free(r);
    session_free(s);
}

static void verify_off_connection_is_not_reused(void)
{
    session_t *s = session_new();
    session_response_t *r;
    CHECK(session_set_verify(s, false) == SESSION_OK);
    r = session_get(s, RIG_TLS("/echo"));
    if (CHECK_RESP(r))
        CHECK(r->status_code == 200);
    session_response_free(r);
    CHECK(session_set_verify(s, true) == SESSION_OK);
    r = session_get(s, RIG_TLS("/echo"));
    CHECK(r != NULL && r->error == SESSION_E_TLS);
    session_response_free(r);
    session_free(s);
}

static void retries_and_overrides(void)
{
    session_t *s = session_new();
    session_request_t *req;
    session_response_t *r;
    int codes[] = {503};

    CHECK(session_set_retries(s, 2, 0.01) == SESSION_OK);
    CHECK(session_set_retry_statuses(s, codes, 1) == SESSION_OK);
    r = session_get(s, RIG("/flaky?key=c1&fail=2"));
    if (CHECK_RESP(r))
        CHECK(r->status_code == 200);
    session_response_free(r);

    req = session_request_new("GET", RIG("/flaky?key=c2&fail=1"));
    CHECK(session_request_set_retries(req, 0) == SESSION_OK);
    r = session_send(s, req);
    if (CHECK_RESP(r))
        CHECK(r->status_code == 503);
    session_response_free(r);
    CHECK(session_request_set_retries(req, -1) == SESSION_OK);
    r = session_send(s, req); /* the session's 2 retries: the second attempt passes */
    if (CHECK_RESP(r))
        CHECK(r->status_code == 200);
    session_response_free(r);
    session_request_free(req);

    req = session_request_new("GET", RIG("/hang"));
    CHECK(session_request_set_read_timeout_ms(req, 1000) == SESSION_OK);
    CHECK(session_request_set_retries(req, 0) == SESSION_OK);
    r = session_send(s, req);
    CHECK(r != NULL && r->error == SESSION_E_TIMEOUT);
    session_response_free(r);
    session_request_free(req);
    session_free(s);
}

int main(void)
{
    setters_refuse_bad_input();
    digest_and_url_credentials();
    verify_off_connection_is_not_reused();
    retries_and_overrides();
    return check_done("test_network");
}
