/* One error idiom for all of trex: functions return 0 or a negative errno and,
 * when the message matters, fill a caller-owned struct trex_err. It holds no
 * heap memory so it can be copied across a pipe (trex-sandbox's status fd). */
#ifndef TREX_ERR_H
#define TREX_ERR_H

#include <stdarg.h>

#define TREX_ERR_MSG_MAX 256

struct trex_err {
	int code;                   /* negative errno, 0 when no error */
	char msg[TREX_ERR_MSG_MAX]; /* human message, NUL-terminated */
};

/* Record an error and return `code` so callers can write
 *   return trex_err_set(err, -errno, "open %s", path);
 * A NULL err is allowed (the code is still returned). When code is a
 * negative errno, ": strerror" is appended to the message. */
int trex_err_set(struct trex_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like trex_err_set but never appends strerror (for semantic errors such as
 * "unknown key"). */
int trex_err_setx(struct trex_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix an existing message: "stage: old message". */
int trex_err_prefix(struct trex_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void trex_err_clear(struct trex_err *err);

#ifdef __clang_analyzer__
/* For clang's static analyzer (tests/analyze/analyze.t), which reads one
 * file at a time and so cannot see that these return their code: a path
 * through `return trex_err_setx(err, -EINVAL, ...)` is then an error
 * path to it, as it is. Never compiled into trex. */
#define trex_err_set(err, code, ...) \
	__extension__({ int c_ = (code); (trex_err_set)((err), c_, __VA_ARGS__); c_; })
#define trex_err_setx(err, code, ...) \
	__extension__({ int c_ = (code); (trex_err_setx)((err), c_, __VA_ARGS__); c_; })
#endif

#endif
