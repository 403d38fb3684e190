/* Responses own everything reachable from them and outlive their session (valgrind checks). */
#include "check.h"

struct snapshot {
    char *url, *reason, *body, *version, *ctype, *first_name, *first_value, *hist_url;
    long status;
    size_t body_len, headers;
};

static void take(struct snapshot *sn, const session_response_t *r)
{
    const char *n = NULL, *v = NULL;
    const session_response_t *h = session_response_history_at(r, 0);
    CHECK(session_response_header_at(r, 0, &n, &v) == SESSION_OK);
    sn->url = dup_str(r->url);
    sn->reason = dup_str(r->reason);
    sn->body = dup_str(r->body);
    sn->version = dup_str(r->http_version);
    sn->ctype = dup_str(session_response_header(r, "Content-Type"));
    sn->first_name = dup_str(n);
    sn->first_value = dup_str(v);
    sn->hist_url = dup_str(h ? h->url : NULL);
    sn->status = r->status_code;
    sn->body_len = r->body_len;
    sn->headers = session_response_header_count(r);
}

static void compare(const struct snapshot *sn, const session_response_t *r)
{
    const char *n = NULL, *v = NULL;
    const session_response_t *h = session_response_history_at(r, 0);
    size_t i;
    CHECK(session_response_header_at(r, 0, &n, &v) == SESSION_OK);
    CHECK_STR(r->url, sn->url);
    CHECK_STR(r->reason, sn->reason);
    CHECK_STR(r->body, sn->body);
    CHECK_STR(r->http_version, sn->version);
    CHECK_STR(session_response_header(r, "content-type"), sn->ctype);
    CHECK_STR(n, sn->first_name);
    CHECK_STR(v, sn->first_value);
    CHECK(r->status_code == sn->status && r->body_len == sn->body_len);
    CHECK(session_response_header_count(r) == sn->headers);
    /* touch every byte reachable from the response */
    for (i = 0; i < session_response_header_count(r); i++) {
        CHECK(session_response_header_at(r, i, &n, &v) == SESSION_OK);
        CHECK(strlen(n) > 0 && strlen(v) < 100000);
    }
    CHECK(r->body[r->body_len] == '\0');
    if (sn->hist_url != NULL) {
        CHECK(h != NULL);
        if (h != NULL) {
            CHECK_STR(h->url, sn->hist_url);
            CHECK(strlen(h->reason) > 0 && strlen(h->http_version) > 0 && h->body != NULL);
            CHECK(session_response_header(h, "Location") != NULL);
            CHECK(session_response_header_count(h) > 0);
        }
    }
}

static void drop(struct snapshot *sn)
{
    free(sn->url);
    free(sn->reason);
    free(sn->body);
    free(sn->version);
    free(sn->ctype);
    free(sn->first_name);
    free(sn->first_value);
    free(sn->hist_url);
}

int main(void)
{
    session_t *s = session_new();
    session_response_t *plain, *redirected, *failed;
    struct snapshot a, b;

    plain = session_get(s, HB("/get"));
    redirected = session_get(s, HB("/redirect/2"));
    failed = session_get(s, "http://127.0.0.1:1/");
    CHECK_RESP(plain);
    CHECK_RESP(redirected);
    CHECK(failed != NULL && failed->error == SESSION_E_CONNECT);
    if (plain == NULL || redirected == NULL || failed == NULL || plain->error != SESSION_OK ||
        redirected->error != SESSION_OK || redirected->redirect_count != 2) {
        session_response_free(plain);
        session_response_free(redirected);
        session_response_free(failed);
        session_free(s);
        return check_done("test_response_lifetime");
    }
    take(&a, plain);
    take(&b, redirected);

    session_free(s);

    compare(&a, plain);
    compare(&b, redirected);
    CHECK(strlen(failed->error_message) > 0);
    CHECK(failed->url == NULL || strlen(failed->url) < 100000);

    /* free in a different order than creation */
    session_response_free(redirected);
    session_response_free(failed);
    compare(&a, plain);
    session_response_free(plain);
    drop(&a);
    drop(&b);
    return check_done("test_response_lifetime");
}
