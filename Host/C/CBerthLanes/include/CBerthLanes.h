#ifndef BERTH_LANES_H
#define BERTH_LANES_H

#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>

/*
 * Polling lanes with takeover (layer 1 of the C interop: raw calls).
 *
 * A lane is one libmicrohttpd daemon in external-polling mode and the thread that drives it
 * (`MHD_run`). Handlers run inline on that thread, so a request costs no hand-off. The handler
 * window is bracketed by berth_lane_handler_begin/end. A monitor thread samples every lane each
 * tick: a handler that stayed in the same window for a whole tick (it blocks, loops, or crashed and
 * its thread is parked) loses the lane. A new thread takes the lane over: it first suspends the
 * overrunning request's connection through the takeover callback (so libmicrohttpd leaves it
 * alone until its handler completes), then drives the daemon, so the lane's other connections keep
 * flowing. libmicrohttpd lets only one thread at a time drive an external-polling daemon and the
 * old thread never enters libmicrohttpd again: when its handler returns it hands the response to
 * the suspended request, returns from the access handler into berth_lane_access, which jumps back
 * to the top of the old thread's loop (discarding libmicrohttpd's frames; they hold no lock), and
 * the thread ends.
 */

struct berth_lanes;

/// The application's access handler, as libmicrohttpd would call it.
typedef enum MHD_Result (*berth_lane_access_fn)(void *cls, struct MHD_Connection *connection, const char *url,
                                                const char *method, const char *version, const char *upload_data,
                                                size_t *upload_data_size, void **con_cls);

/// Called on the new thread of a lane taken over, before it drives the daemon: must suspend
/// `connection`, whose handler (`state`, from berth_lane_handler_begin) overran.
typedef void (*berth_lane_takeover_fn)(void *context, struct MHD_Connection *connection, void *state);

/// Called on a lane's thread when connections were queued for it (berth_lanes_wake): adds them
/// with MHD_add_connection (which an external-polling daemon takes only from its own thread).
typedef void (*berth_lane_drain_fn)(void *context, unsigned int lane);

/// Creates `count` lanes; `tick_ms` is the monitor's period (a handler overruns after one to two).
/// Returns NULL with errno set on failure.
struct berth_lanes *berth_lanes_create(unsigned int count, unsigned int tick_ms, berth_lane_access_fn access,
                                       berth_lane_takeover_fn takeover, berth_lane_drain_fn drain, void *context);

/// Sets the context the takeover and drain callbacks receive.
void berth_lanes_set_context(struct berth_lanes *lanes, void *context);

/// Gives lane `lane` its daemon (started without MHD_USE_INTERNAL_POLLING_THREAD, with epoll).
/// Returns 0, or -1 with errno set.
int berth_lanes_attach(struct berth_lanes *lanes, unsigned int lane, struct MHD_Daemon *daemon);

/// Starts every lane's thread and the monitor. Returns 0, or an errno value.
int berth_lanes_start(struct berth_lanes *lanes);

/// Wakes lane `lane`'s thread to call the drain callback.
void berth_lanes_wake(struct berth_lanes *lanes, unsigned int lane);

/// Stops the lanes' threads and the monitor, waiting until `deadline_ns` (berth monotonic clock).
/// Returns the number of lanes whose thread did not stop: their daemons must not be stopped.
int berth_lanes_stop(struct berth_lanes *lanes, int64_t deadline_ns);

/// Whether lane `lane`'s thread stopped (after berth_lanes_stop).
int berth_lanes_lane_stopped(struct berth_lanes *lanes, unsigned int lane);

/// How many takeovers happened so far.
uint64_t berth_lanes_takeovers(struct berth_lanes *lanes);

/// Frees the lanes (after berth_lanes_stop returned 0).
void berth_lanes_destroy(struct berth_lanes *lanes);

/// The access handler to give libmicrohttpd in lane mode: calls the application's, then, if the
/// calling thread lost its lane meanwhile, leaves libmicrohttpd for good.
enum MHD_Result berth_lane_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls);

/// Whether the calling thread drives a lane (the handler window can be taken over).
int berth_lane_active(void);

/// A handler starts on this thread for `connection`; `state` is handed to the takeover callback.
void berth_lane_handler_begin(struct MHD_Connection *connection, void *state);

/// The handler returned. 0: the lane is still this thread's. 1: it was taken over; the takeover
/// callback has run (the connection is suspended): hand the response over, touch no libmicrohttpd
/// object, and return from the access handler.
int berth_lane_handler_end(void);

/// The monotonic clock, in nanoseconds.
int64_t berth_lanes_now(void);

/// How many CPUs this process may run on (its affinity mask), or 0 if unknown.
int berth_allowed_cpus(void);

#endif
