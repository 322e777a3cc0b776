/* Unit tests for agent/: the checks on every name that comes from outside
 * before trex puts it in a URL, a file name or an upload, the URL escaping,
 * and the terminal states `wait` stops on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "agent/bundle.h"
#include "agent/cli.h"
#include "agent/client.h"

static void test_job_ids(void **state)
{
	assert_true(cli_job_id_ok("20261129T041804-2c211bbbc34d"));
	assert_true(cli_job_id_ok("job_1.a"));
	assert_false(cli_job_id_ok(""));
	assert_false(cli_job_id_ok("a/b"));
	assert_false(cli_job_id_ok(".."));
	assert_false(cli_job_id_ok("a b"));
	assert_false(cli_job_id_ok("a?x=1"));
	assert_false(cli_job_id_ok("a%2f"));
	char long_id[200];
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_false(cli_job_id_ok(long_id));
}

static void test_output_names(void **state)
{
	assert_true(cli_output_name_ok("age_sex.csv"));
	assert_true(cli_output_name_ok("table 1 (é).csv"));
	assert_false(cli_output_name_ok(""));
	assert_false(cli_output_name_ok(".."));
	assert_false(cli_output_name_ok(".bashrc"));
	assert_false(cli_output_name_ok("../x.csv"));
	assert_false(cli_output_name_ok("a/b.csv"));
	assert_false(cli_output_name_ok("a\\b.csv"));
	assert_false(cli_output_name_ok("a\nb.csv"));
	assert_false(cli_output_name_ok("a\x1b[2Jb"));
	assert_false(cli_output_name_ok("a\x7f"));
}

static void test_output_paths(void **state)
{
	assert_true(cli_output_path_ok("age_sex.csv"));
	assert_true(cli_output_path_ok("tables/age_sex.csv"));
	assert_false(cli_output_path_ok("/etc/passwd"));
	assert_false(cli_output_path_ok("tables/../../x"));
	assert_false(cli_output_path_ok("tables//x"));
	assert_false(cli_output_path_ok("tables/"));
	assert_false(cli_output_path_ok("./x"));
	assert_false(cli_output_path_ok("tables/.hidden"));
	assert_false(cli_output_path_ok("a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q"));
	assert_false(cli_output_path_ok("t\x1b/x"));
}

static void test_bundle_paths(void **state)
{
	assert_true(bundle_relpath_ok("analysis.py"));
	assert_true(bundle_relpath_ok("lib/util.py"));
	assert_false(bundle_relpath_ok(""));
	assert_false(bundle_relpath_ok("/etc/passwd"));
	assert_false(bundle_relpath_ok("../x"));
	assert_false(bundle_relpath_ok("a/../../x"));
	assert_false(bundle_relpath_ok("a//b"));
	assert_false(bundle_relpath_ok("a/./b"));
	assert_false(bundle_relpath_ok("a/"));
	assert_false(bundle_relpath_ok("a\tb"));
}

static void test_path_escape(void **state)
{
	char out[32];
	assert_int_equal(client_path_escape("age_sex.csv", out, sizeof(out)), 0);
	assert_string_equal(out, "age_sex.csv");
	assert_int_equal(client_path_escape("a b/c?d#", out, sizeof(out)), 0);
	assert_string_equal(out, "a%20b%2Fc%3Fd%23");
	assert_int_equal(client_path_escape("\xc3\xa9", out, sizeof(out)), 0);
	assert_string_equal(out, "%C3%A9");
	char small[4];
	assert_int_equal(client_path_escape("abcd", small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(client_path_escape("ab ", small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(client_path_escape("abc", small, sizeof(small)), 0);
}

static void test_terminal_states(void **state)
{
	static const char *const live[] = { "submitted", "awaiting_approval", "queued",
					    "running", "checking" };
	static const char *const done[] = { "released", "partially_released", "held",
					    "blocked", "failed", "timed_out", "cancelled",
					    "refused", "rejected" };
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		assert_false(cli_state_terminal(live[i]));
	for (size_t i = 0; i < sizeof(done) / sizeof(done[0]); i++)
		assert_true(cli_state_terminal(done[i]));
	assert_false(cli_state_terminal(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_ids),
		cmocka_unit_test(test_output_names),
		cmocka_unit_test(test_output_paths),
		cmocka_unit_test(test_bundle_paths),
		cmocka_unit_test(test_path_escape),
		cmocka_unit_test(test_terminal_states),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
