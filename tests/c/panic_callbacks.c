/* Panics injected inside callbacks (test builds only): LIBSESSION_INJECT_PANIC=header panics
 * in libcurl's header callback, =callback just before each call to a user callback. Every
 * such request must come back with SESSION_E_INTERNAL, the process alive and the session
 * usable afterwards; a request without user callbacks is untouched by =callback.
 * Run by tests/panic_callbacks.rs with RIG_URL set. */
#define _POSIX_C_SOURCE 200112L
#include "check.h"

static size_t on_write(const char *data, size_t len, void *userdata)
{
    (void)data;
    (void)userdata;
    return len;
}

static int on_progress(uint64_t a, uint64_t b, uint64_t c, uint64_t d, void *userdata)
{
    (void)a, (void)b, (void)c, (void)d, (void)userdata;
    return 0;
}

static void on_response(const session_response_t *r, void *userdata)
{
    (void)r;
    (void)userdata;
}

static void on_debug(int kind, const char *data, size_t len, void *userdata)
{
    (void)kind, (void)data, (void)len, (void)userdata;
}

/* Sends req on s with injection `mode`; the response must carry `want`. */
static void expect_code(session_t *s, session_request_t *req, const char *mode,
                        session_code want, const char *what)
{
    session_response_t *r;
    setenv("LIBSESSION_INJECT_PANIC", mode, 1);
    r = session_send(s, req);
    unsetenv("LIBSESSION_INJECT_PANIC");
    if (!CHECK(r != NULL && r->error == want))
        fprintf(stderr, "    %s: error %d\n", what, r ? (int)r->error : -1);
    session_response_free(r);
}

int main(void)
{
    session_t *s = session_new();
    session_request_t *plain = session_request_new("GET", RIG("/bytes/5000"));
    session_request_t *write = session_request_new("GET", RIG("/bytes/5000"));
    session_request_t *progress = session_request_new("GET", RIG("/bytes/5000"));
    session_request_t *hooked = session_request_new("GET", RIG("/bytes/5000"));
    session_t *traced = session_new();
    session_response_t *r;

    CHECK(session_request_set_write_callback(write, on_write, NULL) == SESSION_OK);
    CHECK(session_request_set_progress_callback(progress, on_progress, NULL) == SESSION_OK);
    CHECK(session_request_set_response_hook(hooked, on_response, NULL) == SESSION_OK);
    CHECK(session_set_debug_callback(traced, on_debug, NULL) == SESSION_OK);

    expect_code(s, plain, "header", SESSION_E_INTERNAL, "header callback");
    expect_code(s, plain, "callback", SESSION_OK, "no user callback");
    expect_code(s, write, "callback", SESSION_E_INTERNAL, "write callback");
    expect_code(s, progress, "callback", SESSION_E_INTERNAL, "progress callback");
    expect_code(s, hooked, "callback", SESSION_E_INTERNAL, "response hook");
    expect_code(traced, plain, "callback", SESSION_E_INTERNAL, "debug callback");

    /* Injection off: the same session and requests work. */
    r = session_send(s, write);
    CHECK_RESP(r);
    session_response_free(r);
    r = session_send(s, plain);
    CHECK(CHECK_RESP(r) && r->body_len == 5000);
    session_response_free(r);

    session_request_free(plain);
    session_request_free(write);
    session_request_free(progress);
    session_request_free(hooked);
    session_free(traced);
    session_free(s);
    return check_done("panic_callbacks");
}
