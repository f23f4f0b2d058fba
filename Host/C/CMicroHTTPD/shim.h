#ifndef BERTH_CMICROHTTPD_SHIM_H
#define BERTH_CMICROHTTPD_SHIM_H

#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <microhttpd.h>

/// accept4 (declared by <sys/socket.h> only under _GNU_SOURCE): a non-blocking, close-on-exec
/// connection in one call.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
static inline int berth_accept(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/// Socket type flags, which Swift's Glibc module does not export in every build mode.
static const int berth_sock_cloexec = SOCK_CLOEXEC;
static const int berth_sock_nonblock = SOCK_NONBLOCK;

/// Flags of recv that Swift's Glibc module does not export.
static const int berth_msg_peek = MSG_PEEK;
static const int berth_msg_dontwait = MSG_DONTWAIT;
/// MHD_CONNECTION_NOTIFY_CLOSED, under a name Swift imports as is.
static const int berth_mhd_notify_closed = MHD_CONNECTION_NOTIFY_CLOSED;

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

/// Starts a daemon that accepts nothing itself: Berth's connection gate accepts, reads each first
/// request head and hands the connection over with MHD_add_connection (MHD_USE_ITC wakes a polling
/// thread for it). `notify` hears every connection start and close; `uri_log` sees each request's
/// raw target before libmicrohttpd splits off and stores its query.
static inline struct MHD_Daemon *berth_mhd_start_gated(unsigned int flags,
                                                       MHD_AccessHandlerCallback handler, void *handler_context,
                                                       MHD_RequestCompletedCallback completed, void *completed_context,
                                                       MHD_NotifyConnectionCallback notify, void *notify_context,
                                                       void *(*uri_log)(void *context, const char *uri, struct MHD_Connection *connection),
                                                       void *uri_log_context,
                                                       unsigned int thread_pool_size,
                                                       unsigned int connection_limit,
                                                       unsigned int idle_timeout_seconds,
                                                       size_t connection_memory_limit) {
    return MHD_start_daemon(flags | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC, 0, NULL, NULL, handler, handler_context,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
                            MHD_OPTION_NOTIFY_CONNECTION, notify, notify_context,
                            MHD_OPTION_URI_LOG_CALLBACK, uri_log, uri_log_context,
                            MHD_OPTION_THREAD_POOL_SIZE, thread_pool_size,
                            MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout_seconds,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, connection_memory_limit,
                            MHD_OPTION_END);
}

/* MHD_get_connection_info and MHD_get_daemon_info are variadic too. */

/// The peer address of `connection`, or NULL.
static inline const struct sockaddr *berth_mhd_client_address(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info == NULL ? NULL : info->client_addr;
}

/// The socket of `connection`, or -1.
static inline int berth_mhd_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : (int)info->connect_fd;
}

/// The connections `daemon` has open now, over all its threads.
static inline unsigned int berth_mhd_connection_count(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info == NULL ? 0 : info->num_connections;
}

/// Writes the dotted-decimal text of the 4 `octets` into `buffer` (at least 16 bytes,
/// NUL-terminated) and returns its length. Written by hand: glibc's inet_ntop formats IPv4 through
/// sprintf, a visible share of a request that does little else.
static inline size_t berth_format_ipv4(const unsigned char *octets, char *buffer) {
    size_t length = 0;
    for (int index = 0; index < 4; index++) {
        unsigned int octet = octets[index];
        if (octet >= 100) buffer[length++] = (char)('0' + octet / 100);
        if (octet >= 10) buffer[length++] = (char)('0' + octet / 10 % 10);
        buffer[length++] = (char)('0' + octet % 10);
        if (index < 3) buffer[length++] = '.';
    }
    buffer[length] = '\0';
    return length;
}

/// Writes the numeric address of `connection`'s client into `buffer` (NUL-terminated); returns its
/// length, or 0 if it has none.
static inline size_t berth_mhd_client_address_text(struct MHD_Connection *connection, char *buffer, size_t size) {
    const struct sockaddr *address = berth_mhd_client_address(connection);
    if (address == NULL || size == 0) return 0;
    if (address->sa_family == AF_INET) {
        if (size < 16) return 0;
        return berth_format_ipv4((const unsigned char *)&((const struct sockaddr_in *)address)->sin_addr, buffer);
    }
    if (address->sa_family != AF_INET6) return 0;
    if (inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)address)->sin6_addr, buffer, (socklen_t)size) == NULL) return 0;
    return strlen(buffer);
}

#endif
