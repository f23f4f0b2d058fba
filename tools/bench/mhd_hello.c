/* The ceiling of figure 1: a bare libmicrohttpd "hello" server configured like Berth's HTTP server
 * (internal polling threads, epoll, a thread pool of the same size, keep-alive, the same limits),
 * with no routing, no Swift and no addon in the way.
 *
 *   mhd_hello PORT THREADS
 *
 * Answers every request with 200 "Hello!" (text/plain), prints "ready" and serves until SIGINT or
 * SIGTERM. Built by tools/bench/run.sh with: gcc -O2 mhd_hello.c -lmicrohttpd */
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Response *hello;
static int first_call_marker;

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **state) {
    (void)cls; (void)url; (void)method; (void)version; (void)upload_data;
    /* First call: headers only. Queueing now would make libmicrohttpd close the connection
     * after the response, so the response is queued on the second call, as Berth does. */
    if (*state == NULL) {
        *state = &first_call_marker;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(connection, MHD_HTTP_OK, hello);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: mhd_hello PORT THREADS\n");
        return 64;
    }
    unsigned int port = (unsigned int)atoi(argv[1]);
    unsigned int threads = (unsigned int)atoi(argv[2]);
    static const char body[] = "Hello!";
    hello = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(hello, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");

    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL); /* inherited by the pool threads */

    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL, answer, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_LIMIT, 1024u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        /* The same per-connection pool as Berth's default (ServerConfiguration): libmicrohttpd clears
           the pool for every request, so a larger pool here would make the ceiling slower. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
        MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "mhd_hello: cannot start on port %u\n", port);
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    int received;
    sigwait(&signals, &received);
    MHD_stop_daemon(daemon);
    MHD_destroy_response(hello);
    return 0;
}
