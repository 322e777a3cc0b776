/* SHA-256 through OpenSSL. Not linked into trex-sandbox. */
#ifndef TREX_HASH_H
#define TREX_HASH_H

#include <stddef.h>

#define TREX_SHA256_HEX_LEN 64

/* out receives 64 lowercase hex digits and a NUL. */
int trex_sha256_hex(const void *data, size_t len, char out[TREX_SHA256_HEX_LEN + 1]);
/* Hash an open file from its current offset to EOF. */
int trex_sha256_fd(int fd, char out[TREX_SHA256_HEX_LEN + 1]);

#endif
