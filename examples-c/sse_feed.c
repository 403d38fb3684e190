/* A Server-Sent Events feed with a progress line: streams the events of a URL, showing the
 * count, the last id and the latest data on one line; stops after MAX events (argv[2]).
 *   ./sse_feed http://127.0.0.1:PORT/events?n=5000 [MAX]
 */
#include <session.h>
#include <stdio.h>
#include <stdlib.h>

struct feed {
    long count, max;
};

static int on_event(const session_event_t *ev, void *userdata)
{
    struct feed *f = userdata;
    f->count++;
    if (f->count % 100 == 0 || f->count == f->max)
        fprintf(stderr, "\r%ld events, last id %-8s %-24.*s", f->count, ev->id, (int)(ev->data_len > 24 ? 24 : ev->data_len), ev->data);
    return f->max > 0 && f->count >= f->max; /* non-zero ends the stream cleanly */
}

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : "http://127.0.0.1:8765/events?n=5000";
    struct feed f = {0, argc > 2 ? atol(argv[2]) : 0};
    session_t *s = session_new();
    session_request_t *req = session_request_new("GET", url);
    session_response_t *r;
    int rc = 0;
    if (!req || session_request_set_event_callback(req, on_event, &f) != SESSION_OK) {
        fprintf(stderr, "request: %s\n", session_last_error());
        session_request_free(req);
        session_free(s);
        return 1;
    }
    r = session_send(s, req);
    fprintf(stderr, "\n");
    if (r->error != SESSION_OK) {
        fprintf(stderr, "stream: %s (%s)\n", session_strerror(r->error), r->error_message);
        rc = 1;
    } else {
        printf("%ld events from %s (status %ld)\n", f.count, url, r->status_code);
    }
    session_response_free(r);
    session_request_free(req);
    session_free(s);
    return rc;
}
