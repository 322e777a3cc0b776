/* The status record (docs/CONTRACTS.md): key=value lines on --status-fd,
 * values escaped with trex_esc so a hostile output name cannot forge a line. */
#include "sandbox.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/esc.h"
#include "common/fsutil.h"

void sbx_status_kv(int fd, const char *key, const char *fmt, ...)
{
	char raw[1024], esc[4096], line[4200];
	if (fd < 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(raw) ? (size_t)n : sizeof(raw) - 1;
	trex_esc(raw, len, esc, sizeof(esc));
	int m = snprintf(line, sizeof(line), "%s=%s\n", key, esc);
	if (m > 0)
		(void)trex_write_all(fd, line, (size_t)m < sizeof(line) ? (size_t)m : sizeof(line) - 1);
}
