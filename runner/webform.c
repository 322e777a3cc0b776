/* Parsing what a browser sends the review page. Strict: a field the page
 * does not know, or one repeated, is an error rather than ignored, so two
 * readings of one request cannot differ. */
#include "webform.h"

#include <errno.h>
#include <string.h>

#include "http_query.h"

int webform_fields(const char *body, size_t len, const char *const *names, char **vals,
		   const size_t *sizes, size_t n)
{
	const char *p = body, *end = body + len;
	int seen[8] = { 0 };
	if (n > 8)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		vals[i][0] = '\0';
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		if (!eq)
			return -EINVAL;
		size_t i, bad;
		for (i = 0; i < n; i++)
			if ((size_t)(eq - p) == strlen(names[i]) &&
			    memcmp(p, names[i], (size_t)(eq - p)) == 0)
				break;
		if (i == n || seen[i]++ ||
		    http_pct_decode(eq + 1, (size_t)(stop - eq - 1), 1, vals[i], sizes[i], &bad) < 0)
			return -EINVAL;
		p = amp ? amp + 1 : end;
	}
	return 0;
}

int webform_cookie(const char *header, const char *name, size_t vlen, char *out)
{
	size_t nl = strlen(name);
	int found = 0;
	out[0] = '\0';
	for (const char *p = header; p && *p;) {
		p += strspn(p, " ");
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == nl + 1 + vlen && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			if (found++)
				return -EINVAL; /* two: ambiguous */
			memcpy(out, p + nl + 1, vlen);
			out[vlen] = '\0';
		}
		p = end ? end + 1 : p + n;
	}
	return found;
}
