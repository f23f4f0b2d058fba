#define _GNU_SOURCE
#include "CBerthLanes.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* A lane's `seq` is even while no handler runs on it and odd while one does; the monitor replaces
   an odd value it saw unchanged for a whole tick with LOST, which the handler's end finds. */
#define LOST UINT64_MAX
#define WAKE_TOKEN 1u
#define DAEMON_TOKEN 2u

struct takeover {
    struct lane *lane;
    struct MHD_Connection *connection; /* NULL: a lane's first thread */
    void *state;
    uint64_t resume_seq; /* the lane's seq from then on: it only grows, so a lost thread never matches it */
    _Atomic int done;
};

struct lane {
    struct berth_lanes *lanes;
    unsigned int index;
    struct MHD_Daemon *daemon;
    int epoll_fd;
    int wake_fd;
    _Atomic uint64_t seq;
    uint64_t last_seen; /* the monitor's */
    struct MHD_Connection *slot_connection;
    void *slot_state;
    /* Where the monitor leaves the takeover record for the thread that lost the lane. */
    _Atomic(struct takeover *) *_Atomic owner_cell;
    _Atomic int stopped;
    /* Set by berth_lanes_wake before it writes wake_fd: a busy lane's thread, which skips its
       blocking wait, still drains without a syscall to find out. */
    _Atomic int wake_pending;
};

struct berth_lanes {
    unsigned int count;
    unsigned int tick_ms;
    berth_lane_access_fn access;
    berth_lane_takeover_fn takeover;
    berth_lane_drain_fn drain;
    void *context;
    _Atomic int stopping;
    _Atomic int monitor_stopped;
    _Atomic uint64_t takeovers;
    int started;
    struct lane lane[];
};

static __thread struct lane *current_lane;
static __thread jmp_buf *current_top;
static __thread int current_lost;
static __thread uint64_t begun_seq;
static berth_lane_access_fn registered_access;
static __thread _Atomic(struct takeover *) lost_record;
/* Access-handler calls on this thread: a pass of MHD_run that made any tells the loop to poll
   again before it blocks. */
static __thread uint64_t access_calls;

int64_t berth_lanes_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int berth_allowed_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
    return CPU_COUNT(&set);
}

struct berth_lanes *berth_lanes_create(unsigned int count, unsigned int tick_ms, berth_lane_access_fn access,
                                       berth_lane_takeover_fn takeover, berth_lane_drain_fn drain, void *context) {
    if (count == 0) count = 1;
    struct berth_lanes *lanes = calloc(1, sizeof *lanes + count * sizeof(struct lane));
    if (lanes == NULL) return NULL;
    lanes->count = count;
    lanes->tick_ms = tick_ms ? tick_ms : 5;
    lanes->access = access;
    registered_access = access;
    lanes->takeover = takeover;
    lanes->drain = drain;
    lanes->context = context;
    for (unsigned int i = 0; i < count; i++) {
        struct lane *lane = &lanes->lane[i];
        lane->lanes = lanes;
        lane->index = i;
        lane->epoll_fd = -1;
        lane->wake_fd = -1;
    }
    return lanes;
}

void berth_lanes_set_context(struct berth_lanes *lanes, void *context) {
    lanes->context = context;
}

int berth_lanes_attach(struct berth_lanes *lanes, unsigned int index, struct MHD_Daemon *daemon) {
    if (index >= lanes->count) {
        errno = EINVAL;
        return -1;
    }
    struct lane *lane = &lanes->lane[index];
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (info == NULL) {
        errno = EINVAL;
        return -1;
    }
    int inner = info->epoll_fd;
    lane->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (lane->epoll_fd < 0) return -1;
    lane->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (lane->wake_fd < 0) return -1;
    struct epoll_event event = { .events = EPOLLIN, .data.u32 = WAKE_TOKEN };
    if (epoll_ctl(lane->epoll_fd, EPOLL_CTL_ADD, lane->wake_fd, &event) != 0) return -1;
    /* libmicrohttpd's own epoll set, nested: readable whenever MHD_run has events to handle. */
    event.data.u32 = DAEMON_TOKEN;
    if (epoll_ctl(lane->epoll_fd, EPOLL_CTL_ADD, inner, &event) != 0) return -1;
    lane->daemon = daemon;
    return 0;
}

void berth_lanes_wake(struct berth_lanes *lanes, unsigned int index) {
    if (index >= lanes->count) return;
    uint64_t one = 1;
    atomic_store_explicit(&lanes->lane[index].wake_pending, 1, memory_order_release);
    ssize_t ignored = write(lanes->lane[index].wake_fd, &one, sizeof one);
    (void)ignored;
}

static void *lane_main(void *argument) {
    struct takeover *start = argument;
    struct lane *const lane = start->lane;
    struct berth_lanes *const lanes = lane->lanes;
    jmp_buf top;
    if (setjmp(top) != 0) {
        /* Back from a handler that overran: another thread drives this lane now. */
        current_lane = NULL;
        current_top = NULL;
        current_lost = 0;
        return NULL;
    }
    current_lane = lane;
    current_top = &top;
    current_lost = 0;
    atomic_store(&lost_record, NULL);
    atomic_store(&lane->owner_cell, &lost_record);
    atomic_store(&lane->seq, start->resume_seq);
    if (start->connection != NULL) {
        lanes->takeover(lanes->context, start->connection, start->state);
        atomic_store_explicit(&start->done, 1, memory_order_release);
    } else {
        free(start);
    }
    struct epoll_event events[4];
    int busy = 0;
    while (!atomic_load_explicit(&lanes->stopping, memory_order_acquire)) {
        /* A pass of MHD_run that served requests is followed by another one at once: libmicrohttpd
           polls its own epoll set without waiting, so a busy lane makes one epoll_wait per pass,
           not two. Only an idle lane waits here, on its daemon's set and its wake-up. */
        if (!busy) {
            MHD_UNSIGNED_LONG_LONG timeout = 0;
            int wait_ms = 500;
            if (MHD_get_timeout(lane->daemon, &timeout) == MHD_YES) wait_ms = timeout < 500 ? (int)timeout : 500;
            int count = epoll_wait(lane->epoll_fd, events, 4, wait_ms);
            for (int i = 0; i < count; i++) {
                if (events[i].data.u32 == WAKE_TOKEN) atomic_store_explicit(&lane->wake_pending, 1, memory_order_relaxed);
            }
        }
        if (atomic_exchange_explicit(&lane->wake_pending, 0, memory_order_acquire)) {
            uint64_t value;
            ssize_t ignored = read(lane->wake_fd, &value, sizeof value);
            (void)ignored;
            if (!atomic_load(&lanes->stopping)) lanes->drain(lanes->context, lane->index);
        }
        uint64_t calls = access_calls;
        MHD_run(lane->daemon);
        busy = access_calls != calls;
    }
    atomic_store(&lane->stopped, 1);
    current_lane = NULL;
    current_top = NULL;
    return NULL;
}

static int spawn(struct takeover *start) {
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int status = pthread_create(&thread, &attributes, lane_main, start);
    pthread_attr_destroy(&attributes);
    if (status == 0) pthread_setname_np(thread, "berth-lane");
    return status;
}

static void *monitor_main(void *argument) {
    struct berth_lanes *lanes = argument;
    struct timespec tick = { lanes->tick_ms / 1000, (long)(lanes->tick_ms % 1000) * 1000000L };
    while (!atomic_load(&lanes->stopping)) {
        nanosleep(&tick, NULL);
        for (unsigned int i = 0; i < lanes->count; i++) {
            struct lane *lane = &lanes->lane[i];
            uint64_t seen = atomic_load_explicit(&lane->seq, memory_order_acquire);
            if (!(seen & 1) || seen == LOST || seen != lane->last_seen) {
                lane->last_seen = seen;
                continue;
            }
            /* The same handler for a whole tick: take the lane from its thread. */
            uint64_t expected = seen;
            if (!atomic_compare_exchange_strong(&lane->seq, &expected, LOST)) {
                lane->last_seen = expected;
                continue;
            }
            lane->last_seen = LOST;
            struct takeover *record = calloc(1, sizeof *record);
            _Atomic(struct takeover *) *cell = atomic_load(&lane->owner_cell);
            if (record == NULL) {
                /* Cannot happen in practice; the old thread waits on a record that never comes. */
                continue;
            }
            record->lane = lane;
            record->connection = lane->slot_connection;
            record->state = lane->slot_state;
            record->resume_seq = seen + 1;
            atomic_store(&lane->owner_cell, NULL);
            atomic_fetch_add(&lanes->takeovers, 1);
            if (spawn(record) != 0) {
                /* No thread: the lane stays with its blocked thread. */
                record->connection = NULL;
            }
            if (cell != NULL) atomic_store_explicit(cell, record, memory_order_release);
        }
    }
    atomic_store(&lanes->monitor_stopped, 1);
    return NULL;
}

int berth_lanes_start(struct berth_lanes *lanes) {
    for (unsigned int i = 0; i < lanes->count; i++) {
        struct takeover *start = calloc(1, sizeof *start);
        if (start == NULL) return ENOMEM;
        start->lane = &lanes->lane[i];
        int status = spawn(start);
        if (status != 0) {
            free(start);
            return status;
        }
    }
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int status = pthread_create(&thread, &attributes, monitor_main, lanes);
    pthread_attr_destroy(&attributes);
    if (status == 0) pthread_setname_np(thread, "berth-lanes");
    lanes->started = status == 0;
    return status;
}

int berth_lanes_stop(struct berth_lanes *lanes, int64_t deadline_ns) {
    atomic_store(&lanes->stopping, 1);
    for (unsigned int i = 0; i < lanes->count; i++) berth_lanes_wake(lanes, i);
    int left;
    do {
        left = 0;
        for (unsigned int i = 0; i < lanes->count; i++) left += !atomic_load(&lanes->lane[i].stopped);
        if (left == 0 && (!lanes->started || atomic_load(&lanes->monitor_stopped))) return 0;
        struct timespec pause_for = { 0, 1000000 };
        nanosleep(&pause_for, NULL);
    } while (berth_lanes_now() < deadline_ns);
    return left ? left : 0;
}

int berth_lanes_lane_stopped(struct berth_lanes *lanes, unsigned int index) {
    return index < lanes->count && atomic_load(&lanes->lane[index].stopped);
}

uint64_t berth_lanes_takeovers(struct berth_lanes *lanes) {
    return atomic_load(&lanes->takeovers);
}

void berth_lanes_destroy(struct berth_lanes *lanes) {
    if (lanes == NULL) return;
    for (unsigned int i = 0; i < lanes->count; i++) {
        if (lanes->lane[i].epoll_fd >= 0) close(lanes->lane[i].epoll_fd);
        if (lanes->lane[i].wake_fd >= 0) close(lanes->lane[i].wake_fd);
    }
    free(lanes);
}

int berth_lane_active(void) {
    return current_lane != NULL;
}

void berth_lane_handler_begin(struct MHD_Connection *connection, void *state) {
    struct lane *lane = current_lane;
    if (lane == NULL) return;
    lane->slot_connection = connection;
    lane->slot_state = state;
    begun_seq = atomic_load_explicit(&lane->seq, memory_order_relaxed) | 1;
    atomic_store_explicit(&lane->seq, begun_seq, memory_order_release);
}

int berth_lane_handler_end(void) {
    struct lane *lane = current_lane;
    if (lane == NULL) return 0;
    uint64_t expected = begun_seq;
    if (atomic_compare_exchange_strong(&lane->seq, &expected, begun_seq + 1)) return 0;
    /* Lost: wait for the new thread to have suspended the connection. */
    struct takeover *record;
    while ((record = atomic_load_explicit(&lost_record, memory_order_acquire)) == NULL) sched_yield();
    while (record->connection != NULL && !atomic_load_explicit(&record->done, memory_order_acquire)) sched_yield();
    int taken = record->connection != NULL;
    free(record);
    atomic_store(&lost_record, NULL);
    if (!taken) {
        /* No thread could be started: this one keeps the lane. */
        atomic_store(&lane->owner_cell, &lost_record);
        atomic_store(&lane->seq, begun_seq + 1);
        return 0;
    }
    current_lost = 1;
    return 1;
}

enum MHD_Result berth_lane_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls) {
    access_calls++;
    enum MHD_Result result = registered_access(cls, connection, url, method, version, upload_data, upload_data_size, con_cls);
    if (current_lost) longjmp(*current_top, 1);
    return result;
}
