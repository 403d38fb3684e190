/* Shared helpers of the bench drivers: timing, CPU time, peak RSS, one result line. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <malloc.h>
#include <time.h>

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double bench_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static long bench_maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* Current RSS in KiB (from /proc/self/statm). */
static long bench_rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * 4;
}

/* Heap bytes in use (glibc's mallinfo2). */
static double bench_heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

/* One line the run script parses: requests, seconds, CPU seconds, peak RSS KiB, bytes. */
static void bench_report(long requests, double secs, double cpu, double bytes)
{
    printf("RESULT %ld %.6f %.6f %ld %.0f\n", requests, secs, cpu, bench_maxrss_kb(), bytes);
}

/* The drivers' command line: MODE URL N [K [VERSION [CAFILE]]]; 0 when too short. */
static int bench_args(int argc, char **argv, const char **mode, const char **url, long *n, long *k,
                      const char **version, const char **cafile)
{
    if (argc < 4)
        return 0;
    *mode = argv[1];
    *url = argv[2];
    *n = atol(argv[3]);
    *k = argc > 4 ? atol(argv[4]) : 1;
    if (argc > 5)
        *version = argv[5];
    if (argc > 6)
        *cafile = argv[6];
    return 1;
}
#endif
