/* Futures driven from an epoll loop on session_completion_fd; cancel; callbacks; freeing
 * the session with requests in flight. */
#define _GNU_SOURCE
#include <sys/epoll.h>
#include <poll.h>
#include <unistd.h>

#include "check.h"

#define N 12

static int calls;
static void on_done(void *user_data)
{
    __atomic_add_fetch((int *)user_data, 1, __ATOMIC_SEQ_CST);
}

static int readable(int fd)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1;
}

int main(void)
{
    session_t *s = session_new();
    session_request_t *req;
    session_future_t *f[N], *hang;
    session_response_t *r;
    struct epoll_event ev = {0}, got;
    int fd = session_completion_fd(s), ep, done = 0, i, rounds = 0;
    char path[64];

    CHECK(fd >= 0);
    ep = epoll_create1(0);
    ev.events = EPOLLIN;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
    for (i = 0; i < N; i++) {
        snprintf(path, sizeof path, "/echo/%d", i);
        req = session_request_new("GET", RIG(path));
        f[i] = session_send_async_cb(s, req, on_done, &calls);
        session_request_free(req); /* the future keeps its own copy */
        CHECK(f[i] != NULL);
    }
    /* the event loop: wait for the fd, take what is ready */
    while (done < N && rounds++ < 1000) {
        if (epoll_wait(ep, &got, 1, 10000) != 1)
            break;
        for (i = 0; i < N; i++) {
            if (f[i] != NULL && session_future_ready(f[i])) {
                r = session_future_wait(f[i], 0);
                snprintf(path, sizeof path, "\"path\": \"/echo/%d\"", i);
                CHECK(CHECK_RESP(r) && contains(r->body, path));
                session_response_free(r);
                session_future_free(f[i]);
                f[i] = NULL;
                done++;
            }
        }
    }
    CHECK(done == N);
    CHECK(!readable(fd));
    CHECK(__atomic_load_n(&calls, __ATOMIC_SEQ_CST) == N);

    /* a request that never answers: timeout, cancel */
    req = session_request_new("GET", RIG("/hang"));
    hang = session_send_async(s, req);
    CHECK(session_future_wait(hang, 100) == NULL);
    CHECK(!session_future_ready(hang));
    session_future_cancel(hang);
    CHECK(session_future_ready(hang));
    CHECK(readable(fd));
    r = session_future_wait(hang, 0);
    CHECK(r != NULL && r->error == SESSION_E_CANCELLED);
    session_response_free(r);
    session_future_free(hang);
    CHECK(!readable(fd));

    /* freeing the session with a request in flight cancels it; the future stays valid */
    hang = session_send_async(s, req);
    session_request_free(req);
    session_free(s);
    CHECK(session_future_ready(hang));
    r = session_future_wait(hang, -1);
    CHECK(r != NULL && r->error == SESSION_E_CANCELLED);
    session_response_free(r);
    session_future_free(hang);
    close(ep);
    return check_done("test_async");
}
