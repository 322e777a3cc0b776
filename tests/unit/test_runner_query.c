/* Unit tests for query string parameters (runner/http_query.c) and the
 * page cursors of GET /v1/jobs (runner/cursor.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "runner/cursor.h"
#include "runner/http_query.h"

static int get(const char *query, const char *name, char *buf, size_t size,
	       struct trex_err *err)
{
	struct http_request req = { .method = "GET", .path = "/v1/jobs", .query = query };
	trex_err_clear(err);
	return http_query_get(&req, name, buf, size, err);
}

static void test_query_get(void **state)
{
	char buf[16];
	struct trex_err err;
	assert_int_equal(get("", "state", buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "");
	assert_int_equal(get("state=running", "state", buf, sizeof(buf), &err), 1);
	assert_string_equal(buf, "running");
	assert_int_equal(get("limit=5&state=held&x", "state", buf, sizeof(buf), &err), 1);
	assert_string_equal(buf, "held");
	assert_int_equal(get("limit=5&&state=", "state", buf, sizeof(buf), &err), 1);
	assert_string_equal(buf, "");
	assert_int_equal(get("state", "state", buf, sizeof(buf), &err), 1);
	assert_string_equal(buf, "");
	assert_int_equal(get("states=a&stat=b", "state", buf, sizeof(buf), &err), 0);
	assert_int_equal(get("project=a%2Fb+c%7e", "project", buf, sizeof(buf), &err), 1);
	assert_string_equal(buf, "a/b c~");
	/* a NULL query (a request built by hand) is no query */
	assert_int_equal(get(NULL, "state", buf, sizeof(buf), &err), 0);
}

static void test_query_bad(void **state)
{
	char buf[8];
	struct trex_err err;
	assert_int_equal(get("state=a%2", "state", buf, sizeof(buf), &err), -EINVAL);
	assert_string_equal(err.msg, "query parameter state: truncated percent-encoding");
	assert_int_equal(get("state=a%zz", "state", buf, sizeof(buf), &err), -EINVAL);
	assert_string_equal(err.msg, "query parameter state: bad percent-encoding at byte 1");
	assert_int_equal(get("state=a%00b", "state", buf, sizeof(buf), &err), -EINVAL);
	assert_string_equal(err.msg, "query parameter state: encoded NUL byte");
	assert_int_equal(get("state=a&state=b", "state", buf, sizeof(buf), &err), -EINVAL);
	assert_string_equal(err.msg, "query parameter state given more than once");
	/* 7 bytes fit in 8, 8 do not, also when the 8th comes from %XX */
	assert_int_equal(get("state=1234567", "state", buf, sizeof(buf), &err), 1);
	assert_string_equal(buf, "1234567");
	assert_int_equal(get("state=12345678", "state", buf, sizeof(buf), &err), -ENAMETOOLONG);
	assert_string_equal(err.msg, "query parameter state: value longer than 7 bytes");
	assert_int_equal(get("state=1234567%41", "state", buf, sizeof(buf), &err),
			 -ENAMETOOLONG);
	/* a bad parameter that is not asked for is not looked at */
	assert_int_equal(get("x=%zz&state=ok", "state", buf, sizeof(buf), &err), 1);
	assert_string_equal(buf, "ok");
}

static void test_query_check(void **state)
{
	static const char *const known[] = { "state", "limit", NULL };
	struct trex_err err;
	struct http_request req = { .query = "" };
	assert_int_equal(http_query_check(&req, known, &err), 0);
	req.query = "state=a&&limit=2&";
	assert_int_equal(http_query_check(&req, known, &err), 0);
	req.query = "state=a&limt=2";
	assert_int_equal(http_query_check(&req, known, &err), -EINVAL);
	assert_string_equal(err.msg, "unknown query parameter 'limt'");
	req.query = "st%61te=a";
	assert_int_equal(http_query_check(&req, known, &err), -EINVAL);
	assert_string_equal(err.msg, "unknown query parameter 'st%61te'");
}

static void test_cursor(void **state)
{
	char tok[CURSOR_LEN + 1];
	int64_t seq = 0;
	struct trex_err err;
	cursor_encode(167, "state=held", tok);
	assert_int_equal(strlen(tok), CURSOR_LEN);
	assert_memory_equal(tok, "00000000000000a7", 16);
	assert_int_equal(cursor_decode(tok, "state=held", &seq, &err), 0);
	assert_int_equal(seq, 167);
	cursor_encode(INT64_MAX, "", tok);
	assert_int_equal(cursor_decode(tok, "", &seq, &err), 0);
	assert_int_equal(seq, INT64_MAX);
	/* other filters */
	cursor_encode(5, "state=held", tok);
	assert_int_equal(cursor_decode(tok, "state=failed", &seq, &err), -EINVAL);
	assert_string_equal(err.msg, "cursor was issued for other filters: repeat the same state,"
				     " project, user and since with it");
	/* not one trexd issued: length, case, characters, zero, sign bit */
	static const char *const bad[] = { "", "xyz", "00000000000000a7", "00000000000000A7aaaaaaaa",
					   "00000000000000a7aaaaaaa", "00000000000000a7aaaaaaaaa",
					   "000000000000000000000000", "8000000000000000aaaaaaaa",
					   "00000000000000a7aaaaaaa ", "-0000000000000a7aaaaaaaa" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cursor_decode(bad[i], "", &seq, &err) != -EINVAL)
			fail_msg("cursor \"%s\" accepted", bad[i]);
		assert_string_equal(err.msg, "cursor is not a cursor trexd issued: "
					     "pass the \"next\" of the previous page unchanged");
	}
	/* one changed digit of the seq is still a cursor (not secret): it
	 * only moves where the page starts */
	cursor_encode(5, "", tok);
	tok[15] = '6';
	assert_int_equal(cursor_decode(tok, "", &seq, &err), 0);
	assert_int_equal(seq, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_get),
		cmocka_unit_test(test_query_bad),
		cmocka_unit_test(test_query_check),
		cmocka_unit_test(test_cursor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
