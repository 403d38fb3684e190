/* Session state from C (docs/state.md): HSTS learned from the TLS rig through a mapped host
 * name, the http URL upgraded, save and load into a new session, a bad file leaving the
 * session unchanged, https-only and sensitive headers, argument errors. */
#include "check.h"

#include <sys/stat.h>

static int tls_port(void)
{
    const char *base = env_or_die("RIG_TLS_URL"); /* https://127.0.0.1:PORT */
    const char *colon = strrchr(base, ':');
    return colon ? atoi(colon + 1) : 0;
}

static session_t *mapped_session(void)
{
    session_t *s = session_new();
    CHECK(session_set_ca_bundle(s, env_or_die("RIG_CA_PEM")) == SESSION_OK);
    CHECK(session_set_resolve(s, "hsts.test", tls_port(), "127.0.0.1") == SESSION_OK);
    return s;
}

static void test_learn_save_load(void)
{
    session_t *s = mapped_session(), *t;
    session_response_t *r;
    char url[512];
    struct stat st;
    FILE *f;

    snprintf(url, sizeof url, "https://hsts.test:%d/sts?v=max-age=600", tls_port());
    r = session_get(s, url);
    CHECK(CHECK_RESP(r) && r->status_code == 200);
    session_response_free(r);
    CHECK(session_hsts_lookup(s, "hsts.test"));
    CHECK(!session_hsts_lookup(s, "a.hsts.test"));

    snprintf(url, sizeof url, "http://hsts.test:%d/echo", tls_port());
    r = session_get(s, url);
    if (CHECK(CHECK_RESP(r))) {
        char want[512];
        snprintf(want, sizeof want, "https://hsts.test:%d/echo", tls_port());
        CHECK_STR(r->url, want);
    }
    session_response_free(r);

    CHECK(session_cookie_set(s, "k", "v", "hsts.test", NULL) == SESSION_OK);
    CHECK(session_save(s, "state.json") == SESSION_OK);
    CHECK(stat("state.json", &st) == 0 && (st.st_mode & 0777) == 0600);

    t = mapped_session();
    CHECK(session_load(t, "state.json") == SESSION_OK);
    CHECK(session_hsts_lookup(t, "hsts.test"));
    r = session_get(t, url);
    CHECK(CHECK_RESP(r) && strstr(r->url, "https://") == r->url && strstr(r->body, "k=v") != NULL);
    session_response_free(r);

    /* A corrupt file: refused, nothing changes. */
    f = fopen("bad.json", "w");
    if (CHECK(f != NULL)) {
        fputs("{\"libsession_state\": 1, \"saved_at\": 0, \"cookies\": [", f);
        fclose(f);
    }
    CHECK(session_hsts_clear(t) == SESSION_OK);
    CHECK(session_load(t, "bad.json") == SESSION_E_DECODE);
    CHECK(!session_hsts_lookup(t, "hsts.test"));
    CHECK(session_load(t, "missing.json") == SESSION_E_IO);
    remove("bad.json");
    remove("state.json");
    session_free(t);
    session_free(s);
}

static void test_https_only_and_sensitive(void)
{
    session_t *s = mapped_session();
    session_response_t *r;
    char path[1024], enc[512];

    CHECK(session_set_sensitive_headers(s, "X-Api-Key") == SESSION_OK);
    CHECK(session_set_header(s, "X-Api-Key", "k3y") == SESSION_OK);
    snprintf(path, sizeof path, "/redirect?to=%s", url_encode(RIG_TLS("/echo"), enc, sizeof enc));
    r = session_get(s, RIG(path));
    CHECK(CHECK_RESP(r) && r->status_code == 200 && strstr(r->body, "k3y") == NULL);
    session_response_free(r);

    CHECK(session_set_https_only(s, true) == SESSION_OK);
    r = session_get(s, RIG("/echo"));
    CHECK(r != NULL && r->error == SESSION_E_INVALID_URL);
    session_response_free(r);
    CHECK(session_set_hsts(s, false) == SESSION_OK);
    session_free(s);
}

static void test_arguments(void)
{
    session_t *s = session_new();
    CHECK(session_hsts_add(s, "127.0.0.1", 60, false) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_hsts_add(s, "co.uk", 60, true) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_hsts_add(s, NULL, 60, true) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_hsts_add(NULL, "h.test", 60, true) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_hsts_add(s, "h.test", 60, true) == SESSION_OK);
    CHECK(session_hsts_lookup(s, "x.h.test"));
    CHECK(!session_hsts_lookup(NULL, "h.test") && !session_hsts_lookup(s, NULL));
    CHECK(session_set_sensitive_headers(s, "bad name") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_sensitive_headers(s, NULL) == SESSION_OK);
    CHECK(session_save(s, NULL) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_load(s, "") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_save(NULL, "x.json") == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_hsts(NULL, true) == SESSION_E_INVALID_ARGUMENT);
    CHECK(session_set_https_only(NULL, true) == SESSION_E_INVALID_ARGUMENT);
    session_free(s);
}

int main(void)
{
    test_learn_save_load();
    test_https_only_and_sensitive();
    test_arguments();
    return check_done("test_state");
}
