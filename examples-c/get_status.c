/* The simplest request: GET <base>/get and print the status code.
 * Usage: get_status [BASE_URL]   (default $HTTPBIN_URL, else http://127.0.0.1:8080) */
#include <stdio.h>
#include <stdlib.h>

#include "session.h"

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : getenv("HTTPBIN_URL");
    char url[1024];
    session_t *s;
    session_response_t *r;
    int rc = 0;

    if (base == NULL || *base == '\0')
        base = "http://127.0.0.1:8080";
    snprintf(url, sizeof url, "%s/get", base);

    s = session_new();
    if (s == NULL) {
        fprintf(stderr, "session_new failed\n");
        return 1;
    }
    r = session_get(s, url);
    if (r == NULL) {
        fprintf(stderr, "out of memory\n");
        rc = 1;
    } else if (r->error != SESSION_OK) {
        fprintf(stderr, "GET %s failed: %s (%s)\n", url, session_strerror(r->error),
                r->error_message);
        rc = 1;
    } else {
        printf("GET %s -> %ld %s\n", url, r->status_code, r->reason);
    }
    session_response_free(r);
    session_free(s);
    return rc;
}
