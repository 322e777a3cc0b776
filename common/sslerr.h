/* OpenSSL's error queue as one message. */
#ifndef TREX_COMMON_SSLERR_H
#define TREX_COMMON_SSLERR_H

#include <stddef.h>

/* The reason of the last error OpenSSL queued on this thread, or `none`
 * when there is none; the queue is then cleared, so that the next OpenSSL
 * user on the thread (TLS, permit signatures) starts clean. Returns buf. */
const char *trex_ssl_reason(char *buf, size_t len, const char *none);

#endif
