/* session_send_all: one response per slot, errors per slot, redirects and cookies inside
 * a batch, pool limits holding the rig to a few connections, TLS batches. */
#include "check.h"

static long accepted(session_t *s, int tls)
{
    session_response_t *r = session_get(s, tls ? RIG_TLS("/connections") : RIG("/connections"));
    long n = -1;
    if (CHECK_RESP(r) && CHECK(r->status_code == 200))
        n = json_int(r->body, "accepted");
    session_response_free(r);
    return n;
}

int main(void)
{
    session_t *s = session_new();
    session_request_t *reqs[6];
    session_response_t *out[6];
    session_request_t *many[30];
    session_response_t *many_out[30];
    char *cookie;
    size_t i;
    long n, before;

    reqs[0] = session_request_new("GET", RIG("/status/200"));
    reqs[1] = session_request_new("GET", RIG("/status/503"));
    reqs[2] = session_request_new("GET", "http://");
    reqs[3] = NULL;
    reqs[4] = session_request_new("GET", RIG("/cookies/set-raw?h=in_batch%3Dyes%3B%20Path%3D%2F&status=302&to=/echo/after"));
    reqs[5] = session_request_new("POST", RIG("/echo/posted"));
    session_request_set_json(reqs[5], "{\"k\": 1}");
    CHECK(session_send_all(s, reqs, 6, out) == SESSION_OK);
    CHECK(CHECK_RESP(out[0]) && out[0]->status_code == 200);
    CHECK(CHECK_RESP(out[1]) && out[1]->status_code == 503);
    CHECK(out[2]->error == SESSION_E_INVALID_URL);
    CHECK(out[3]->error == SESSION_E_INVALID_ARGUMENT);
    CHECK(CHECK_RESP(out[4]) && out[4]->status_code == 200 && out[4]->redirect_count == 1);
    CHECK(contains(out[4]->body, "[\"Cookie\", \"in_batch=yes\"]"));
    CHECK(contains(out[5]->body, "\"body\": \"{\\\"k\\\": 1}\""));
    for (i = 0; i < 6; i++) {
        session_response_free(out[i]);
        session_request_free(reqs[i]);
    }
    cookie = session_cookie_get(s, RIG("/"), "in_batch");
    CHECK_STR(cookie, "yes");
    session_string_free(cookie);

    /* 30 requests, at most 2 connections to the host */
    CHECK(session_set_pool_limits(s, 2, 4) == SESSION_OK);
    before = accepted(s, 0);
    for (i = 0; i < 30; i++)
        many[i] = session_request_new("GET", RIG("/bytes/5000"));
    CHECK(session_send_all(s, many, 30, many_out) == SESSION_OK);
    for (i = 0; i < 30; i++) {
        if (!CHECK_RESP(many_out[i]) || !CHECK(many_out[i]->body_len == 5000))
            fprintf(stderr, "    slot %zu\n", i);
        session_response_free(many_out[i]);
    }
    n = accepted(s, 0) - before;
    if (!CHECK(n >= 1 && n <= 2))
        fprintf(stderr, "    the batch opened %ld connections\n", n);

    /* the same over TLS */
    CHECK(session_set_ca_bundle(s, env_or_die("RIG_CA_PEM")) == SESSION_OK);
    for (i = 0; i < 30; i++) {
        session_request_free(many[i]);
        many[i] = session_request_new("GET", RIG_TLS("/status/200"));
    }
    CHECK(session_send_all(s, many, 30, many_out) == SESSION_OK);
    for (i = 0; i < 30; i++) {
        CHECK(CHECK_RESP(many_out[i]) && many_out[i]->status_code == 200);
        session_response_free(many_out[i]);
        session_request_free(many[i]);
    }
    n = accepted(s, 1);
    if (!CHECK(n >= 1 && n <= 2))
        fprintf(stderr, "    TLS accepted %ld\n", n);

    CHECK(session_send_all(NULL, many, 0, many_out) == SESSION_E_INVALID_ARGUMENT);
    session_free(s);
    return check_done("test_batch");
}
