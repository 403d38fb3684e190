/* libsession: N sequential GETs on one session. Usage: session_seq_get URL N */
#include <stdio.h>
#include <stdlib.h>

#include "session.h"

int main(int argc, char **argv)
{
    session_t *s;
    int i, n;
    if (argc != 3)
        return 2;
    n = atoi(argv[2]);
    s = session_new();
    for (i = 0; i < n; i++) {
        session_response_t *r = session_get(s, argv[1]);
        if (r->error != SESSION_OK) {
            fprintf(stderr, "request %d failed: %s\n", i, r->error_message);
            return 1;
        }
        session_response_free(r);
    }
    session_free(s);
    return 0;
}
