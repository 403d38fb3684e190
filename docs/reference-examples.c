/* Examples shown in docs/reference.md: the body of example_<name> goes under session_<name>.
 * tests/reference.rs compiles this file (C99, -Wall -Wextra -Wpedantic -Werror) and links it
 * against libsession, so every example keeps compiling as the API grows.
 * Regenerate the reference after editing: scripts/gen-reference.py */
#include <stdio.h>
#include <string.h>

#include "session.h"

void example_strerror(session_code code)
{
    fprintf(stderr, "failed: %s\n", session_strerror(code));
}

void example_last_error(session_t *s)
{
    if (session_set_header(s, "X-Bad", "a\r\nb") != SESSION_OK)
        fprintf(stderr, "%s\n", session_last_error()); /* says why */
}

void example_version(void)
{
    printf("%s\n", session_version()); /* libsession 0.1.0 (libcurl 8.22.0) */
}

void example_new(void)
{
    session_t *s = session_new();
    /* ... set defaults, send requests ... */
    session_free(s);
}

void example_free(void)
{
    session_t *s = session_new();
    session_response_t *r = session_get(s, "http://127.0.0.1:8080/get");
    session_free(s);          /* closes the pooled connections */
    printf("%ld\n", r->status_code); /* r stays valid */
    session_response_free(r);
}

void example_set_header(session_t *s)
{
    session_set_header(s, "X-Client", "demo");  /* sent with every request */
    session_set_header(s, "Accept", NULL);      /* and never an Accept header */
}

void example_set_param(session_t *s)
{
    session_set_param(s, "api_key", "k123");    /* ?api_key=k123 on every URL */
}

void example_set_basic_auth(session_t *s)
{
    session_set_basic_auth(s, "user", "pass");
    session_set_basic_auth(s, NULL, NULL);      /* forget them again */
}

void example_set_bearer_token(session_t *s)
{
    session_set_bearer_token(s, "eyJhbGciOi...");
}

void example_set_timeout_ms(session_t *s)
{
    session_set_timeout_ms(s, 2000, 10000);     /* 2 s to connect, 10 s in all */
}

void example_set_max_redirects(session_t *s)
{
    session_set_max_redirects(s, 5);
}

void example_set_verify(session_t *s)
{
    session_set_verify(s, false);               /* testing only */
}

void example_set_ca_bundle(session_t *s)
{
    if (session_set_ca_bundle(s, "/etc/myapp/ca.pem") != SESSION_OK)
        fprintf(stderr, "%s\n", session_last_error());
}

void example_set_max_body_size(session_t *s)
{
    session_set_max_body_size(s, 10 * 1024 * 1024); /* larger bodies: SESSION_E_TOO_LARGE */
}

void example_set_resolve(session_t *s)
{
    /* https://api.example.com:443 goes to a local test server; TLS still checks the name */
    session_set_resolve(s, "api.example.com", 443, "127.0.0.1");
}

void example_cookie_set(session_t *s)
{
    session_cookie_set(s, "theme", "dark", "127.0.0.1", NULL);  /* host-only, path "/" */
    session_cookie_set(s, "sid", "42", ".example.com", "/app"); /* and subdomains */
}

void example_cookie_get(session_t *s)
{
    char *sid = session_cookie_get(s, "http://127.0.0.1:8080/", "sid");
    if (sid != NULL)
        printf("sid=%s\n", sid);
    session_string_free(sid);
}

void example_cookie_header(session_t *s)
{
    char *h = session_cookie_header(s, "http://127.0.0.1:8080/");
    printf("Cookie: %s\n", h ? h : "(none)");
    session_string_free(h);
}

void example_string_free(session_t *s)
{
    session_string_free(session_cookie_header(s, "http://127.0.0.1:8080/"));
    session_string_free(NULL); /* no-op */
}

void example_cookies_clear(session_t *s)
{
    session_cookies_clear(s); /* log out */
}

void example_cookies_list(session_t *s)
{
    session_cookie_list_t *list = session_cookies_list(s);
    size_t i;
    for (i = 0; i < session_cookie_list_len(list); i++) {
        const session_cookie_t *c = session_cookie_list_at(list, i); /* owned by the list */
        printf("%s=%s for %s%s%s\n", c->name, c->value, c->host_only ? "" : ".", c->domain, c->path);
    }
    session_cookie_list_free(list);
}

void example_cookies_save_ex(session_t *s)
{
    /* at exit, session cookies included; session_cookies_load restores it on the next run */
    if (session_cookies_save_ex(s, "cookies.txt", SESSION_COOKIES_NETSCAPE, true) != SESSION_OK)
        fprintf(stderr, "%s\n", session_last_error());
}

void example_cookies_load(session_t *s)
{
    session_code rc = session_cookies_load(s, "cookies.txt", SESSION_COOKIES_NETSCAPE);
    if (rc != SESSION_OK && rc != SESSION_E_IO) /* E_IO: no jar yet */
        fprintf(stderr, "%s\n", session_last_error());
}

void example_cookie_add(session_t *s)
{
    session_cookie_t c = {"__Host-sid", "42", "example.com", "/", -1, true, true, true};
    session_cookie_add(s, &c); /* Secure: sent over https only */
}

void example_request_new(session_t *s)
{
    session_request_t *req = session_request_new("POST", "http://127.0.0.1:8080/post");
    if (req == NULL) {
        fprintf(stderr, "%s\n", session_last_error());
        return;
    }
    session_response_free(session_send(s, req));
    session_request_free(req);
}

void example_request_free(session_request_t *req)
{
    session_request_free(req); /* responses already received stay valid */
}

void example_request_set_header(session_request_t *req)
{
    session_request_set_header(req, "X-Trace", "abc");
    session_request_set_header(req, "User-Agent", NULL); /* not sent on this request */
}

void example_request_add_param(session_request_t *req)
{
    session_request_add_param(req, "q", "rust ffi"); /* ?q=rust+ffi */
    session_request_add_param(req, "tag", "a");
    session_request_add_param(req, "tag", "b");      /* &tag=a&tag=b */
}

void example_request_set_body(session_request_t *req)
{
    static const unsigned char png_header[] = {0x89, 'P', 'N', 'G'};
    session_request_set_body(req, png_header, sizeof png_header, "image/png");
}

void example_request_set_json(session_request_t *req)
{
    session_request_set_json(req, "{\"name\": \"ada\"}");
}

void example_request_add_form(session_request_t *req)
{
    session_request_add_form(req, "user", "ada");
    session_request_add_form(req, "password", "s3cret"); /* user=ada&password=s3cret */
}

void example_request_set_timeout_ms(session_request_t *req)
{
    session_request_set_timeout_ms(req, 500); /* this request only */
}

void example_request_set_allow_redirects(session_request_t *req)
{
    session_request_set_allow_redirects(req, false); /* a 302 comes back as is */
}

void example_send(session_t *s, const session_request_t *req)
{
    session_response_t *r = session_send(s, req);
    if (r->error != SESSION_OK)
        fprintf(stderr, "%s: %s\n", session_strerror(r->error), r->error_message);
    else
        printf("%ld %s\n", r->status_code, r->reason);
    session_response_free(r);
}

void example_get(session_t *s)
{
    session_response_t *r = session_get(s, "http://127.0.0.1:8080/get");
    if (session_response_ok(r))
        fwrite(r->body, 1, r->body_len, stdout);
    session_response_free(r);
}

void example_head(session_t *s)
{
    session_response_t *r = session_head(s, "http://127.0.0.1:8080/get");
    const char *len = session_response_header(r, "Content-Length");
    printf("%s bytes\n", len ? len : "?");
    session_response_free(r);
}

void example_delete(session_t *s)
{
    session_response_free(session_delete(s, "http://127.0.0.1:8080/delete"));
}

void example_post(session_t *s)
{
    const char *json = "{\"a\": 1}";
    session_response_t *r =
        session_post(s, "http://127.0.0.1:8080/post", json, strlen(json), "application/json");
    session_response_free(r);
}

void example_put(session_t *s)
{
    session_response_free(session_put(s, "http://127.0.0.1:8080/put", "x", 1, "text/plain"));
}

void example_patch(session_t *s)
{
    session_response_free(session_patch(s, "http://127.0.0.1:8080/patch", NULL, 0, NULL));
}

void example_response_header(const session_response_t *r)
{
    const char *type = session_response_header(r, "content-type"); /* any case */
    printf("type: %s\n", type ? type : "(none)");
}

void example_response_header_count(const session_response_t *r)
{
    printf("%zu header lines\n", session_response_header_count(r));
}

void example_response_header_at(const session_response_t *r)
{
    const char *name, *value;
    size_t i;
    for (i = 0; session_response_header_at(r, i, &name, &value) == SESSION_OK; i++)
        printf("%s: %s\n", name, value);
}

void example_response_history_at(const session_response_t *r)
{
    size_t i;
    for (i = 0; i < r->redirect_count; i++) {
        const session_response_t *hop = session_response_history_at(r, i);
        printf("%ld %s\n", hop->status_code, hop->url);
    }
}

void example_response_ok(const session_response_t *r)
{
    if (!session_response_ok(r))
        fprintf(stderr, "failed or HTTP %ld\n", r->status_code);
}

void example_response_raise_for_status(const session_response_t *r)
{
    session_code c = session_response_raise_for_status(r);
    if (c == SESSION_E_HTTP_STATUS)
        fprintf(stderr, "HTTP %ld %s\n", r->status_code, r->reason);
    else if (c != SESSION_OK)
        fprintf(stderr, "transfer failed: %s\n", r->error_message);
}

void example_response_free(session_t *s)
{
    session_response_t *r = session_get(s, "http://127.0.0.1:8080/redirect/2");
    /* the body, headers and history entries all go with it */
    session_response_free(r);
}
