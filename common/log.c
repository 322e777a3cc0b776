#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static const char *log_prog = "trex";
static enum trex_log_level log_min = TREX_LOG_INFO;

void trex_log_init(const char *prog, enum trex_log_level min_level)
{
	log_prog = prog;
	log_min = min_level;
}

void trex_log(enum trex_log_level level, const char *event, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	if (level < log_min)
		return;
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char line[1024];
	int n = snprintf(line, sizeof(line),
			 "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s prog=%s event=%s",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[level],
			 log_prog, event);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(line) - 2 && fmt && fmt[0]) {
		line[n++] = ' ';
		va_list ap;
		va_start(ap, fmt);
		int m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof(line))
			n = sizeof(line) - 1;
	}
	/* one write per line so concurrent writers do not interleave */
	fprintf(stderr, "%.*s\n", n, line);
}
