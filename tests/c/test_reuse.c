/* Connection reuse: one session keeps one pooled keep-alive connection to the rig. */
#include "check.h"

/* TCP connections the rig has accepted so far (this request's included), or -1. */
static long accepted(session_t *s)
{
    session_response_t *r = session_get(s, RIG("/connections"));
    long n = -1;
    if (CHECK_RESP(r) && CHECK(r->status_code == 200))
        n = json_int(r->body, "accepted");
    session_response_free(r);
    return n;
}

int main(void)
{
    session_t *s = session_new(), *a = session_new(), *b = session_new();
    session_response_t *r;
    long before, after;
    int i, failures = 0;

    for (i = 0; i < 100; i++) {
        r = session_get(s, RIG("/status/200"));
        if (r == NULL || r->error != SESSION_OK || r->status_code != 200)
            failures++;
        session_response_free(r);
    }
    CHECK(failures == 0);
    for (i = 0; i < 20; i++) {
        r = session_post(s, RIG("/echo/post"), "some body", 9, "text/plain");
        if (r == NULL || r->error != SESSION_OK || r->status_code != 200)
            failures++;
        session_response_free(r);
    }
    CHECK(failures == 0);
    before = accepted(s);
    if (!CHECK(before == 1))
        fprintf(stderr, "    140 requests on one session used %ld connections\n", before);

    /* two more sessions: each opens its own connection; the first one keeps its own */
    r = session_get(a, RIG("/status/200"));
    CHECK(CHECK_RESP(r) && r->status_code == 200);
    session_response_free(r);
    r = session_get(b, RIG("/status/200"));
    CHECK(CHECK_RESP(r) && r->status_code == 200);
    session_response_free(r);
    after = accepted(s);
    if (!CHECK(after >= before + 2))
        fprintf(stderr, "    before %ld, after %ld\n", before, after);
    CHECK(after == before + 2);

    /* and each of them reuses its own */
    r = session_get(a, RIG("/status/200"));
    session_response_free(r);
    r = session_get(b, RIG("/status/200"));
    session_response_free(r);
    CHECK(accepted(a) == after);

    session_free(s);
    session_free(a);
    session_free(b);
    return check_done("test_reuse");
}
