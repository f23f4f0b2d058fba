#define _GNU_SOURCE
#include "CBerthCrash.h"
#include "guard_text.h"

#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { SLOT_FREE = 0, SLOT_ACTIVE = 1, SLOT_EXPIRED = 2, SLOT_CRASHED = 3 };

#define TABLE_MAGIC 0x42525448u /* "BRTH" */
#define ALTSTACK_SIZE (64 * 1024)

struct slot {
    _Atomic uint32_t state;
    uint32_t is_host;
    int32_t fd;
    uint32_t reserved;
    int64_t started_ns;
    int64_t deadline_ns;
    int64_t expired_ns;
    char owner[BERTH_GUARD_OWNER_CAPACITY];
    char route[BERTH_GUARD_ROUTE_CAPACITY];
    char request_id[BERTH_GUARD_REQUEST_ID_CAPACITY];
};

/* The Swift runtime keeps the text of the last fatal error ("file:line: Fatal error: …") here for
   crash reporters; weak, so a runtime without it leaves it NULL. */
extern const char **swift_getFatalErrorMessageBuffer(void) __attribute__((weak));

struct header {
    uint32_t magic;
    uint32_t slot_count;
    _Atomic int32_t high_water; /* one past the highest slot ever used: scans stop there */
    _Atomic uint32_t crashed;
    char crash_owner[BERTH_GUARD_OWNER_CAPACITY];
    char padding[128 - 16 - BERTH_GUARD_OWNER_CAPACITY];
};

static struct header *table;
static struct slot *slots;
static int report_fd = -1;

/* Initial-exec TLS: the executable's block is allocated with the thread, so the signal handler
   reads it without calling into the dynamic loader. */
static __thread int current_ticket __attribute__((tls_model("initial-exec"))) = -1;
static __thread int altstack_ready __attribute__((tls_model("initial-exec")));

static size_t table_size(uint32_t count) {
    return sizeof(struct header) + (size_t)count * sizeof(struct slot);
}

int64_t berth_guard_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int berth_guard_table_create(uint32_t count) {
    int fd = memfd_create("berth-worker-slots", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (ftruncate(fd, (off_t)table_size(count)) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    struct header first = { .magic = TABLE_MAGIC, .slot_count = count };
    if (pwrite(fd, &first, sizeof first, 0) != (ssize_t)sizeof first) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static void *map_table(int fd, int prot) {
    struct header peek;
    if (pread(fd, &peek, sizeof peek, 0) != (ssize_t)sizeof peek) return MAP_FAILED;
    if (peek.magic != TABLE_MAGIC) {
        errno = EINVAL;
        return MAP_FAILED;
    }
    return mmap(NULL, table_size(peek.slot_count), prot, MAP_SHARED, fd, 0);
}

int berth_guard_attach(int fd) {
    void *memory = map_table(fd, PROT_READ | PROT_WRITE);
    if (memory == MAP_FAILED) return -1;
    table = memory;
    slots = (struct slot *)(table + 1);
    return 0;
}

/* Writes a complete HTTP response with a JSON error body, then shuts the socket so the client sees
   the end of it whatever the server does with the connection afterwards. */
static void answer(int fd, const char *request_id, const char *status_line, const char *code, const char *message_start, const char *owner, const char *message_end) {
    char body[512];
    size_t length = 0;
    length = guard_append(body, length, sizeof body, "{\"error\":{\"code\":\"");
    length = guard_append(body, length, sizeof body, code);
    length = guard_append(body, length, sizeof body, "\",\"message\":\"");
    length = guard_append(body, length, sizeof body, message_start);
    length = guard_append(body, length, sizeof body, owner);
    length = guard_append(body, length, sizeof body, message_end);
    length = guard_append(body, length, sizeof body, "\",\"addon\":\"");
    length = guard_append(body, length, sizeof body, owner);
    length = guard_append(body, length, sizeof body, "\"}}");

    char response[1024];
    size_t at = 0;
    at = guard_append(response, at, sizeof response, status_line);
    at = guard_append(response, at, sizeof response, "\r\nContent-Type: application/json\r\nConnection: close\r\n");
    if (request_id[0]) {
        at = guard_append(response, at, sizeof response, "X-Request-ID: ");
        at = guard_append(response, at, sizeof response, request_id);
        at = guard_append(response, at, sizeof response, "\r\n");
    }
    at = guard_append(response, at, sizeof response, "Content-Length: ");
    at = guard_append_number(response, at, sizeof response, length);
    at = guard_append(response, at, sizeof response, "\r\n\r\n");
    at = guard_append(response, at, sizeof response, body);

    size_t sent = 0;
    int attempts = 0;
    while (sent < at && attempts++ < 100) {
        ssize_t count = send(fd, response + sent, at - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (count > 0) {
            sent += (size_t)count;
        } else if (count < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct timespec pause_for = { 0, 1000000 };
            nanosleep(&pause_for, NULL);
        } else {
            break;
        }
    }
    shutdown(fd, SHUT_RDWR);
}

static void report(const char *owner) {
    if (report_fd < 0) return;
    char line[160];
    size_t at = 0;
    at = guard_append(line, at, sizeof line, "crash ");
    at = guard_append_number(line, at, sizeof line, (unsigned long)getpid());
    at = guard_append(line, at, sizeof line, " ");
    at = guard_append(line, at, sizeof line, owner[0] ? owner : "-");
    at = guard_append(line, at, sizeof line, "\n");
    /* Shorter than PIPE_BUF: one atomic write, never interleaved with other workers' lines. */
    ssize_t ignored = write(report_fd, line, at);
    (void)ignored;
}

/* One JSON log line naming the addon, route and request of a crashed handler and the Swift
   runtime's fatal message, then the thread's backtrace as the C library symbolizes it. */
static void describe_crash(const struct slot *slot, int signal_number) {
    char line[3072];
    size_t at = 0;
    at = guard_append(line, at, sizeof line, "{\"level\":\"error\",\"label\":\"berth\",\"message\":\"an addon's handler crashed\",\"addon\":\"");
    at = guard_append_json(line, at, sizeof line, slot->owner);
    at = guard_append(line, at, sizeof line, "\",\"route\":\"");
    at = guard_append_json(line, at, sizeof line, slot->route[0] ? slot->route : "unknown");
    at = guard_append(line, at, sizeof line, "\",\"request_id\":\"");
    at = guard_append_json(line, at, sizeof line, slot->request_id[0] ? slot->request_id : "unknown");
    at = guard_append(line, at, sizeof line, "\",\"signal\":");
    at = guard_append_number(line, at, sizeof line, (unsigned long)signal_number);
    at = guard_append(line, at, sizeof line, ",\"pid\":");
    at = guard_append_number(line, at, sizeof line, (unsigned long)getpid());
    at = guard_append(line, at, sizeof line, ",\"fatal_error\":");
    const char *fatal = swift_getFatalErrorMessageBuffer ? *swift_getFatalErrorMessageBuffer() : NULL;
    if (fatal != NULL && fatal[0]) {
        char trimmed[1024];
        size_t length = 0;
        length = guard_append(trimmed, length, sizeof trimmed, fatal);
        while (length > 0 && (trimmed[length - 1] == '\n' || trimmed[length - 1] == ' ')) trimmed[--length] = 0;
        at = guard_append(line, at, sizeof line, "\"");
        at = guard_append_json(line, at, sizeof line, trimmed);
        at = guard_append(line, at, sizeof line, "\"");
    } else {
        at = guard_append(line, at, sizeof line, "null");
    }
    at = guard_append(line, at, sizeof line, "}\n");
    ssize_t ignored = write(2, line, at);
    (void)ignored;

    void *frames[64];
    int count = backtrace(frames, 64);
    if (count > 0) {
        at = 0;
        at = guard_append(line, at, sizeof line, "backtrace of the crashed handler (worker ");
        at = guard_append_number(line, at, sizeof line, (unsigned long)getpid());
        at = guard_append(line, at, sizeof line, ", request ");
        at = guard_append(line, at, sizeof line, slot->request_id[0] ? slot->request_id : "unknown");
        at = guard_append(line, at, sizeof line, "):\n");
        ignored = write(2, line, at);
        backtrace_symbols_fd(frames, count, 2);
    }
}

static void say(const char *owner, int signal_number) {
    char line[200];
    size_t at = 0;
    at = guard_append(line, at, sizeof line, "berth worker ");
    at = guard_append_number(line, at, sizeof line, (unsigned long)getpid());
    if (signal_number == 0) {
        at = guard_append(line, at, sizeof line, ": exit() called");
    } else {
        at = guard_append(line, at, sizeof line, ": fatal signal ");
        at = guard_append_number(line, at, sizeof line, (unsigned long)signal_number);
    }
    at = guard_append(line, at, sizeof line, owner[0] ? " in a handler of " : " outside any addon handler");
    at = guard_append(line, at, sizeof line, owner);
    at = guard_append(line, at, sizeof line, "\n");
    ssize_t ignored = write(2, line, at);
    (void)ignored;
}

/* The change of the home in progress, if any (see berth_guard_set_change). `change_active` is
   cleared before the buffers are rewritten, so the signal handler never reads a half-written one. */
static _Atomic int change_active;
static _Atomic int change_crashed;
static char change_owner[BERTH_GUARD_OWNER_CAPACITY];
static char change_what[160];

void berth_guard_set_change(const char *owner, const char *what) {
    atomic_store(&change_active, 0);
    if (owner == NULL) return;
    guard_copy_owner(change_owner, owner);
    guard_copy_out(change_what, sizeof change_what, what ? what : "");
    atomic_store(&change_active, 1);
}

static const int fatal_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT };
#define FATAL_COUNT (sizeof fatal_signals / sizeof fatal_signals[0])
/* What was installed before (the Swift runtime's backtracer, if enabled): restored to die with. */
static struct sigaction previous_actions[FATAL_COUNT];

static void on_fatal_signal(int signal_number, siginfo_t *info, void *context) {
    (void)info;
    (void)context;
    int ticket = current_ticket;
    if (table != NULL && ticket >= 0) {
        struct slot *slot = &slots[ticket];
        uint32_t expected = SLOT_ACTIVE;
        if (!slot->is_host && atomic_compare_exchange_strong(&slot->state, &expected, SLOT_CRASHED)) {
            /* An addon's handler crashed on this thread: answer its request, tell the supervisor,
               and park the thread. The supervisor starts a replacement at once and drains this
               worker: its other requests finish, then it exits. */
            guard_copy_owner(table->crash_owner, slot->owner);
            atomic_store(&table->crashed, 1);
            say(slot->owner, signal_number);
            describe_crash(slot, signal_number);
            answer(slot->fd, slot->request_id, "HTTP/1.1 502 Bad Gateway", "addon_crashed", "addon ", slot->owner,
                   " crashed while handling this request; its worker is being replaced");
            report(slot->owner);
            for (;;) pause();
        }
    }

    /* Not an addon's handler on this thread (host code, or an addon's code resumed on another
       thread): the process cannot be trusted to go on. Blame the addon if it is the only one with
       handlers running, answer its requests, and die with the original signal. */
    if (table != NULL && atomic_load(&change_active)) {
        /* A change of the home was running addon code (its entry, routes() or start()) outside
           any handler: blame that addon, and park this thread (it holds the lifecycle actor; the
           home's lock goes with the process). The waiting admin request is answered when the
           drained worker ends, and the supervisor then undoes the change from its journal. */
        guard_copy_owner(table->crash_owner, change_owner);
        atomic_store(&change_crashed, 1);
        atomic_store(&table->crashed, 1);
        say(change_owner, signal_number);
        report(change_owner);
        for (;;) pause();
    }
    char owner[BERTH_GUARD_OWNER_CAPACITY] = "";
    if (table != NULL) {
        int high = atomic_load(&table->high_water);
        for (int i = 0; i < high; i++) {
            if (atomic_load(&slots[i].state) != SLOT_ACTIVE || slots[i].is_host) continue;
            if (owner[0] == 0) {
                guard_copy_owner(owner, slots[i].owner);
            } else if (strcmp(owner, slots[i].owner) != 0) {
                owner[0] = 0;
                break;
            }
        }
        if (owner[0] && signal_number != SIGABRT) {
            guard_copy_owner(table->crash_owner, owner);
            for (int i = 0; i < high; i++) {
                uint32_t expected = SLOT_ACTIVE;
                if (!slots[i].is_host && strcmp(owner, slots[i].owner) == 0 && atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_CRASHED)) {
                    answer(slots[i].fd, slots[i].request_id, "HTTP/1.1 502 Bad Gateway", "addon_crashed", "addon ", owner,
                           " crashed while handling this request; its worker is being replaced");
                }
            }
        }
        if (owner[0] && signal_number == SIGABRT) guard_copy_owner(table->crash_owner, owner);
        atomic_store(&table->crashed, 1);
    }
    say(owner, signal_number);
    report(owner);
    if (signal_number == SIGABRT && table != NULL) {
        /* abort() called by this thread's own code (an addon's handler resumed on a thread the
           guard does not know): nothing else is broken, so the thread parks instead of taking
           every connection of the worker with it; the supervisor drains the worker. */
        for (;;) pause();
    }
    for (size_t i = 0; i < FATAL_COUNT; i++) {
        if (fatal_signals[i] == signal_number) sigaction(signal_number, &previous_actions[i], NULL);
    }
    /* Pending until this handler returns; a fault re-executes the faulting instruction anyway. */
    raise(signal_number);
}

int berth_guard_install(int fd) {
    report_fd = fd;
    /* The first backtrace() loads the unwinder, which allocates: do it now, not in the handler. */
    void *warm_up[1];
    (void)backtrace(warm_up, 1);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fatal_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < FATAL_COUNT; i++) {
        if (sigaction(fatal_signals[i], &action, &previous_actions[i]) != 0) return -1;
    }
    return 0;
}

/* A stack overflow in a handler must still reach the signal handler: give each thread that runs
   handlers an alternate signal stack, once. */
static void ensure_altstack(void) {
    if (altstack_ready) return;
    altstack_ready = 1;
    stack_t existing;
    if (sigaltstack(NULL, &existing) == 0 && !(existing.ss_flags & SS_DISABLE)) return;
    void *memory = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    stack_t stack = { .ss_sp = memory, .ss_flags = 0, .ss_size = ALTSTACK_SIZE };
    sigaltstack(&stack, NULL);
}

int berth_guard_begin(const char *owner, int fd, int is_host, int64_t timeout_ns) {
    if (table == NULL || fd < 0 || (uint32_t)fd >= table->slot_count) return -1;
    struct slot *slot = &slots[fd];
    /* A socket's slot is free whenever a new request arrives on it: its previous handler finished,
       or its connection is still held (expired, crashed) and cannot carry a new request. */
    if (atomic_load_explicit(&slot->state, memory_order_acquire) != SLOT_FREE) return -1;
    ensure_altstack();
    guard_copy_owner(slot->owner, owner);
    slot->route[0] = 0;
    slot->request_id[0] = 0;
    slot->fd = fd;
    slot->is_host = is_host ? 1 : 0;
    int64_t now = timeout_ns > 0 ? berth_guard_now() : 0;
    slot->started_ns = now;
    slot->deadline_ns = timeout_ns > 0 ? now + timeout_ns : 0;
    slot->expired_ns = 0;
    atomic_store_explicit(&slot->state, SLOT_ACTIVE, memory_order_release);
    int high = atomic_load_explicit(&table->high_water, memory_order_relaxed);
    while (fd + 1 > high && !atomic_compare_exchange_weak(&table->high_water, &high, fd + 1)) {}
    current_ticket = fd;
    return fd;
}

void berth_guard_describe(int ticket, const char *method, const char *pattern, const char *request_id) {
    if (table == NULL || ticket < 0 || (uint32_t)ticket >= table->slot_count) return;
    struct slot *slot = &slots[ticket];
    size_t at = 0;
    at = guard_append(slot->route, at, sizeof slot->route, method);
    at = guard_append(slot->route, at, sizeof slot->route, " ");
    at = guard_append(slot->route, at, sizeof slot->route, pattern);
    guard_copy_out(slot->request_id, sizeof slot->request_id, request_id);
}

void berth_guard_left_thread(int ticket) {
    if (current_ticket == ticket) current_ticket = -1;
}

int berth_guard_finish(int ticket) {
    if (table == NULL || ticket < 0) return 0;
    if (current_ticket == ticket) current_ticket = -1;
    struct slot *slot = &slots[ticket];
    uint32_t expected = SLOT_ACTIVE;
    if (atomic_compare_exchange_strong(&slot->state, &expected, SLOT_FREE)) return 0;
    /* Expired: the 504 went out already. Free the slot for the socket's next life. */
    if (expected == SLOT_EXPIRED) atomic_store(&slot->state, SLOT_FREE);
    return 1;
}

int berth_guard_expire(char *owners, size_t capacity) {
    if (table == NULL) return 0;
    int room = (int)(capacity / BERTH_GUARD_OWNER_CAPACITY);
    int64_t now = berth_guard_now();
    int high = atomic_load(&table->high_water);
    int count = 0;
    for (int i = 0; i < high && count < room; i++) {
        struct slot *slot = &slots[i];
        if (atomic_load_explicit(&slot->state, memory_order_acquire) != SLOT_ACTIVE) continue;
        if (slot->deadline_ns == 0 || now < slot->deadline_ns) continue;
        uint32_t expected = SLOT_ACTIVE;
        if (!atomic_compare_exchange_strong(&slot->state, &expected, SLOT_EXPIRED)) continue;
        slot->expired_ns = now;
        char seconds[32];
        snprintf(seconds, sizeof seconds, " did not answer within %lld ms", (long long)((slot->deadline_ns - slot->started_ns) / 1000000));
        answer(slot->fd, slot->request_id, "HTTP/1.1 504 Gateway Timeout", "handler_timeout", "addon ", slot->owner, seconds);
        guard_copy_out(owners + (size_t)count * BERTH_GUARD_OWNER_CAPACITY, BERTH_GUARD_OWNER_CAPACITY, slot->owner);
        count++;
    }
    return count;
}

int berth_guard_stuck(int64_t grace_ns, char *owner, size_t capacity) {
    if (table == NULL) return 0;
    int64_t now = berth_guard_now();
    int high = atomic_load(&table->high_water);
    int count = 0;
    for (int i = 0; i < high; i++) {
        struct slot *slot = &slots[i];
        uint32_t state = atomic_load_explicit(&slot->state, memory_order_acquire);
        int stuck = state == SLOT_CRASHED || (state == SLOT_EXPIRED && now - slot->expired_ns >= grace_ns);
        if (!stuck) continue;
        if (count++ == 0) guard_copy_out(owner, capacity, slot->owner);
    }
    return count;
}

int berth_guard_crashed(void) {
    return table != NULL && atomic_load(&table->crashed) != 0;
}

int berth_guard_inspect(int fd, char *owner, size_t capacity) {
    void *memory = map_table(fd, PROT_READ);
    if (memory == MAP_FAILED) return -1;
    struct header *dead = memory;
    struct slot *dead_slots = (struct slot *)(dead + 1);
    char found[BERTH_GUARD_OWNER_CAPACITY] = "";
    int result = 0;
    if (atomic_load(&dead->crashed) && dead->crash_owner[0]) {
        guard_copy_owner(found, dead->crash_owner);
        result = 1;
    } else {
        int high = atomic_load(&dead->high_water);
        if (high > (int)dead->slot_count) high = (int)dead->slot_count;
        for (int i = 0; i < high; i++) {
            uint32_t state = atomic_load(&dead_slots[i].state);
            if ((state != SLOT_ACTIVE && state != SLOT_CRASHED) || dead_slots[i].is_host) continue;
            if (found[0] == 0) {
                guard_copy_owner(found, dead_slots[i].owner);
                result = 1;
            } else if (strcmp(found, dead_slots[i].owner) != 0) {
                result = 0;
                break;
            }
        }
    }
    if (result) guard_copy_out(owner, capacity, found);
    munmap(memory, table_size(dead->slot_count));
    return result;
}

/* ---- exit() from addon code. ---- */

static _Atomic int exit_allowed;

void berth_guard_allow_exit(void) {
    atomic_store(&exit_allowed, 1);
}

void berth_guard_contain_exit(int status) {
    (void)status;
    if (table == NULL || atomic_load(&exit_allowed)) return;
    int ticket = current_ticket;
    if (ticket >= 0) {
        struct slot *slot = &slots[ticket];
        uint32_t expected = SLOT_ACTIVE;
        if (!slot->is_host && atomic_compare_exchange_strong(&slot->state, &expected, SLOT_CRASHED)) {
            guard_copy_owner(table->crash_owner, slot->owner);
            atomic_store(&table->crashed, 1);
            say(slot->owner, 0);
            answer(slot->fd, slot->request_id, "HTTP/1.1 502 Bad Gateway", "addon_crashed", "addon ", slot->owner,
                   " ended its worker process (exit) while handling this request; its worker is being replaced");
            report(slot->owner);
            for (;;) pause();
        }
    }
    /* Not on a thread running an addon's handler (one resumed elsewhere, or a task of its own):
       blame the addon if it is the only one with handlers running. The host exits only through
       berth_guard_allow_exit, so this is not the host's own exit. */
    char owner[BERTH_GUARD_OWNER_CAPACITY] = "";
    int high = atomic_load(&table->high_water);
    for (int i = 0; i < high; i++) {
        if (atomic_load(&slots[i].state) != SLOT_ACTIVE || slots[i].is_host) continue;
        if (owner[0] == 0) {
            guard_copy_owner(owner, slots[i].owner);
        } else if (strcmp(owner, slots[i].owner) != 0) {
            owner[0] = 0;
            break;
        }
    }
    if (owner[0]) guard_copy_owner(table->crash_owner, owner);
    atomic_store(&table->crashed, 1);
    say(owner, 0);
    report(owner);
    for (;;) pause();
}

int berth_guard_abandon(void) {
    if (table == NULL) return 0;
    int high = atomic_load(&table->high_water);
    int during_change = atomic_load(&change_crashed);
    int count = 0;
    char message[256];
    size_t at = 0;
    at = guard_append(message, at, sizeof message, " crashed its worker during the ");
    at = guard_append(message, at, sizeof message, change_what);
    at = guard_append(message, at, sizeof message, "; the change is undone from its journal");
    for (int i = 0; i < high; i++) {
        if (slots[i].is_host && !during_change) continue;
        uint32_t expected = SLOT_ACTIVE;
        if (!atomic_compare_exchange_strong(&slots[i].state, &expected, SLOT_CRASHED)) continue;
        if (slots[i].is_host) {
            answer(slots[i].fd, slots[i].request_id, "HTTP/1.1 502 Bad Gateway", "addon_crashed", "addon ", change_owner, message);
        } else {
            answer(slots[i].fd, slots[i].request_id, "HTTP/1.1 502 Bad Gateway", "addon_crashed", "addon ", slots[i].owner,
                   " did not finish this request before its worker, which an addon crashed, was replaced");
        }
        count++;
    }
    return count;
}
