/* Query string parsing for GET routes. The raw query stays in the request;
 * each read scans it again, which is cheaper than building a table for the
 * handful of short parameters a route takes. */
#include "http_query.h"

#include <errno.h>
#include <string.h>

#include "err.h"

static int http_query_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int http_pct_decode(const char *in, size_t len, int plus_is_space, char *out, size_t size,
		    size_t *bad_at)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '%') {
			int hi = len - i < 3 ? -1 : http_query_hex(in[i + 1]);
			int lo = hi < 0 ? -1 : http_query_hex(in[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				*bad_at = i;
				if (size)
					out[0] = '\0';
				return -EINVAL;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= size) {
			/* never half a value, and never one without its NUL
			 * (callers may read the buffer before the result) */
			if (size)
				out[0] = '\0';
			return -ENAMETOOLONG;
		}
		out[o++] = c;
	}
	if (size)
		out[o] = '\0';
	return 0;
}

/* Decode in[0..len) into out (size bytes with the NUL), err naming the
 * parameter. */
static int http_query_decode(const char *name, const char *in, size_t len, char *out,
			     size_t size, struct trex_err *err)
{
	size_t at = 0;
	int r = http_pct_decode(in, len, 1, out, size, &at);
	if (r == -ENAMETOOLONG)
		return trex_err_setx(err, r, "query parameter %s: value longer than %zu bytes",
				     name, size ? size - 1 : 0);
	if (r < 0 && len - at < 3)
		return trex_err_setx(err, r, "query parameter %s: truncated percent-encoding",
				     name);
	if (r < 0 && in[at + 1] == '0' && in[at + 2] == '0')
		return trex_err_setx(err, r, "query parameter %s: encoded NUL byte", name);
	if (r < 0) /* the bytes are not echoed: they may not be UTF-8 */
		return trex_err_setx(err, r, "query parameter %s: bad percent-encoding at byte %zu",
				     name, at);
	return 0;
}

/* Next "key[=value]" piece of the query at *p: key and value spans (value
 * NULL when there is no '='). Returns 0 at the end. */
static int http_query_next(const char **p, const char **key, size_t *key_len,
			   const char **val, size_t *val_len)
{
	const char *s = *p;
	while (*s == '&')
		s++;
	if (!*s)
		return 0;
	const char *end = strchr(s, '&');
	if (!end)
		end = s + strlen(s);
	const char *eq = memchr(s, '=', (size_t)(end - s));
	*key = s;
	*key_len = (size_t)((eq ? eq : end) - s);
	*val = eq ? eq + 1 : NULL;
	*val_len = eq ? (size_t)(end - eq - 1) : 0;
	*p = end;
	return 1;
}

/* Parameter names are compared as sent: they are ASCII words in our API,
 * and a client that percent-encodes a name gets "unknown parameter". */
static int http_query_key_is(const char *key, size_t key_len, const char *name)
{
	return strlen(name) == key_len && memcmp(key, name, key_len) == 0;
}

int http_query_get(const struct http_request *req, const char *name, char *buf,
		   size_t size, struct trex_err *err)
{
	if (size)
		buf[0] = '\0';
	const char *p = req->query ? req->query : "";
	const char *key, *val;
	size_t key_len, val_len;
	int found = 0;
	while (http_query_next(&p, &key, &key_len, &val, &val_len)) {
		if (!http_query_key_is(key, key_len, name))
			continue;
		if (found)
			return trex_err_setx(err, -EINVAL, "query parameter %s given more than once",
					     name);
		found = 1;
		int r = http_query_decode(name, val ? val : "", val_len, buf, size, err);
		if (r < 0)
			return r;
	}
	return found;
}

int http_query_check(const struct http_request *req, const char *const *known,
		     struct trex_err *err)
{
	const char *p = req->query ? req->query : "";
	const char *key, *val;
	size_t key_len, val_len;
	while (http_query_next(&p, &key, &key_len, &val, &val_len)) {
		size_t i;
		for (i = 0; known[i]; i++)
			if (http_query_key_is(key, key_len, known[i]))
				break;
		if (!known[i])
			return trex_err_setx(err, -EINVAL, "unknown query parameter '%.*s'",
					     key_len > 64 ? 64 : (int)key_len, key);
	}
	return 0;
}
