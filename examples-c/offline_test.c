/* A unit test of your own code, run offline from a cassette (docs/har-replay.md).
 *
 * user_name() is "the code under test": it asks an HTTP API for a user and picks the name
 * out of the JSON. The test runs it against cassettes/user_api.har, a hand-written HAR file,
 * with SESSION_REPLAY_PLAYBACK: no server, no network, the same answers every run. The
 * session's own logic still runs on the recorded responses: here the retry on 503.
 *
 *   ./offline_test cassettes/user_api.har
 *
 * Record a cassette from a live server instead with SESSION_REPLAY_RECORD (or _AUTO, which
 * records only what the file lacks).
 */
#include <session.h>
#include <stdio.h>
#include <string.h>

/* ---- the code under test ---- */

/* Copies user `id`'s name into `out`; 0 on success, the HTTP status or -1 otherwise. */
static int user_name(session_t *s, const char *base, int id, char *out, size_t n)
{
    char url[256];
    snprintf(url, sizeof url, "%s/users/%d", base, id);
    session_response_t *r = session_get(s, url);
    int rc = -1;
    if (r->error == SESSION_OK && r->status_code != 200) {
        rc = (int)r->status_code;
    } else if (r->error == SESSION_OK) {
        const char *key = strstr(r->body, "\"name\": \"");
        const char *end = key ? strchr(key + 9, '"') : NULL;
        if (end && (size_t)(end - key - 9) < n) {
            memcpy(out, key + 9, (size_t)(end - key - 9));
            out[end - key - 9] = '\0';
            rc = 0;
        }
    } else {
        fprintf(stderr, "user_name: %s\n", r->error_message);
    }
    session_response_free(r);
    return rc;
}

/* ---- the test ---- */

static int failures = 0;
#define EXPECT(cond) do { if (!(cond)) { fprintf(stderr, "FAILED: %s (line %d)\n", #cond, __LINE__); failures++; } } while (0)

int main(int argc, char **argv)
{
    const char *cassette = argc > 1 ? argv[1] : "cassettes/user_api.har";
    session_t *s = session_new();
    int retry_on[] = {503};
    session_set_retries(s, 1, 0.0);
    session_set_retry_statuses(s, retry_on, 1);
    if (session_set_replay(s, cassette, SESSION_REPLAY_PLAYBACK) != SESSION_OK) {
        fprintf(stderr, "cannot load %s: %s\n", cassette, session_last_error());
        return 1;
    }
    const char *base = "http://api.example.test"; /* never resolved: playback answers */

    char name[64] = "";
    EXPECT(user_name(s, base, 7, name, sizeof name) == 0);
    EXPECT(strcmp(name, "Ada Lovelace") == 0);
    EXPECT(user_name(s, base, 8, name, sizeof name) == 404); /* 503, retried, then 404 */

    /* A request the cassette does not hold fails loudly, naming itself. */
    session_response_t *r = session_get(s, "http://api.example.test/users/9");
    EXPECT(r->error == SESSION_E_NOT_RECORDED);
    printf("missing: %s\n", r->error_message);
    session_response_free(r);

    session_free(s);
    printf("offline_test: %s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
