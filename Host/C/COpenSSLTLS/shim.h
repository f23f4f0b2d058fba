#ifndef BERTH_COPENSSLTLS_SHIM_H
#define BERTH_COPENSSLTLS_SHIM_H
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/* SSL_set_tlsext_host_name is a macro over SSL_ctrl that Swift cannot import. */
static inline int berth_ssl_set_sni(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
/* SSL_CTX_set_min_proto_version is a macro too. */
static inline int berth_ssl_ctx_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}
#endif
