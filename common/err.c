#include "err.h"

#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 4, 0)))
static int err_vset(struct trex_err *err, int code, int with_errno,
		    const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		err->msg[0] = '\0';
	size_t len = strlen(err->msg);
	if (with_errno && code < 0 && len < sizeof(err->msg) - 1)
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
			 strerror(-code));
	return code;
}

/* (name): the definition, never the analyzer's macro (err.h) */
int (trex_err_set)(struct trex_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, code, 1, fmt, ap);
	va_end(ap);
	return code;
}

int (trex_err_setx)(struct trex_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int trex_err_prefix(struct trex_err *err, const char *fmt, ...)
{
	if (!err)
		return 0;
	char prefix[TREX_ERR_MSG_MAX];
	char old[TREX_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return err->code;
}

void trex_err_clear(struct trex_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
