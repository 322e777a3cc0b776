#include "outname.h"

#include <string.h>

/* the length of the UTF-8 sequence at p (at most n bytes), 0 when it is
 * not well formed or is a C1 control */
static size_t outname_utf8(const unsigned char *p, size_t n)
{
	size_t len;
	unsigned cp;
	if ((*p & 0xe0) == 0xc0) {
		len = 2;
		cp = *p & 0x1f;
	} else if ((*p & 0xf0) == 0xe0) {
		len = 3;
		cp = *p & 0x0f;
	} else if ((*p & 0xf8) == 0xf0) {
		len = 4;
		cp = *p & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
		return 0;
	return len;
}

bool trex_outname_component_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	if (n == 0 || n > 255 || p[0] == '-' || (n == 1 && p[0] == '.') ||
	    (n == 2 && p[0] == '.' && p[1] == '.'))
		return false;
	for (size_t i = 0; i < n;) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '/')
				return false;
			i++;
			continue;
		}
		size_t len = outname_utf8(p + i, n - i);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

bool trex_outname_path_ok(const char *p, size_t n)
{
	if (n == 0 || n > TREX_OUTNAME_MAX_PATH || memchr(p, '\0', n))
		return false;
	size_t depth = 0;
	for (size_t start = 0; start <= n;) {
		const char *slash = memchr(p + start, '/', n - start);
		size_t end = slash ? (size_t)(slash - p) : n;
		size_t len = end - start;
		if (++depth > TREX_OUTNAME_MAX_DEPTH || !trex_outname_component_ok(p + start, len) ||
		    p[start] == '.' || memchr(p + start, '\\', len))
			return false;
		if (!slash)
			return true;
		start = end + 1;
	}
	return false;
}
