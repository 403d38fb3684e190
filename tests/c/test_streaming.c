/* Streaming and callback APIs from C, under valgrind: write callback, output file, progress,
 * read-callback uploads with replay, multipart files, decoding, debug trace, response hook,
 * timings and re-entrancy. */
#include "check.h"

#include <stdint.h>

struct sink {
    size_t total;
    size_t calls;
    int pattern_ok;
    size_t cancel_at; /* 0: never */
};

static size_t on_write(const char *data, size_t len, void *userdata)
{
    struct sink *s = userdata;
    size_t i;
    for (i = 0; i < len; i++)
        if ((unsigned char)data[i] != (s->total + i) % 251)
            s->pattern_ok = 0;
    s->total += len;
    s->calls++;
    if (s->cancel_at && s->total >= s->cancel_at)
        return 0;
    return len;
}

struct progress {
    uint64_t dl_now, dl_total, ul_now, ul_total;
    int cancel;
};

static int on_progress(uint64_t dl_now, uint64_t dl_total, uint64_t ul_now, uint64_t ul_total, void *userdata)
{
    struct progress *p = userdata;
    p->dl_now = dl_now;
    p->dl_total = dl_total;
    p->ul_now = ul_now;
    p->ul_total = ul_total;
    return p->cancel && dl_now > 0;
}

struct source {
    const char *data;
    size_t len, pos;
    int seeks;
};

static size_t on_read(char *buf, size_t len, void *userdata)
{
    struct source *s = userdata;
    size_t n = s->len - s->pos < len ? s->len - s->pos : len;
    memcpy(buf, s->data + s->pos, n);
    s->pos += n;
    return n;
}

static int on_seek(uint64_t offset, void *userdata)
{
    struct source *s = userdata;
    if (offset > s->len)
        return 1;
    s->pos = (size_t)offset;
    s->seeks++;
    return 0;
}

struct trace {
    char out[16384];
    size_t out_len;
    int saw_text;
};

static void on_debug(int kind, const char *data, size_t len, void *userdata)
{
    struct trace *t = userdata;
    if (kind == SESSION_DEBUG_TEXT)
        t->saw_text = 1;
    if ((kind == SESSION_DEBUG_HEADER_OUT || kind == SESSION_DEBUG_HEADER_IN) &&
        t->out_len + len < sizeof t->out) {
        memcpy(t->out + t->out_len, data, len);
        t->out_len += len;
        t->out[t->out_len] = '\0';
    }
}

struct hook_state {
    session_t *s;
    int calls;
    long status;
    session_code reentry;
};

static void on_response(const session_response_t *r, void *userdata)
{
    struct hook_state *h = userdata;
    session_response_t *again;
    h->calls++;
    h->status = r->status_code;
    again = session_get(h->s, "http://127.0.0.1:1/");
    h->reentry = again->error;
    session_response_free(again);
}

static void test_write_callback(session_t *s)
{
    struct sink sink = {0, 0, 1, 0};
    session_request_t *req = session_request_new("GET", RIG("/redirect?to=/bytes/300000"));
    session_response_t *r;
    CHECK(session_request_set_write_callback(req, on_write, &sink) == SESSION_OK);
    r = session_send(s, req);
    CHECK_RESP(r);
    CHECK(r->status_code == 200 && r->body_len == 0 && r->redirect_count == 1);
    CHECK(sink.total == 300000 && sink.pattern_ok && sink.calls > 1);
    session_response_free(r);

    sink.total = 0;
    sink.cancel_at = 1000;
    r = session_send(s, req);
    CHECK(r->error == SESSION_E_CANCELLED);
    session_response_free(r);
    session_request_free(req);
}

static void test_output_file(session_t *s)
{
    session_request_t *req = session_request_new("GET", RIG("/bytes/100000"));
    session_response_t *r;
    FILE *f;
    long size;
    int c, i = 0, ok = 1;
    CHECK(session_request_set_output_file(req, "download.bin") == SESSION_OK);
    r = session_send(s, req);
    CHECK_RESP(r);
    CHECK(r->body_len == 0);
    session_response_free(r);
    session_request_free(req);
    f = fopen("download.bin", "rb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    while ((c = fgetc(f)) != EOF)
        if (c != i++ % 251)
            ok = 0;
    size = ftell(f);
    fclose(f);
    CHECK(size == 100000 && ok);
}

static void test_progress(session_t *s)
{
    struct progress p = {0, 0, 0, 0, 0};
    session_request_t *req = session_request_new("GET", RIG("/bytes/200000"));
    session_response_t *r;
    CHECK(session_request_set_progress_callback(req, on_progress, &p) == SESSION_OK);
    r = session_send(s, req);
    CHECK_RESP(r);
    CHECK(p.dl_now == 200000 && p.dl_total == 200000);
    session_response_free(r);
    session_request_free(req);

    memset(&p, 0, sizeof p);
    p.cancel = 1;
    req = session_request_new("GET", RIG("/bytes/50000000"));
    session_request_set_progress_callback(req, on_progress, &p);
    r = session_send(s, req);
    CHECK(r->error == SESSION_E_CANCELLED);
    session_response_free(r);
    session_request_free(req);
}

static void test_read_callback_replay(session_t *s)
{
    static char data[70000];
    struct source src = {data, sizeof data, 0, 0};
    session_request_t *req = session_request_new("POST", RIG("/redirect?to=/sink&status=307"));
    session_response_t *r;
    size_t i;
    for (i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    CHECK(session_request_set_body_callback(req, on_read, on_seek, &src, (int64_t)sizeof data,
                                            "text/plain") == SESSION_OK);
    r = session_send(s, req);
    CHECK_RESP(r);
    CHECK(r->status_code == 200 && json_int(r->body, "len") == (long)sizeof data);
    CHECK(src.seeks == 1);
    session_response_free(r);

    /* Without a seek callback the replay is refused with a clear message. */
    src.pos = 0;
    CHECK(session_request_set_body_callback(req, on_read, NULL, &src, -1, NULL) == SESSION_OK);
    r = session_send(s, req);
    CHECK(r->error == SESSION_E_INVALID_ARGUMENT && contains(r->error_message, "seek"));
    session_response_free(r);
    CHECK(session_request_set_body_callback(req, NULL, NULL, NULL, -1, NULL) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_request_set_body_callback(NULL, on_read, NULL, NULL, -1, NULL) == SESSION_E_INVALID_ARGUMENT);
    session_request_free(req);
}

static void test_multipart(session_t *s)
{
    session_request_t *req = session_request_new("POST", HB("/post"));
    session_response_t *r;
    FILE *f = fopen("part.txt", "wb");
    CHECK(f != NULL);
    if (f == NULL)
        return;
    fputs("from a file", f);
    fclose(f);
    CHECK(session_request_add_form(req, "k", "v") == SESSION_OK);
    CHECK(session_request_add_file(req, "up", "part.txt", NULL, "text/plain") == SESSION_OK);
    CHECK(session_request_add_file_data(req, "mem", "bytes", 5, "m.txt", NULL) == SESSION_OK);
    CHECK(session_request_add_file(req, NULL, "part.txt", NULL, NULL) == SESSION_E_INVALID_ARGUMENT);
    r = session_send(s, req);
    CHECK_RESP(r);
    CHECK(json_has(r->body, "up", "from a file"));
    CHECK(json_has(r->body, "mem", "bytes"));
    CHECK(json_has(r->body, "k", "v"));
    session_response_free(r);
    session_request_free(req);
}

static void test_decoding_trace_hook_timings(void)
{
    session_t *s = session_new();
    struct trace t;
    struct hook_state h = {NULL, 0, 0, SESSION_OK};
    session_timings_t timings = {0};
    session_response_t *r;
    memset(&t, 0, sizeof t);
    h.s = s;
    session_set_bearer_token(s, "s3cr3t-token");
    CHECK(session_set_debug_callback(s, on_debug, &t) == SESSION_OK);
    CHECK(session_set_response_hook(s, on_response, &h) == SESSION_OK);

    r = session_get(s, HB("/gzip"));
    CHECK_RESP(r);
    CHECK(json_has(r->body, "Accept-Encoding", "gzip, deflate, br, zstd"));
    CHECK(contains(r->body, "\"gzipped\": true"));
    timings.size = sizeof timings;
    CHECK(session_response_timings(r, &timings) == SESSION_OK);
    CHECK(timings.total > 0 && !timings.reused);
    session_response_free(r);

    CHECK(h.calls == 1 && h.status == 200 && h.reentry == SESSION_E_INVALID_ARGUMENT);
    CHECK(contains(t.out, "Authorization: [redacted]"));
    CHECK(!contains(t.out, "s3cr3t-token"));
    CHECK(t.saw_text);

    r = session_get(s, HB("/brotli"));
    CHECK_RESP(r);
    CHECK(contains(r->body, "\"brotli\": true"));
    CHECK(session_response_timings(r, &timings) == SESSION_OK && timings.reused);
    session_response_free(r);
    CHECK(h.calls == 2);
    CHECK(session_response_timings(NULL, &timings) == SESSION_E_INVALID_ARGUMENT);
    session_free(s);
}

int main(void)
{
    session_t *s = session_new();
    CHECK(session_set_http_version(s, 42) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_http_version(s, SESSION_HTTP_VERSION_1_1) == SESSION_OK);
    test_write_callback(s);
    test_output_file(s);
    test_progress(s);
    test_read_callback_replay(s);
    test_multipart(s);
    session_free(s);
    test_decoding_trace_hook_timings();
    return check_done("test_streaming");
}
