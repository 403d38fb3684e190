/* libsession drivers for the bench scenarios, mirroring raw_bench.c.
 * Usage: session_bench MODE URL N [K] [VERSION] [CAFILE]
 *   seq       N sequential session_get calls
 *   par       N GETs in one session_send_all, pool limits K per host and in total
 *   batches   N GETs as session_send_all batches of K, default pool limits (as users call it)
 *   big       N GETs of a large body into memory
 *   stream    as big, the body streamed to a callback that only counts it; prints the
 *             peak RSS growth over the RSS before the first request
 *   threads   K threads sharing one session, N GETs in all
 *   sessions  K threads, each with its own session, N GETs in all
 *   flat      N sequential GETs, printing RSS (KiB) after 10% and after all of them
 *   memory    bytes per idle session (N sessions) and per pooled connection (K connections)
 *   cached    N sequential session_get calls with the HTTP cache in memory, primed first
 *             (each a hit: the URL must be fresh)
 *   diskcached  the same with the cache in a fresh temporary directory
 *   revalidated N sequential requests in SESSION_CACHE_NO_CACHE mode, the cache in memory:
 *             each a conditional GET answered 304
 * VERSION: 1.1 (the default here), h2c (prior knowledge), h2 (TLS+ALPN), default (what
 * session_new() gives: nothing set). */
#include <pthread.h>

#include "bench_common.h"
#include "session.h"

static const char *version = "1.1";
static const char *cafile = NULL;
static double total_bytes;

static session_t *new_session(void)
{
    session_t *s = session_new();
    int v = SESSION_HTTP_VERSION_1_1;
    if (strcmp(version, "default") == 0) {
        if (cafile)
            session_set_ca_bundle(s, cafile);
        return s;
    }
    if (strcmp(version, "h2c") == 0)
        v = SESSION_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    else if (strcmp(version, "h2") == 0)
        v = SESSION_HTTP_VERSION_2;
    session_set_http_version(s, v);
    if (cafile)
        session_set_ca_bundle(s, cafile);
    return s;
}

static int seq(session_t *s, const char *url, long n, double *bytes)
{
    long i;
    for (i = 0; i < n; i++) {
        session_response_t *r = session_get(s, url);
        if (r->error != SESSION_OK || r->status_code != 200) {
            fprintf(stderr, "request %ld failed: %s\n", i, r->error_message);
            return 1;
        }
        *bytes += (double)r->body_len;
        session_response_free(r);
    }
    return 0;
}

static size_t count_only(const char *data, size_t len, void *userdata)
{
    (void)data;
    *(double *)userdata += (double)len;
    return len;
}

static int stream(const char *url, long n)
{
    session_t *s = new_session();
    session_request_t *req = session_request_new("GET", url);
    long i, before;
    int rc = 0;
    session_request_set_write_callback(req, count_only, &total_bytes);
    before = bench_maxrss_kb();
    for (i = 0; i < n && rc == 0; i++) {
        session_response_t *r = session_send(s, req);
        if (r->error != SESSION_OK || r->status_code != 200) {
            fprintf(stderr, "request %ld failed: %s\n", i, r->error_message);
            rc = 1;
        }
        session_response_free(r);
    }
    printf("STREAM peak RSS growth KiB: %ld\n", bench_maxrss_kb() - before);
    session_request_free(req);
    session_free(s);
    return rc;
}

/* Checks, counts and frees the m responses of a batch whose first request is number `first`. */
static int take_batch(session_response_t **out, size_t m, long first)
{
    int rc = 0;
    size_t i;
    for (i = 0; i < m; i++) {
        if (out[i]->error != SESSION_OK || out[i]->status_code != 200) {
            fprintf(stderr, "request %ld failed: %s\n", first + (long)i, out[i]->error_message);
            rc = 1;
        }
        total_bytes += (double)out[i]->body_len;
        session_response_free(out[i]);
    }
    return rc;
}

static int par(session_t *s, const char *url, long n, long k)
{
    session_request_t *req = session_request_new("GET", url);
    session_request_t **reqs = malloc((size_t)n * sizeof *reqs);
    session_response_t **out = malloc((size_t)n * sizeof *out);
    long i;
    int rc = 0;
    session_set_pool_limits(s, (size_t)k, (size_t)k);
    for (i = 0; i < n; i++)
        reqs[i] = req;
    if (session_send_all(s, reqs, (size_t)n, out) != SESSION_OK)
        return 1;
    rc = take_batch(out, (size_t)n, 0);
    free(reqs);
    free(out);
    session_request_free(req);
    return rc;
}

/* What a user writes: batches of k, the responses read and freed after each batch. */
static int batches(session_t *s, const char *url, long n, long k)
{
    session_request_t *req = session_request_new("GET", url);
    session_request_t **reqs = malloc((size_t)k * sizeof *reqs);
    session_response_t **out = malloc((size_t)k * sizeof *out);
    long i, done;
    int rc = 0;
    for (i = 0; i < k; i++)
        reqs[i] = req;
    for (done = 0; done < n && rc == 0; done += k) {
        size_t m = (size_t)(n - done < k ? n - done : k);
        if (session_send_all(s, reqs, m, out) != SESSION_OK)
            return 1;
        rc = take_batch(out, m, done);
    }
    free(reqs);
    free(out);
    session_request_free(req);
    return rc;
}

struct job { session_t *s; const char *url; long n; int rc; double bytes; };

static void *thread_main(void *arg)
{
    struct job *j = arg;
    session_t *own = j->s ? NULL : new_session();
    j->rc = seq(j->s ? j->s : own, j->url, j->n, &j->bytes);
    session_free(own);
    return NULL;
}

static int threads(const char *url, long n, long k, int shared)
{
    pthread_t *ts = calloc((size_t)k, sizeof *ts);
    struct job *jobs = calloc((size_t)k, sizeof *jobs);
    session_t *s = shared ? new_session() : NULL;
    long i;
    int rc = 0;
    for (i = 0; i < k; i++) {
        jobs[i].s = s;
        jobs[i].url = url;
        jobs[i].n = n / k;
        pthread_create(&ts[i], NULL, thread_main, &jobs[i]);
    }
    for (i = 0; i < k; i++) {
        pthread_join(ts[i], NULL);
        rc |= jobs[i].rc;
        total_bytes += jobs[i].bytes;
    }
    session_free(s);
    free(ts);
    free(jobs);
    return rc;
}

static int memory(const char *url, long n, long k)
{
    session_t **many = malloc((size_t)n * sizeof *many);
    session_t *s;
    double before, after;
    long i;
    session_request_t *req = session_request_new("GET", url);
    session_request_t **reqs = malloc((size_t)k * sizeof *reqs);
    session_response_t **out = malloc((size_t)k * sizeof *out);
    /* warm up: global init, one request */
    s = new_session();
    seq(s, url, 1, &total_bytes);
    session_free(s);
    before = bench_heap_bytes();
    for (i = 0; i < n; i++)
        many[i] = new_session();
    after = bench_heap_bytes();
    printf("MEMORY heap bytes per idle session: %.0f\n", (after - before) / n);
    for (i = 0; i < n; i++)
        session_free(many[i]);
    free(many);

    s = new_session();
    session_set_pool_limits(s, (size_t)k, (size_t)k);
    for (i = 0; i < k; i++)
        reqs[i] = req;
    /* one round opens the lane; the second keeps k connections idle in it */
    session_send_all(s, reqs, 1, out);
    session_response_free(out[0]);
    before = bench_heap_bytes();
    session_send_all(s, reqs, (size_t)k, out);
    for (i = 0; i < k; i++)
        session_response_free(out[i]);
    after = bench_heap_bytes();
    printf("MEMORY heap bytes per idle pooled connection (%ld idle): %.0f\n", k, (after - before) / (k - 1));
    session_free(s);
    session_request_free(req);
    free(reqs);
    free(out);
    return 0;
}

/* N sequential requests of `req`, each answered with cache status `want`. */
static int seq_cached(session_t *s, const session_request_t *req, long n, int want, double *bytes)
{
    long i;
    for (i = 0; i < n; i++) {
        session_response_t *r = session_send(s, req);
        if (r->error != SESSION_OK || r->status_code != 200 || session_response_cache_status(r) != want) {
            fprintf(stderr, "request %ld: %s, cache status %d\n", i, r->error_message, session_response_cache_status(r));
            return 1;
        }
        *bytes += (double)r->body_len;
        session_response_free(r);
    }
    return 0;
}

/* N hits (or revalidations) of one primed URL; each one's cache status is checked. */
static int cached(const char *url, long n, int on_disk, int revalidate)
{
    char dir[] = "/tmp/libsession-bench-cache-XXXXXX";
    double t0, c0, bytes = 0;
    int rc;
    session_t *s = new_session();
    session_request_t *req = session_request_new("GET", url);
    if (on_disk && mkdtemp(dir) == NULL)
        return 1;
    if (session_set_cache(s, on_disk ? dir : NULL, 64u << 20) != SESSION_OK)
        return 1;
    session_request_set_cache_mode(req, revalidate ? SESSION_CACHE_NO_CACHE : SESSION_CACHE_DEFAULT);
    session_response_free(session_get(s, url)); /* primes the cache (and the connection) */
    t0 = bench_now();
    c0 = bench_cpu();
    rc = seq_cached(s, req, n, revalidate ? SESSION_CACHE_REVALIDATED : SESSION_CACHE_HIT, &bytes);
    bench_report(n, bench_now() - t0, bench_cpu() - c0, bytes);
    session_request_free(req);
    session_free(s);
    if (on_disk) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            rc = 1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *mode, *url;
    long n, k;
    double t0, c0;
    int rc = 0;
    session_t *s;
    if (!bench_args(argc, argv, &mode, &url, &n, &k, &version, &cafile))
        return 2;
    if (strcmp(mode, "memory") == 0)
        return memory(url, n, k);
    if (strcmp(mode, "cached") == 0 || strcmp(mode, "diskcached") == 0 || strcmp(mode, "revalidated") == 0)
        return cached(url, n, strcmp(mode, "diskcached") == 0, strcmp(mode, "revalidated") == 0);
    /* global initialisation (libcurl, OpenSSL) outside the timing, as raw_bench does */
    session_free(session_new());
    t0 = bench_now();
    c0 = bench_cpu();
    if (strcmp(mode, "seq") == 0 || strcmp(mode, "big") == 0) {
        s = new_session();
        rc = seq(s, url, n, &total_bytes);
        session_free(s);
    } else if (strcmp(mode, "stream") == 0) {
        rc = stream(url, n);
    } else if (strcmp(mode, "flat") == 0) {
        long tenth = n / 10;
        s = new_session();
        rc = seq(s, url, tenth, &total_bytes);
        printf("RSS_KB after %ld: %ld\n", tenth, bench_rss_kb());
        rc |= seq(s, url, n - tenth, &total_bytes);
        printf("RSS_KB after %ld: %ld\n", n, bench_rss_kb());
        session_free(s);
    } else if (strcmp(mode, "par") == 0) {
        s = new_session();
        rc = par(s, url, n, k);
        session_free(s);
    } else if (strcmp(mode, "batches") == 0) {
        s = new_session();
        rc = batches(s, url, n, k);
        session_free(s);
    } else if (strcmp(mode, "threads") == 0) {
        rc = threads(url, n, k, 1);
    } else if (strcmp(mode, "sessions") == 0) {
        rc = threads(url, n, k, 0);
    } else {
        return 2;
    }
    if (rc)
        return rc;
    bench_report(n, bench_now() - t0, bench_cpu() - c0, total_bytes);
    return 0;
}
