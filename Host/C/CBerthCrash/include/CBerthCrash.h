#ifndef BERTH_CRASH_GUARD_H
#define BERTH_CRASH_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "CBerthSpawn.h"

/*
 * The crash guard of a Berth worker process (layer 1 of the C interop: raw calls).
 *
 * A worker records every handler it runs in a table of slots indexed by the connection's socket
 * descriptor: owner (the addon's id), socket, deadline. The table lives in a memfd the supervisor
 * created and keeps, so after a worker dies the supervisor can still read who was running.
 *
 * A fatal signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT) raised while a thread runs an
 * addon's handler answers that request with a prepared 502 naming the addon, reports the crash on
 * the worker's status pipe and parks the thread, so that the rest of the worker can be drained by
 * the supervisor; any other fatal signal kills the process as before. Everything the signal handler
 * touches is preallocated and it calls only async-signal-safe functions.
 */

/// Bytes reserved for an owner's id, its terminating NUL included.
#define BERTH_GUARD_OWNER_CAPACITY 72

/// Bytes reserved for a route (`METHOD /pattern`) and for a request id, NUL included.
#define BERTH_GUARD_ROUTE_CAPACITY 192
#define BERTH_GUARD_REQUEST_ID_CAPACITY 132

/// Creates a table for `slots` sockets (descriptors 0 ..< slots) in a new memfd.
/// Returns the descriptor (close-on-exec), or -1 with errno set.
int berth_guard_table_create(uint32_t slots);

/// Maps the table in `fd` as this process's table. Returns 0, or -1 with errno set.
int berth_guard_attach(int fd);

/// Installs the fatal-signal handlers; a crash report is written to `report_fd` as one line,
/// "crash <pid> <owner>\n" (owner "-" when unknown). Returns 0, or -1 with errno set.
int berth_guard_install(int report_fd);

/// Records that this thread starts the handler of `owner` for the connection on socket `fd`.
/// `is_host`: the host's own routes (never blamed on an addon, never timed out).
/// `timeout_ns` > 0 arms the deadline the watchdog enforces. Returns a ticket, or -1 when the
/// socket is not tracked (no table, or a descriptor beyond its size).
int berth_guard_begin(const char *owner, int fd, int is_host, int64_t timeout_ns);

/// Records the route (`method` and `pattern`) and the request id of the handler of `ticket`, for
/// the crash report: a crash in it logs one JSON line naming the addon, route, request id and the
/// Swift runtime's fatal message, then the thread's backtrace.
void berth_guard_describe(int ticket, const char *method, const char *pattern, const char *request_id);

/// The handler of `ticket` left this thread (it suspended or returned).
void berth_guard_left_thread(int ticket);

/// The handler of `ticket` returned. Returns 1 if the watchdog had already answered its request
/// (the response the handler produced goes nowhere), else 0.
int berth_guard_finish(int ticket);

/// Watchdog: answers 504 to handlers past their deadline and shuts their sockets, as many as
/// `owners` has records for (`capacity / BERTH_GUARD_OWNER_CAPACITY`; the rest stay for the next
/// call). Returns how many expired now; the owner of the n-th is copied to the n-th record of
/// BERTH_GUARD_OWNER_CAPACITY bytes in `owners`, so each timeout is blamed on its own addon.
int berth_guard_expire(char *owners, size_t capacity);

/// Handlers that will never return: crashed ones, and expired ones still running `grace_ns` after
/// their 504. Returns how many; the first one's owner is copied to `owner`.
int berth_guard_stuck(int64_t grace_ns, char *owner, size_t capacity);

/// Whether a handler of this process crashed.
int berth_guard_crashed(void);

/// Supervisor side: reads the table in `fd` of a worker that died. Returns 1 and copies the owner
/// if the crash handler recorded one, or if exactly one addon had handlers running; 0 otherwise;
/// -1 with errno set if the table cannot be read.
int berth_guard_inspect(int fd, char *owner, size_t capacity);

/// Called by the host's `exit` before libc's. In a worker whose exit was not allowed (see
/// berth_guard_allow_exit), an addon is ending the process: its request (if this thread runs an
/// addon's handler) is answered 502 naming the addon, the crash is reported, and the calling
/// thread parks, so the worker is drained and replaced like after a crash. Returns otherwise.
void berth_guard_contain_exit(int status);

/// The worker itself is about to exit (drained, or failed to start): `exit` goes through.
void berth_guard_allow_exit(void);

/// Before a crashed worker ends: answers 502 to every addon's request still in flight (its handler
/// never returned, e.g. parked after ending the process from another thread), and, if the crash
/// happened during a change, to the host's requests still waiting (the admin request of that
/// change among them). Returns how many.
int berth_guard_abandon(void);

/// Records the change of the home this worker runs now: `owner` the addon, `what` e.g.
/// "install of x at step start" (NULL owner: none). A fatal signal outside any handler while a
/// change runs is blamed on that addon; the thread parks and the admin request that is waiting is
/// answered 502 naming the addon and the step (by berth_guard_abandon, before the worker ends).
void berth_guard_set_change(const char *owner, const char *what);

/// The monotonic clock, in nanoseconds.
int64_t berth_guard_now(void);

#endif
