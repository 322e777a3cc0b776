/* Fuzz target: what the review page reads from outside (runner/webform.c:
 * form bodies and the Cookie header) and what it renders (runner/webpage.c:
 * the one HTML escape, and a held CSV table with flagged cells). Whatever
 * the bytes: values stay within their buffers, an escaped text has no
 * markup character and no control character but newline and tab, and the
 * table renders without a fault. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/alloc.h"
#include "runner/webform.h"
#include "runner/webpage.h"

static void fuzz_esc(const char *s, size_t n)
{
	struct trex_buf b;
	trex_buf_init(&b, 0);
	if (webpage_esc(&b, s, n) == 0 && b.data) {
		for (size_t i = 0; i < b.len; i++) {
			unsigned char c = (unsigned char)b.data[i];
			if (strchr("<>\"'", c) || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				abort();
		}
	}
	trex_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = trex_malloc(size + 1);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	/* first line: a Cookie header; the rest: a form body */
	char *nl = memchr(in, '\n', size);
	size_t hlen = nl ? (size_t)(nl - in) : size;
	char *header = trex_strndup(in, hlen);
	const char *body = nl ? nl + 1 : in + size;
	size_t blen = size - (size_t)(body - in);
	if (header) {
		char sid[65 + 1];
		sid[65] = 'X';
		int r = webform_cookie(header, "trex_review", 64, sid);
		if (sid[65] != 'X' || (r == 1 && strlen(sid) > 64) || r < -22 || r > 1)
			abort();
		trex_free(header);
	}
	char a[16 + 1], b[80 + 1], c[2048 + 1];
	memset(a, 'Y', sizeof(a));
	memset(b, 'Y', sizeof(b));
	memset(c, 'Y', sizeof(c));
	a[16] = b[80] = c[2048] = 'X';
	char *vals[] = { a, b, c };
	static const char *const names[] = { "decision", "csrf", "reason" };
	static const size_t sizes[] = { 16, 80, 2048 };
	/* success or not, every value is a string within its buffer (the
	 * review page reads the reason before it looks at the result) */
	webform_fields(body, blen, names, vals, sizes, 3);
	for (int i = 0; i < 3; i++)
		if (strnlen(vals[i], sizes[i]) >= sizes[i])
			abort();
	if (a[16] != 'X' || b[80] != 'X' || c[2048] != 'X')
		abort();
	fuzz_esc(in, size);
	/* the bytes as a held table whose first columns are flagged */
	json_t *job = json_pack(
		"{s:s,s:{s:[s],s:[{s:s,s:[s]}]},s:[{s:s,s:s,s:b}],s:{s:[{s:s,s:[{s:i,s:s,s:s,s:s,s:s},"
		"{s:i,s:s,s:s,s:s,s:s}]}]}}",
		"id", "J", "manifest", "command", "sh", "outputs", "path", "t.csv", "dimensions", "g",
		"outputs", "name", "t.csv", "verdict", "review", "released", 0, "report", "files",
		"file", "t.csv", "cells", "row", 1, "measure", "n", "rule", "threshold", "action",
		"primary", "reason", "r", "row", 2, "measure", "g", "rule", "secondary", "action",
		"secondary", "reason", "r");
	if (!job)
		abort();
	json_t *code = json_array();
	struct webpage_output o = { .job = job, .name = "t.csv", .csv = in, .csv_len = size,
				    .code = code, .me = "m", .csrf = "t" };
	struct trex_buf h;
	trex_buf_init(&h, 0);
	webpage_output(&h, &o);
	trex_buf_free(&h);
	json_decref(job);
	json_decref(code);
	trex_free(in);
	return 0;
}
