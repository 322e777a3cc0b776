/* runner/rtident.c: a runtime's identity from its probe's output (the
 * runtime part of the release manifest's reproducibility record). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/hash.h"
#include "runner/rtident.h"

static struct runtime py = { .name = "python3", .like = "python3" };

static json_t *parse(const char *text, int ok)
{
	json_t *id = rtident_parse(&py, text, strlen(text), ok);
	assert_non_null(id);
	return id;
}

/* the digest is over the sorted, de-duplicated "NAME VERSION" lines:
 * the order a probe lists packages in, a repeat, a CR or trailing
 * spaces change nothing */
static void test_digest(void **st)
{
	json_t *a = parse("interpreter python3 3.11.2\npackage numpy 1.24.2\npackage pandas 1.5.3\n", 1);
	json_t *b = parse("package pandas 1.5.3\r\nnoise line\npackage numpy 1.24.2  \n"
			  "interpreter python3 3.11.2\npackage numpy 1.24.2\n", 1);
	assert_true(json_equal(a, b));
	char want[65];
	const char *lines = "numpy 1.24.2\npandas 1.5.3\n";
	assert_int_equal(trex_sha256_hex(lines, strlen(lines), want), 0);
	assert_string_equal(json_string_value(json_object_get(a, "packages_sha256")), want);
	assert_int_equal(json_integer_value(json_object_get(a, "packages")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "interpreters"),
							       "python3")), "3.11.2");
	assert_string_equal(json_string_value(json_object_get(a, "name")), "python3");
	assert_string_equal(json_string_value(json_object_get(a, "like")), "python3");
	/* another version of one package: another digest */
	json_t *c = parse("interpreter python3 3.11.2\npackage numpy 1.26.0\npackage pandas 1.5.3\n", 1);
	assert_string_not_equal(json_string_value(json_object_get(c, "packages_sha256")), want);
	json_decref(a);
	json_decref(b);
	json_decref(c);
}

/* a probe that failed, printed no interpreter, or one that is not a
 * word of the allowed characters: "probe": "failed", nothing it printed */
static void test_failed(void **st)
{
	const char *bad[] = { "", "package numpy 1.0\n", "interpreter python3 3.11\"x\n",
			      "interpreter python3\n", "interpreter py\tthon 3\n",
			      "interpreter sh /usr/bin/dash\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *id = parse(bad[i], 1);
		assert_string_equal(json_string_value(json_object_get(id, "probe")), "failed");
		assert_null(json_object_get(id, "interpreters"));
		assert_null(json_object_get(id, "packages_sha256"));
		json_decref(id);
	}
	json_t *id = parse("interpreter python3 3.11.2\n", 0);
	assert_string_equal(json_string_value(json_object_get(id, "probe")), "failed");
	json_decref(id);
	/* an interpreter too long to be a version is left out, not cut */
	char longv[200] = "interpreter python3 ";
	memset(longv + strlen(longv), '1', 100);
	id = parse(longv, 1);
	assert_non_null(json_object_get(id, "probe"));
	json_decref(id);
}

/* every runtime has a probe: python3, R, and a shell for the others */
static void test_commands(void **st)
{
	struct runtime r = { .name = "r", .like = "r" }, sh = { .name = "stata-like" };
	assert_string_equal(rtident_command(&py)[0], "python3");
	assert_string_equal(rtident_command(&r)[0], "Rscript");
	assert_string_equal(rtident_command(&sh)[0], "/bin/sh");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
