/* Fork safety: after fork, the child's requests never reuse the parent's pooled connection
 * (both would read and write one socket). Run by tests/fork_safety.rs (RIG_URL set). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Connections the rig accepted, asked on a new session (the probe is not counted). */
static long accepted(void)
{
    session_t *probe = session_new();
    session_response_t *r = session_get(probe, RIG("/connections"));
    long n = (r != NULL && r->error == SESSION_OK) ? json_int(r->body, "accepted") : -1;
    session_response_free(r);
    session_free(probe);
    return n;
}

static int get_ok(session_t *s)
{
    session_response_t *r = session_get(s, RIG("/status/200"));
    int ok = r != NULL && r->error == SESSION_OK && r->status_code == 200;
    session_response_free(r);
    return ok;
}

int main(void)
{
    session_t *s = session_new();
    pid_t child;
    int status = -1;

    CHECK(get_ok(s));
    CHECK(accepted() == 1);
    child = fork();
    if (child == 0) {
        /* The child: its request must go out on a connection of its own. */
        int ok = get_ok(s);
        session_free(s);
        _exit(ok ? 0 : 3);
    }
    CHECK(child > 0);
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!CHECK(accepted() == 2))
        fprintf(stderr, "    the child reused the parent's connection (accepted %ld)\n", accepted());
    /* The parent's own connection is still in order. */
    CHECK(get_ok(s));
    session_free(s);
    return check_done("fork_child");
}
