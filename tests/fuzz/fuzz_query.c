/* Fuzz target: the query string of GET /v1/jobs (runner/http_query.c) and
 * its cursor (runner/cursor.c). Whatever the bytes, a read stays within
 * its buffer, a found value has no NUL inside and fits, and a cursor that
 * decodes encodes back to itself. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "runner/cursor.h"
#include "runner/http_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q = trex_malloc(size + 1);
	if (!q)
		return 0;
	memcpy(q, data, size);
	q[size] = '\0';
	struct http_request req = { .method = "GET", .path = "/v1/jobs", .query = q };
	static const char *const names[] = { "state", "project", "user", "since", "limit",
					     "cursor", NULL };
	static const size_t sizes[] = { 1, 2, 8, 80 };
	struct trex_err err;
	for (size_t n = 0; names[n]; n++) {
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			char buf[80 + 1];
			buf[sizes[k]] = 'X'; /* the byte after the buffer is never written */
			int r = http_query_get(&req, names[n], buf, sizes[k], &err);
			if (buf[sizes[k]] != 'X')
				abort();
			if (r == 1 && strlen(buf) >= sizes[k])
				abort();
			if (r == 0 && buf[0] != '\0')
				abort();
			if (r < 0 && r != -EINVAL && r != -ENAMETOOLONG)
				abort();
		}
	}
	(void)http_query_check(&req, names, &err);
	int64_t seq;
	if (cursor_decode(q, "f", &seq, &err) == 0) {
		char tok[CURSOR_LEN + 1];
		cursor_encode(seq, "f", tok);
		if (strcmp(tok, q) != 0)
			abort();
	}
	trex_free(q);
	return 0;
}
