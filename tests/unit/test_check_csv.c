/* Strict CSV reader of trex-check: what is accepted, and that everything
 * ambiguous is refused with file:line:column. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "common/sdcvocab.h"
#include "policies/check/csv.h"

static void parse_ok(const char *data, size_t len, struct csv_table *t)
{
	struct trex_err err = {0};
	int r = csv_parse_mem(data, len, "t.csv", t, &err);
	if (r != 0)
		fail_msg("unexpected error: %s", err.msg);
}

/* An error is `t.csv:LINE:COLUMN: CODE: TEXT` and nothing else: CODE one
 * of common/sdcvocab.c's codes and TEXT its fixed text, so no byte of
 * the file can be in it (issue #11: where, never what). */
static void expect_shape(const char *msg)
{
	unsigned long line, col;
	int n = 0;
	char code[64];
	const char *text;

	if (sscanf(msg, "t.csv:%lu:%lu: %63[a-z0-9_]: %n", &line, &col, code, &n) != 3 || !n)
		fail_msg("not FILE:LINE:COLUMN: CODE: TEXT: '%s'", msg);
	text = sdc_vocab_code_text(code);
	if (!text)
		fail_msg("code '%s' is not in the vocabulary: '%s'", code, msg);
	if (strcmp(msg + n, text))
		fail_msg("text is not the code's fixed text: '%s'", msg);
}

static void expect_error(const char *data, size_t len, const char *msg)
{
	struct csv_table t;
	struct trex_err err = {0};
	assert_int_equal(csv_parse_mem(data, len, "t.csv", &t, &err), -EINVAL);
	if (!strstr(err.msg, msg))
		fail_msg("expected '%s' in '%s'", msg, err.msg);
	expect_shape(err.msg);
}
#define EXPECT_ERROR(s, msg) expect_error(s, sizeof(s) - 1, msg)

static void test_simple(void **state)
{
	struct csv_table t;
	parse_ok("a,b\n1,2\n3,4\n", 12, &t);
	assert_int_equal(t.ncols, 2);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(csv_header(&t, 1), "b");
	assert_string_equal(csv_field(&t, 1, 0), "3");
	assert_int_equal(csv_column(&t, "b"), 1);
	assert_int_equal(csv_column(&t, "c"), -1);
	csv_free(&t);
}

static void test_quoted_crlf_no_final_newline(void **state)
{
	static const char s[] = "a,b\r\n\"x, \"\"y\"\"\",\"\"\r\n\"multi\nline\",z";
	struct csv_table t;
	parse_ok(s, sizeof(s) - 1, &t);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(csv_field(&t, 0, 0), "x, \"y\"");
	assert_string_equal(csv_field(&t, 0, 1), "");
	assert_string_equal(csv_field(&t, 1, 0), "multi\nline");
	assert_string_equal(csv_field(&t, 1, 1), "z");
	/* the second record starts on physical line 3 */
	assert_int_equal(t.lines[1], 3);
	csv_free(&t);
}

static void test_bom_and_utf8(void **state)
{
	static const char s[] = "\xef\xbb\xbf" "a\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n";
	struct csv_table t;
	parse_ok(s, sizeof(s) - 1, &t);
	assert_string_equal(csv_header(&t, 0), "a");
	assert_string_equal(csv_field(&t, 0, 0), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	csv_free(&t);
}

static void test_errors(void **state)
{
	EXPECT_ERROR("a,b\n1,\"2\"x\n", "t.csv:2:6: text_after_quote: text after a closing quote");
	EXPECT_ERROR("a,b\n1,2\"\n", "t.csv:2:4: stray_quote: quote inside an unquoted field");
	EXPECT_ERROR("a,b\n1\n", "t.csv:2:2: fewer_fields: fewer fields");
	EXPECT_ERROR("a,b\n1,2,3\n", "t.csv:2:5: more_fields: more fields");
	EXPECT_ERROR("a,b\n1,2\n\n", "t.csv:3:1: empty_line: empty line");
	EXPECT_ERROR("a,b\n1,2\r3,4\n", "t.csv:2:5: bare_cr: CR not followed by LF");
	EXPECT_ERROR("a,b\n\"1,2\n", "unterminated_quote: end of file inside a quoted field");
	EXPECT_ERROR("", "t.csv:1:1: empty_file: empty file");
	EXPECT_ERROR("a,a\n1,2\n", "t.csv:1:3: duplicate_header");
	/* a quoted header field over two lines: where it starts */
	EXPECT_ERROR("a,b,\"x\ny\",\"b\"\n1,2,3,4\n", "t.csv:2:4: duplicate_header");
	EXPECT_ERROR("a,\n1,2\n", "t.csv:1:3: empty_header");
	EXPECT_ERROR(",a\n1,2\n", "t.csv:1:1: empty_header");
	EXPECT_ERROR("a\n\xc0\xaf\n", "t.csv:2:1: invalid_utf8: invalid UTF-8");  /* overlong '/' */
	EXPECT_ERROR("a\n\xed\xa0\x80\n", "invalid_utf8");                        /* surrogate */
	EXPECT_ERROR("a\n\xf4\x90\x80\x80\n", "invalid_utf8");                    /* > U+10FFFF */
	EXPECT_ERROR("a\nx\xe2\x82", "truncated_utf8");
	expect_error("a\nx\0y\n", 6, "t.csv:2:2: nul_byte");
}

/* Every error on a file holding a canary: the message is where and the
 * code, never the canary (expect_shape checks the whole message). */
static void test_errors_never_quote(void **state)
{
	static const char *const bad[] = {
		"CANARYzq81,n,CANARYzq81\nA,1,2\n",      /* duplicate header */
		"a,n\nCANARYzq81\"x,1\n",                /* stray quote */
		"a,n\n\"CANARYzq81\"x,1\n",              /* text after quote */
		"a,n\nCANARYzq81\xff,1\n",               /* bad UTF-8 */
		"a,n\nCANARYzq81\n",                     /* ragged */
		"a,n\nCANARYzq81,1,CANARYzq81\n",        /* too many fields */
		"a,n\n\"CANARYzq81,1\n",                 /* unterminated quote */
		"a,n\nCANARYzq81,1\rx\n",                /* bare CR */
		"CANARYzq81,\nA,1\n",                    /* empty header field */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct csv_table t;
		struct trex_err err = {0};
		assert_int_equal(csv_parse_mem(bad[i], strlen(bad[i]), "t.csv", &t, &err), -EINVAL);
		if (strstr(err.msg, "CANARY"))
			fail_msg("input %zu: the error quotes the file: '%s'", i, err.msg);
		expect_shape(err.msg);
	}
}

static void test_column_cap(void **state)
{
	char buf[CSV_MAX_COLS * 2 + 8];
	size_t n = 0;
	for (int i = 0; i <= CSV_MAX_COLS; i++) {
		buf[n++] = 'a';
		buf[n++] = ',';
	}
	buf[n - 1] = '\n';
	expect_error(buf, n, "too many columns");
}

static void test_field_cap(void **state)
{
	size_t n = CSV_MAX_FIELD_LEN + 8;
	char *buf = trex_malloc(n);
	assert_non_null(buf);
	memset(buf, 'x', n);
	buf[0] = 'a';
	buf[1] = '\n';
	expect_error(buf, n, "field longer than the cap");
	trex_free(buf);
}

static void test_write_field(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(csv_write_field(f, "plain"), 0);
	assert_int_equal(csv_write_field(f, "a,\"b\""), 0);
	fclose(f);
	assert_string_equal(out, "plain\"a,\"\"b\"\"\"");
	free(out);
}

/* Every allocation failure is an error, never a crash or a half table. */
static void test_alloc_failures(void **state)
{
	static const char s[] = "a,b\n1,2\n3,4\n";
	for (unsigned long nth = 1; nth < 64; nth++) {
		struct csv_table t;
		struct trex_err err = {0};
		int r;
		trex_alloc_fail_at(nth);
		r = csv_parse_mem(s, sizeof(s) - 1, "t.csv", &t, &err);
		trex_alloc_fail_at(0);
		if (r == 0) {
			assert_int_equal(t.nrows, 2);
			csv_free(&t);
		} else {
			assert_true(r == -ENOMEM || r == -EFBIG);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_quoted_crlf_no_final_newline),
		cmocka_unit_test(test_bom_and_utf8),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_errors_never_quote),
		cmocka_unit_test(test_column_cap),
		cmocka_unit_test(test_field_cap),
		cmocka_unit_test(test_write_field),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
