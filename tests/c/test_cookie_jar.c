/* The cookie jar from C: list snapshots (owned strings, outliving the session), add with all
 * attributes, delete, clear by domain, limits, save/load in both formats, argument errors. */
#include "check.h"

/* The listed cookie called name, or NULL. */
static const session_cookie_t *find(const session_cookie_list_t *list, const char *name)
{
    size_t i;
    for (i = 0; i < session_cookie_list_len(list); i++) {
        const session_cookie_t *c = session_cookie_list_at(list, i);
        if (strcmp(c->name, name) == 0)
            return c;
    }
    return NULL;
}

static void test_list_and_add(void)
{
    session_t *s = session_new();
    session_cookie_list_t *list;
    const session_cookie_t *c;
    session_cookie_t sec = {"sec", "1", ".example.org", "/app", 4102444800, true, true, false};
    session_response_t *r;
    char path[2048], enc[256];

    CHECK(session_cookie_add(s, &sec) == SESSION_OK);
    CHECK(session_cookie_set(s, "plain", "2", "example.org", NULL) == SESSION_OK);
    snprintf(path, sizeof path, "/set-raw?h=%s", url_encode("srv=3; HttpOnly; Max-Age=600", enc, sizeof enc));
    r = session_get(s, RIG(path));
    CHECK(CHECK_RESP(r) && r->status_code == 200);
    session_response_free(r);

    list = session_cookies_list(s);
    session_free(s); /* the list is a snapshot that outlives the session */
    CHECK(session_cookie_list_len(list) == 3);
    c = find(list, "sec");
    if (CHECK(c != NULL)) {
        CHECK_STR(c->value, "1");
        CHECK_STR(c->domain, "example.org");
        CHECK_STR(c->path, "/app");
        CHECK(c->secure && c->http_only && !c->host_only);
        /* 2100 is beyond the 400-day cap: brought back */
        CHECK(c->expires > 0 && c->expires < 4102444800);
    }
    c = find(list, "plain");
    CHECK(c != NULL && c->host_only && !c->secure && c->expires == -1);
    c = find(list, "srv");
    CHECK(c != NULL && c->http_only && c->host_only && c->expires > 0);
    if (c != NULL)
        CHECK_STR(c->domain, "127.0.0.1");
    CHECK(session_cookie_list_at(list, 3) == NULL);
    session_cookie_list_free(list);
}

static void test_delete_clear_limits(void)
{
    session_t *s = session_new();
    session_cookie_list_t *list;
    char *h;

    CHECK(session_cookie_set(s, "a", "1", "example.org", NULL) == SESSION_OK);
    CHECK(session_cookie_set(s, "b", "1", ".example.org", "/x") == SESSION_OK);
    CHECK(session_cookie_set(s, "c", "1", "sub.example.org", NULL) == SESSION_OK);
    CHECK(session_cookie_set(s, "d", "1", "example.com", NULL) == SESSION_OK);

    CHECK(session_cookie_delete(s, ".example.org", "/x", "b") == SESSION_OK);
    h = session_cookie_header(s, "http://sub.example.org/x/y");
    CHECK_STR(h, "c=1");
    session_string_free(h);

    CHECK(session_cookies_clear_domain(s, "example.org") == SESSION_OK);
    list = session_cookies_list(s);
    CHECK(session_cookie_list_len(list) == 1 && find(list, "d") != NULL);
    session_cookie_list_free(list);

    CHECK(session_cookie_set(s, "e", "1", "example.com", NULL) == SESSION_OK);
    CHECK(session_cookie_set(s, "f", "1", "example.com", NULL) == SESSION_OK);
    CHECK(session_set_cookie_limits(s, 2, 0) == SESSION_OK);
    list = session_cookies_list(s);
    CHECK(session_cookie_list_len(list) == 2 && find(list, "d") == NULL);
    session_cookie_list_free(list);
    session_free(s);
}

static void test_save_load(void)
{
    session_t *s = session_new(), *t;
    session_cookie_t keep = {"keep", "1", "127.0.0.1", "/", 4000000000, false, false, true};
    session_cookie_format formats[2] = {SESSION_COOKIES_JSON, SESSION_COOKIES_NETSCAPE};
    const char *files[2] = {"jar.json", "cookies.txt"};
    session_response_t *r;
    int i;

    CHECK(session_cookie_add(s, &keep) == SESSION_OK);
    CHECK(session_cookie_set(s, "temp", "2", "127.0.0.1", NULL) == SESSION_OK);
    for (i = 0; i < 2; i++) {
        session_cookie_list_t *list;
        CHECK(session_cookies_save(s, files[i], formats[i]) == SESSION_OK);
        t = session_new();
        CHECK(session_cookies_load(t, files[i], formats[i]) == SESSION_OK);
        list = session_cookies_list(t);
        CHECK(session_cookie_list_len(list) == 1 && find(list, "keep") != NULL);
        session_cookie_list_free(list);
        r = session_get(t, RIG("/echo"));
        CHECK(CHECK_RESP(r) && contains(r->body, "keep=1") && !contains(r->body, "temp=2"));
        session_response_free(r);

        CHECK(session_cookies_save_ex(s, files[i], formats[i], true) == SESSION_OK);
        CHECK(session_cookies_load(t, files[i], formats[i]) == SESSION_OK);
        r = session_get(t, RIG("/echo"));
        CHECK(CHECK_RESP(r) && contains(r->body, "keep=1; temp=2"));
        session_response_free(r);
        session_free(t);
    }
    session_free(s);
}

static void test_errors(void)
{
    session_t *s = session_new();
    session_cookie_t bad = {NULL, "1", "example.org", "/", -1, false, false, true};
    FILE *f;

    CHECK(session_cookies_save(s, "x.json", (session_cookie_format)7) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookies_load(s, "x.json", -1) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookies_save(s, NULL, SESSION_COOKIES_JSON) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookies_save(NULL, "x.json", SESSION_COOKIES_JSON) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookies_load(s, "does-not-exist.txt", SESSION_COOKIES_NETSCAPE) == SESSION_E_IO);
    CHECK(contains(session_last_error(), "does-not-exist.txt"));

    f = fopen("broken.json", "w");
    if (CHECK(f != NULL)) {
        fputs("{\"libsession_cookies\": 1, \"cookies\": [", f);
        fclose(f);
    }
    CHECK(session_cookie_set(s, "a", "1", "example.org", NULL) == SESSION_OK);
    CHECK(session_cookies_load(s, "broken.json", SESSION_COOKIES_JSON) == SESSION_E_DECODE);
    CHECK(contains(session_last_error(), "broken.json"));

    CHECK(session_cookie_add(s, &bad) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookie_add(s, NULL) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookie_delete(s, "example.org", NULL, NULL) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookies_clear_domain(s, NULL) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_cookie_limits(NULL, 1, 1) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_cookies_list(NULL) == NULL);
    CHECK(session_cookie_list_len(NULL) == 0);
    CHECK(session_cookie_list_at(NULL, 0) == NULL);
    session_cookie_list_free(NULL);
    {
        char *v = session_cookie_get(s, "http://example.org/", "a");
        CHECK_STR(v, "1");
        session_string_free(v);
    }
    session_free(s);
}

int main(void)
{
    test_list_and_add();
    test_delete_clear_limits();
    test_save_load();
    test_errors();
    return check_done("test_cookie_jar");
}
