/* Raw libcurl baselines, driven the most efficient way: one reused easy handle for
 * sequential requests, one multi handle for parallel ones.
 * Usage: raw_bench MODE URL N [K] [VERSION] [CAFILE]
 *   seq     N sequential GETs, body in memory
 *   par     N GETs with K in flight on one multi handle
 *   batches N GETs in batches of K on one multi handle: each batch all done before the next
 *           (the shape of session_send_all called once per batch)
 *   big     N GETs of a large body into memory (libcurl's default 16 KiB buffer)
 *   stream  as big, body handed to a callback that only counts it
 *   threads K threads, each with its own easy handle, N GETs in all
 * VERSION: 1.1 (the default here), h2c (prior knowledge), h2 (TLS+ALPN), default (libcurl's
 * own: nothing set). */
#include <curl/curl.h>
#include <pthread.h>

#include "bench_common.h"

#ifndef LIBSESSION_VERSION
#define LIBSESSION_VERSION "0.1.0"
#endif

struct buf { char *data; size_t len; size_t cap; };

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    struct buf *b = userdata;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        char *grown;
        while (cap < b->len + add + 1)
            cap *= 2;
        grown = realloc(b->data, cap);
        if (grown == NULL)
            return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, add);
    b->len += add;
    return add;
}

static size_t count_only(char *data, size_t size, size_t n, void *userdata)
{
    (void)data;
    *(size_t *)userdata += size * n;
    return size * n;
}

static const char *version = "1.1";
static const char *cafile = NULL;

static void common(CURL *h, const char *url)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    if (strcmp(version, "h2c") == 0)
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
    else if (strcmp(version, "h2") == 0)
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    else if (strcmp(version, "default") != 0)
        curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (cafile)
        curl_easy_setopt(h, CURLOPT_CAINFO, cafile);
    curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    /* the same request bytes as libsession's default headers (requests' defaults) */
    curl_easy_setopt(h, CURLOPT_USERAGENT, "libsession/" LIBSESSION_VERSION);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip, deflate, br, zstd");
}

static double total_bytes;

static int seq(const char *url, long n, int stream)
{
    CURL *h = curl_easy_init();
    long i;
    common(h, url);
    for (i = 0; i < n; i++) {
        struct buf b = {NULL, 0, 0};
        size_t counted = 0;
        if (stream) {
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, count_only);
            curl_easy_setopt(h, CURLOPT_WRITEDATA, &counted);
        } else {
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
            curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        }
        long status = 0;
        if (curl_easy_perform(h) != CURLE_OK ||
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200) {
            fprintf(stderr, "request %ld failed (status %ld)\n", i, status);
            return 1;
        }
        total_bytes += stream ? counted : b.len;
        free(b.data);
    }
    curl_easy_cleanup(h);
    return 0;
}

static int par(const char *url, long n, long k, int batches)
{
    CURLM *m = curl_multi_init();
    CURL **hs = calloc((size_t)k, sizeof *hs);
    struct buf *bufs = calloc((size_t)k, sizeof *bufs);
    long started = 0, done = 0, i;
    long finished = 0; /* of the current batch (batches mode) */
    int running = 0;
    curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, k);
    for (i = 0; i < k && started < n; i++, started++) {
        hs[i] = curl_easy_init();
        common(hs[i], url);
        curl_easy_setopt(hs[i], CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(hs[i], CURLOPT_WRITEDATA, &bufs[i]);
        curl_easy_setopt(hs[i], CURLOPT_PRIVATE, (void *)(size_t)i);
        curl_multi_add_handle(m, hs[i]);
    }
    while (done < n) {
        CURLMsg *msg;
        int left;
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            size_t slot;
            void *priv;
            if (msg->msg != CURLMSG_DONE)
                continue;
            if (msg->data.result != CURLE_OK) {
                fprintf(stderr, "transfer failed: %s\n", curl_easy_strerror(msg->data.result));
                return 1;
            }
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            slot = (size_t)priv;
            done++;
            total_bytes += bufs[slot].len;
            free(bufs[slot].data);
            memset(&bufs[slot], 0, sizeof bufs[slot]);
            curl_multi_remove_handle(m, msg->easy_handle);
            if (batches) {
                hs[finished++] = msg->easy_handle;
            } else if (started < n) {
                started++;
                curl_multi_add_handle(m, msg->easy_handle);
            }
        }
        if (batches && done < n && done == started) {
            for (i = 0; i < finished && started < n; i++, started++)
                curl_multi_add_handle(m, hs[i]);
            finished = 0;
            continue;
        }
        if (done < n)
            curl_multi_poll(m, NULL, 0, 1000, NULL);
    }
    for (i = 0; i < k; i++) {
        if (hs[i]) {
            curl_multi_remove_handle(m, hs[i]);
            curl_easy_cleanup(hs[i]);
        }
    }
    curl_multi_cleanup(m);
    free(hs);
    free(bufs);
    return 0;
}

struct job { const char *url; long n; int rc; };

static void *thread_main(void *arg)
{
    struct job *j = arg;
    j->rc = seq(j->url, j->n, 0);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode, *url;
    long n, k;
    double t0, c0;
    int rc = 0;
    if (!bench_args(argc, argv, &mode, &url, &n, &k, &version, &cafile))
        return 2;
    curl_global_init(CURL_GLOBAL_ALL);
    t0 = bench_now();
    c0 = bench_cpu();
    if (strcmp(mode, "seq") == 0 || strcmp(mode, "big") == 0) {
        rc = seq(url, n, 0);
    } else if (strcmp(mode, "stream") == 0) {
        long before = bench_maxrss_kb();
        rc = seq(url, n, 1);
        printf("STREAM peak RSS growth KiB: %ld\n", bench_maxrss_kb() - before);
    } else if (strcmp(mode, "par") == 0) {
        rc = par(url, n, k, 0);
    } else if (strcmp(mode, "batches") == 0) {
        rc = par(url, n, k, 1);
    } else if (strcmp(mode, "threads") == 0) {
        pthread_t *ts = calloc((size_t)k, sizeof *ts);
        struct job *jobs = calloc((size_t)k, sizeof *jobs);
        long i;
        for (i = 0; i < k; i++) {
            jobs[i].url = url;
            jobs[i].n = n / k;
            pthread_create(&ts[i], NULL, thread_main, &jobs[i]);
        }
        for (i = 0; i < k; i++) {
            pthread_join(ts[i], NULL);
            rc |= jobs[i].rc;
        }
        free(ts);
        free(jobs);
    } else {
        return 2;
    }
    if (rc)
        return rc;
    bench_report(n, bench_now() - t0, bench_cpu() - c0, total_bytes);
    curl_global_cleanup();
    return 0;
}
