/* Built against an installed libsession only (tests/install.rs): GET <base>/get and print
 * the status and the library version. Usage: app BASE_URL */
#include <session.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    char url[1024];
    session_t *s;
    session_response_t *r;
    int rc;

    if (argc < 2)
        return 2;
    snprintf(url, sizeof url, "%s/get", argv[1]);
    s = session_new();
    session_set_header(s, "X-Installed", "yes");
    r = session_get(s, url);
    rc = r != NULL && r->error == SESSION_OK && r->status_code == 200 &&
                 strstr(r->body, "\"X-Installed\": \"yes\"") != NULL
             ? 0
             : 1;
    printf("status %ld, %s\n", r ? r->status_code : 0L, session_version());
    session_response_free(r);
    session_free(s);
    return rc;
}
