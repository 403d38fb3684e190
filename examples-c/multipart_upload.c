/* Upload a form with files, as requests' files={...}: a file read from disk while it is sent
 * (never loaded whole), a part from memory, and a plain field, in one multipart/form-data body.
 * Usage: multipart_upload [BASE_URL]   (default $HTTPBIN_URL, else http://127.0.0.1:8080) */
#include <stdio.h>
#include <stdlib.h>

#include "session.h"

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : getenv("HTTPBIN_URL");
    const char *path = "report.csv";
    const char csv_header[] = "id,name\n";
    char url[1024];
    session_t *s;
    session_request_t *req;
    session_response_t *r;
    FILE *f;
    int rc = 0;

    if (base == NULL || *base == '\0')
        base = "http://127.0.0.1:8080";
    snprintf(url, sizeof url, "%s/post", base);

    f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    fputs("id,name\n1,ada\n2,grace\n", f);
    fclose(f);

    s = session_new();
    req = session_request_new("POST", url);
    session_request_add_form(req, "title", "monthly report");
    /* filename NULL: "report.csv", taken from the path */
    session_request_add_file(req, "report", path, NULL, "text/csv");
    session_request_add_file_data(req, "header", csv_header, sizeof csv_header - 1, "header.csv",
                                  "text/csv");

    r = session_send(s, req);
    if (r->error != SESSION_OK) {
        fprintf(stderr, "POST %s failed: %s (%s)\n", url, session_strerror(r->error),
                r->error_message);
        rc = 1;
    } else {
        printf("POST %s -> %ld; the server saw:\n%s", url, r->status_code, r->body);
    }
    session_response_free(r);
    session_request_free(req);
    session_free(s);
    remove(path);
    return rc;
}
