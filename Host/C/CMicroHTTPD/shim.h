#ifndef BERTH_CMICROHTTPD_SHIM_H
#define BERTH_CMICROHTTPD_SHIM_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* MHD_start_daemon is variadic, which Swift cannot call: these shims pass a fixed option list. */

/// Starts a daemon with the options Berth uses; `listen_fd` < 0 binds `address` itself.
static inline struct MHD_Daemon *berth_mhd_start(unsigned int flags,
                                                 const struct sockaddr *address,
                                                 int listen_fd,
                                                 MHD_AccessHandlerCallback handler, void *handler_context,
                                                 MHD_RequestCompletedCallback completed, void *completed_context,
                                                 unsigned int thread_pool_size,
                                                 unsigned int connection_limit,
                                                 unsigned int per_ip_limit,
                                                 unsigned int idle_timeout_seconds,
                                                 size_t connection_memory_limit) {
    if (listen_fd >= 0) {
        return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_context,
                                MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
                                MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
                                MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
                                MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                                MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip_limit,
                                MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout_seconds,
                                MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory_limit,
                                MHD_OPTION_END);
    }
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_context,
                            MHD_OPTION_SOCK_ADDR, address,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
                            MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
                            MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout_seconds,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory_limit,
                            MHD_OPTION_END);
}

#endif
