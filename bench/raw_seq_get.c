/* Raw libcurl baseline: N sequential GETs on one reused easy handle, body kept in memory.
 * Usage: raw_seq_get URL N */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LIBSESSION_VERSION
#define LIBSESSION_VERSION "0.1.0"
#endif

struct buf { char *data; size_t len; };

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    struct buf *b = userdata;
    char *grown = realloc(b->data, b->len + size * n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + b->len, data, size * n);
    b->data = grown;
    b->len += size * n;
    return size * n;
}

int main(int argc, char **argv)
{
    CURL *h;
    int i, n;
    if (argc != 3)
        return 2;
    n = atoi(argv[2]);
    h = curl_easy_init();
    /* the same request bytes as libsession's default headers */
    curl_easy_setopt(h, CURLOPT_USERAGENT, "libsession/" LIBSESSION_VERSION);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip, deflate, br, zstd");
    for (i = 0; i < n; i++) {
        struct buf b = {NULL, 0};
        curl_easy_setopt(h, CURLOPT_URL, argv[1]);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        if (curl_easy_perform(h) != CURLE_OK) {
            fprintf(stderr, "request %d failed\n", i);
            return 1;
        }
        free(b.data);
    }
    curl_easy_cleanup(h);
    return 0;
}
