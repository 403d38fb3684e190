/* Stream a download straight into a file, with a progress bar on stderr: the body never
 * sits in memory, whatever its size. The progress callback could return non-zero to stop
 * the transfer (SESSION_E_CANCELLED).
 * Usage: download_progress [BASE_URL [OUTPUT_FILE]]
 *        (default $HTTPBIN_URL, else http://127.0.0.1:8080; output $TMPDIR/download.bin) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "session.h"

static int show_progress(uint64_t dl_now, uint64_t dl_total, uint64_t ul_now, uint64_t ul_total,
                         void *userdata)
{
    int width = 40, filled;
    (void)ul_now;
    (void)ul_total;
    (void)userdata;
    if (dl_total == 0)
        return 0; /* size not known yet */
    filled = (int)(dl_now * (uint64_t)width / dl_total);
    fprintf(stderr, "\r[%-*.*s] %3d%% %llu/%llu bytes", width, filled,
            "########################################", (int)(dl_now * 100 / dl_total),
            (unsigned long long)dl_now, (unsigned long long)dl_total);
    return 0; /* non-zero would cancel */
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : getenv("HTTPBIN_URL");
    const char *tmp = getenv("TMPDIR");
    char url[1024], out_buf[1024];
    const char *out = argc > 2 ? argv[2] : out_buf;
    session_t *s;
    session_request_t *req;
    session_response_t *r;
    int rc = 0;

    if (base == NULL || *base == '\0')
        base = "http://127.0.0.1:8080";
    snprintf(url, sizeof url, "%s/bytes/102400", base);
    snprintf(out_buf, sizeof out_buf, "%s/download.bin", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");

    s = session_new();
    req = session_request_new("GET", url);
    if (s == NULL || req == NULL) {
        fprintf(stderr, "setup failed: %s\n", session_last_error());
        return 1;
    }
    session_request_set_output_file(req, out);
    session_request_set_progress_callback(req, show_progress, NULL);

    r = session_send(s, req);
    fputc('\n', stderr);
    if (r->error != SESSION_OK) {
        fprintf(stderr, "GET %s failed: %s (%s)\n", url, session_strerror(r->error),
                r->error_message);
        rc = 1;
    } else {
        session_timings_t t = {0};
        t.size = sizeof t; /* the library writes no more than this */
        session_response_timings(r, &t);
        printf("GET %s -> %ld, body written to %s (response body in memory: %zu bytes)\n", url,
               r->status_code, out, r->body_len);
        printf("first byte after %.1f ms, done after %.1f ms\n", t.first_byte * 1000,
               t.total * 1000);
    }
    session_response_free(r);
    session_request_free(req);
    session_free(s);
    return rc;
}
