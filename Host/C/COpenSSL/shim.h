#ifndef BERTH_COPENSSL_SHIM_H
#define BERTH_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

/* EVP_PKEY_PUBLIC_KEY combines selection macros Swift cannot import. */
static inline int berth_evp_pkey_public_key_selection(void) { return EVP_PKEY_PUBLIC_KEY; }

/* OSSL_PARAM keeps its key name's pointer: these give names with static storage. */
static inline const char *berth_param_rsa_n(void) { return OSSL_PKEY_PARAM_RSA_N; }
static inline const char *berth_param_rsa_e(void) { return OSSL_PKEY_PARAM_RSA_E; }
static inline const char *berth_param_group_name(void) { return OSSL_PKEY_PARAM_GROUP_NAME; }
static inline const char *berth_param_public_key(void) { return OSSL_PKEY_PARAM_PUB_KEY; }
#endif
