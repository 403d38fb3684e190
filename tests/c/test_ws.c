/* WebSocket and Server-Sent Events from C, under valgrind and the sanitizers, against
 * tests/servers/stream_server.py (STREAM_URL, http://127.0.0.1:port): echo, fragments and
 * pings, the peer's close, a refused upgrade with its response, the size cap, freeing an
 * open WebSocket, an event stream ended by its callback. */
#include <string.h>
#include "check.h"

static char ws_base[256];

static const char *ws_url(const char *path)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s%s", ws_base, path);
    return buf;
}

static session_ws_message_t *expect(session_ws_t *ws, session_ws_type type, const char *data)
{
    session_ws_message_t *m = session_ws_recv(ws, 5000);
    if (!CHECK(m != NULL)) {
        fprintf(stderr, "recv: %s\n", session_last_error());
        return NULL;
    }
    CHECK(m->type == type);
    if (data) {
        CHECK(m->len == strlen(data) && memcmp(m->data, data, m->len) == 0);
        CHECK(m->data[m->len] == '\0');
    }
    return m;
}

struct events {
    int count;
    char first[64];
    char last_id[64];
};

static int on_event(const session_event_t *ev, void *userdata)
{
    struct events *e = userdata;
    if (e->count++ == 0)
        snprintf(e->first, sizeof e->first, "%s:%.*s", ev->event, (int)ev->data_len, ev->data);
    snprintf(e->last_id, sizeof e->last_id, "%s", ev->id);
    return e->count == 5; /* non-zero ends the stream */
}

int main(void)
{
    const char *base = env_or_die("STREAM_URL");
    session_t *s = session_new();
    session_ws_t *ws;
    session_ws_message_t *m;
    session_response_t *r = NULL;

    snprintf(ws_base, sizeof ws_base, "ws%s", base + 4); /* http://... -> ws://... */

    ws = session_ws_connect(s, ws_url("/echo"), NULL);
    CHECK(ws != NULL);
    CHECK(session_ws_fd(ws) >= 0);
    CHECK(session_ws_send_text(ws, "hello", 5) == SESSION_OK);
    session_ws_message_free(expect(ws, SESSION_WS_TEXT, "hello"));
    CHECK(session_ws_send_binary(ws, "\0\1\2", 3) == SESSION_OK);
    m = expect(ws, SESSION_WS_BINARY, NULL);
    CHECK(m && m->len == 3 && m->data[2] == 2);
    session_ws_message_free(m);
    CHECK(session_ws_ping(ws, "p", 1) == SESSION_OK);
    session_ws_message_free(expect(ws, SESSION_WS_PONG, "p"));
    CHECK(session_ws_close(ws, 1000, "bye") == SESSION_OK);
    m = expect(ws, SESSION_WS_CLOSE, NULL);
    CHECK(m && m->close_code == 1000);
    session_ws_message_free(m);
    CHECK(session_ws_recv(ws, 100) == NULL);
    session_ws_free(ws);

    ws = session_ws_connect(s, ws_url("/fragments"), NULL);
    session_ws_message_free(expect(ws, SESSION_WS_PING, "mid"));
    session_ws_message_free(expect(ws, SESSION_WS_TEXT, "Hello, world"));
    session_ws_free(ws); /* open: sends a close, frees everything */

    ws = session_ws_connect(s, ws_url("/close"), NULL);
    m = expect(ws, SESSION_WS_CLOSE, NULL);
    CHECK(m && m->close_code == 4000);
    CHECK_STR(m ? m->close_reason : NULL, "bye");
    session_ws_message_free(m);
    session_ws_free(ws);

    ws = session_ws_connect_response(s, ws_url("/refuse"), NULL, &r);
    CHECK(ws == NULL);
    CHECK(r != NULL && r->status_code == 403 && r->error == SESSION_E_UPGRADE_REFUSED);
    CHECK(r->body_len == 7 && memcmp(r->body, "go away", 7) == 0); /* the whole refusal */
    CHECK(starts_with(session_last_error(), session_strerror(SESSION_E_UPGRADE_REFUSED)));
    session_response_free(r);

    ws = session_ws_connect(s, ws_url("/big?n=100000"), NULL);
    CHECK(session_ws_set_max_message(ws, 1000) == SESSION_OK);
    CHECK(session_ws_recv(ws, 5000) == NULL);
    CHECK(starts_with(session_last_error(), session_strerror(SESSION_E_TOO_LARGE)));
    session_ws_free(ws);

    {
        struct events e = {0, "", ""};
        char url[512];
        session_request_t *req;
        snprintf(url, sizeof url, "%s/events/forever", base);
        req = session_request_new("GET", url);
        CHECK(session_request_set_event_callback(req, on_event, &e) == SESSION_OK);
        r = session_send(s, req);
        CHECK_RESP(r);
        CHECK(r->status_code == 200 && r->body_len == 0);
        CHECK(e.count == 5);
        CHECK_STR(e.first, "message:tick 0");
        CHECK_STR(e.last_id, "4");
        session_response_free(r);
        session_request_free(req);
    }

    session_ws_free(NULL);
    session_ws_message_free(NULL);
    session_free(s);
    return check_done("test_ws");
}
