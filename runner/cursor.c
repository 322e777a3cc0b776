/* Cursor tokens. Not secret and not signed: a forged seq only moves where
 * a page starts, and every page is still filtered by what the caller may
 * see. The filter hash catches a client mixing up two listings. */
#include "cursor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"

static uint32_t cursor_filters_hash(const char *filters)
{
	char hex[TREX_SHA256_HEX_LEN + 1];
	if (trex_sha256_hex(filters, strlen(filters), hex) < 0)
		return 0;
	uint32_t h = 0;
	for (int i = 0; i < 8; i++)
		h = h << 4 | (uint32_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
	return h;
}

void cursor_encode(int64_t seq, const char *filters, char out[CURSOR_LEN + 1])
{
	snprintf(out, CURSOR_LEN + 1, "%016llx%08x", (unsigned long long)seq,
		 (unsigned)cursor_filters_hash(filters));
}

int cursor_decode(const char *token, const char *filters, int64_t *seq,
		  struct trex_err *err)
{
	size_t n = strlen(token);
	if (n != CURSOR_LEN || strspn(token, "0123456789abcdef") != n)
		return trex_err_setx(err, -EINVAL, "cursor is not a cursor trexd issued: "
				     "pass the \"next\" of the previous page unchanged");
	uint64_t v = 0;
	for (size_t i = 0; i < 16; i++)
		v = v << 4 | (uint64_t)(token[i] <= '9' ? token[i] - '0' : token[i] - 'a' + 10);
	uint32_t h = 0;
	for (size_t i = 16; i < CURSOR_LEN; i++)
		h = h << 4 | (uint32_t)(token[i] <= '9' ? token[i] - '0' : token[i] - 'a' + 10);
	if (v == 0 || v > INT64_MAX)
		return trex_err_setx(err, -EINVAL, "cursor is not a cursor trexd issued: "
				     "pass the \"next\" of the previous page unchanged");
	if (h != cursor_filters_hash(filters))
		return trex_err_setx(err, -EINVAL, "cursor was issued for other filters: "
				     "repeat the same state, project, user and since with it");
	*seq = (int64_t)v;
	return 0;
}
