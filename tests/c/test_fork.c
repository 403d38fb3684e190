/* fork: a child never reuses, nor shuts down, the parent's pooled connections. */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static long accepted(session_t *s, int tls)
{
    session_response_t *r = session_get(s, tls ? RIG_TLS("/connections") : RIG("/connections"));
    long n = -1;
    if (r != NULL && r->error == SESSION_OK && r->status_code == 200)
        n = json_int(r->body, "accepted");
    session_response_free(r);
    return n;
}

static int child_status(pid_t pid)
{
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

int main(void)
{
    session_t *s = session_new();
    session_response_t *r;
    pid_t pid;

    CHECK(session_set_ca_bundle(s, env_or_die("RIG_CA_PEM")) == SESSION_OK);
    r = session_get(s, RIG("/status/200"));
    CHECK_RESP(r);
    session_response_free(r);
    r = session_get(s, RIG_TLS("/status/200"));
    CHECK_RESP(r);
    session_response_free(r);
    CHECK(accepted(s, 0) == 1);
    CHECK(accepted(s, 1) == 1);
    /* child 1 sends requests: on connections of its own */
    pid = fork();
    if (pid == 0) {
        int ok;
        r = session_get(s, RIG("/status/200"));
        ok = r != NULL && r->error == SESSION_OK && r->status_code == 200;
        session_response_free(r);
        ok = ok && accepted(s, 0) == 2; /* its own connection, not the parent's */
        session_free(s);
        exit(ok ? 0 : 1);
    }
    CHECK(child_status(pid) == 0);

    /* child 3: async requests start a worker of the child's own */
    pid = fork();
    if (pid == 0) {
        session_request_t *req = session_request_new("GET", RIG("/status/202"));
        session_future_t *f = session_send_async(s, req);
        int ok;
        r = session_future_wait(f, 10000);
        ok = r != NULL && r->error == SESSION_OK && r->status_code == 202;
        session_response_free(r);
        session_future_free(f);
        session_request_free(req);
        session_free(s);
        exit(ok ? 0 : 1);
    }
    CHECK(child_status(pid) == 0);

    /* child 2 only frees the session: nothing is sent on the parent's TLS connection */
    pid = fork();
    if (pid == 0) {
        session_free(s);
        exit(0);
    }
    CHECK(child_status(pid) == 0);

    /* the parent's connections still work and are still the same ones */
    CHECK(accepted(s, 0) == 3); /* children 1 and 3 made one each */
    CHECK(accepted(s, 1) == 1);
    r = session_get(s, RIG_TLS("/status/204"));
    CHECK(CHECK_RESP(r) && r->status_code == 204);
    session_response_free(r);
    session_free(s);
    return check_done("test_fork");
}
