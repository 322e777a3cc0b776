/* Base64 (RFC 4648, with padding) for the job upload format. */
#ifndef TREX_B64_H
#define TREX_B64_H

#include <stddef.h>

/* Caller frees *out with trex_free. Decoding rejects bad characters and bad
 * padding with -EINVAL; whitespace is not allowed. */
int trex_b64_encode(const void *in, size_t len, char **out, size_t *outlen);
int trex_b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen);

#endif
