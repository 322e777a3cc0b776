/* Unit tests for query string parameters (runner/http_query.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_get),
		cmocka_unit_test(test_query_bad),
		cmocka_unit_test(test_query_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
