/* sslerr.h: OpenSSL's error queue as one message. */
#include "sslerr.h"

#include <stdio.h>

#include <openssl/err.h>

const char *trex_ssl_reason(char *buf, size_t len, const char *none)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	snprintf(buf, len, "%s", r ? r : none);
	ERR_clear_error();
	return buf;
}
