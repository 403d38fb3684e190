/* Several requests at once on one session: a batch with session_send_all, then the same
 * asynchronously, collected from a poll() loop on the session's completion fd.
 * Usage: parallel_batch [BASE_URL]   (default $HTTPBIN_URL, else http://127.0.0.1:8080) */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "session.h"

#define N 5

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : getenv("HTTPBIN_URL");
    session_t *s = session_new();
    session_request_t *reqs[N];
    session_response_t *out[N];
    session_future_t *futures[N];
    char url[1024];
    int i, left = N, rc = 0;
    struct pollfd fd;

    if (base == NULL || *base == '\0')
        base = "http://127.0.0.1:8080";
    if (s == NULL)
        return 1;
    session_set_pool_limits(s, 4, 16); /* at most 4 connections to one host */
    for (i = 0; i < N; i++) {
        snprintf(url, sizeof url, "%s/anything/%d", base, i);
        reqs[i] = session_request_new("GET", url);
    }

    /* 1. a batch: returns when every request is done; each slot has its own outcome */
    if (session_send_all(s, reqs, N, out) != SESSION_OK) {
        fprintf(stderr, "send_all: %s\n", session_last_error());
        return 1;
    }
    for (i = 0; i < N; i++) {
        if (out[i]->error == SESSION_OK)
            printf("batch   %d: %ld %s\n", i, out[i]->status_code, out[i]->url);
        else
            printf("batch   %d: failed: %s\n", i, out[i]->error_message), rc = 1;
        session_response_free(out[i]);
    }

    /* 2. asynchronously: an event loop waits on the completion fd */
    for (i = 0; i < N; i++)
        futures[i] = session_send_async(s, reqs[i]);
    fd.fd = session_completion_fd(s);
    fd.events = POLLIN;
    while (left > 0 && poll(&fd, 1, 30000) == 1) {
        for (i = 0; i < N; i++) {
            session_response_t *r;
            if (futures[i] == NULL || !session_future_ready(futures[i]))
                continue;
            r = session_future_wait(futures[i], 0);
            if (r->error == SESSION_OK)
                printf("async   %d: %ld %s\n", i, r->status_code, r->url);
            else
                printf("async   %d: failed: %s\n", i, r->error_message), rc = 1;
            session_response_free(r);
            session_future_free(futures[i]);
            futures[i] = NULL;
            left--;
        }
    }
    for (i = 0; i < N; i++) {
        session_future_free(futures[i]); /* NULL or unfinished: no-op or cancel */
        session_request_free(reqs[i]);
    }
    session_free(s);
    return left == 0 ? rc : 1;
}
