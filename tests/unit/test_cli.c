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
#include "common/esc.h"
#include "common/suggest.h"

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
	assert_true(cli_output_path_ok("table 1 (Ã©).csv"));
	assert_false(cli_output_path_ok(".."));
	assert_false(cli_output_path_ok(".bashrc"));
	assert_false(cli_output_path_ok("a\\b.csv"));
	assert_false(cli_output_path_ok("a\x1b[2Jb"));
	assert_false(cli_output_path_ok("a\x7f"));
	assert_false(cli_output_path_ok("-r.csv"));
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

/* trex wait's exit codes: one per way a job ends (trex --help). */
static void test_exit_codes(void **state)
{
	assert_int_equal(cli_exit_for_state("released"), CLI_EXIT_OK);
	assert_int_equal(cli_exit_for_state("partially_released"), CLI_EXIT_PARTIAL);
	assert_int_equal(cli_exit_for_state("held"), CLI_EXIT_HELD);
	assert_int_equal(cli_exit_for_state("blocked"), CLI_EXIT_BLOCKED);
	assert_int_equal(cli_exit_for_state("rejected"), CLI_EXIT_BLOCKED);
	assert_int_equal(cli_exit_for_state("failed"), CLI_EXIT_JOB_FAILED);
	assert_int_equal(cli_exit_for_state("timed_out"), CLI_EXIT_TIMED_OUT);
	assert_int_equal(cli_exit_for_state("cancelled"), CLI_EXIT_CANCELLED);
	assert_int_equal(cli_exit_for_state("some_new_state"), CLI_EXIT_JOB_FAILED);
	assert_int_equal(cli_exit_for_state("running"), -1);
	assert_int_equal(cli_exit_for_state(NULL), -1);
	/* distinct from each other and from usage, unreachable, timeout */
	int codes[] = { CLI_EXIT_OK, CLI_EXIT_FAILED, CLI_EXIT_USAGE, CLI_EXIT_NOT_APPROVED,
			CLI_EXIT_UNREACHABLE, CLI_EXIT_WAIT_TIMEOUT, CLI_EXIT_PARTIAL, CLI_EXIT_HELD,
			CLI_EXIT_BLOCKED, CLI_EXIT_JOB_FAILED, CLI_EXIT_TIMED_OUT, CLI_EXIT_CANCELLED };
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		for (size_t j = i + 1; j < sizeof(codes) / sizeof(codes[0]); j++)
			assert_int_not_equal(codes[i], codes[j]);
}

static void test_suggest(void **state)
{
	static const char *const keys[] = { "project", "permit", "dataset", "runtime", "command",
					     "limits", "outputs" };
	size_t n = sizeof(keys) / sizeof(keys[0]);
	assert_string_equal(trex_suggest("output", keys, n), "outputs");
	assert_string_equal(trex_suggest("comand", keys, n), "command");
	assert_string_equal(trex_suggest("datset", keys, n), "dataset");
	assert_string_equal(trex_suggest("runtiem", keys, n), "runtime"); /* a swap */
	assert_null(trex_suggest("colour", keys, n));
	assert_null(trex_suggest("project", keys, n)); /* not a typo */
	assert_null(trex_suggest("", keys, n));
	static const char *const tie[] = { "ab", "cb" };
	assert_null(trex_suggest("xb", tie, 2)); /* two as near: no guess */
	char big[100];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_null(trex_suggest(big, keys, n));
	char list[32];
	trex_suggest_list(keys, n, list, sizeof(list));
	assert_string_equal(list, "project, permit, dataset, ...");
	trex_suggest_list(keys, 2, list, sizeof(list));
	assert_string_equal(list, "project, permit");
}

static void test_esc_text(void **state)
{
	char out[64];
	trex_esc_text("unknown key \"a=b\\c\"", 19, out, sizeof(out));
	assert_string_equal(out, "unknown key \"a=b\\c\"");
	trex_esc_text("a\x1b[2J\n\xc3\xa9", 8, out, sizeof(out));
	assert_string_equal(out, "a\\x1b[2J\\x0a\xc3\xa9"); /* é stays */
	/* C1 CSI (U+009B), a bidi override (U+202E), a zero-width space
	 * (U+200B), invalid and overlong UTF-8: escaped byte by byte */
	trex_esc_text("\xc2\x9b|\xe2\x80\xae|\xe2\x80\x8b|\xff|\xc0\xaf|\xe2\x82", 18, out,
		      sizeof(out));
	assert_string_equal(out, "\\xc2\\x9b|\\xe2\\x80\\xae|\\xe2\\x80\\x8b|\\xff|\\xc0\\xaf|"
				 "\\xe2\\x82");
	/* cut on a character boundary: "ééé" in 6 bytes is "é..." */
	trex_esc_text("\xc3\xa9\xc3\xa9\xc3\xa9", 6, out, 6);
	assert_string_equal(out, "\xc3\xa9...");
	/* the log form still escapes quotes and '=' */
	trex_esc("\"a=b\"", 5, out, sizeof(out));
	assert_string_equal(out, "\\x22a\\x3db\\x22");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_job_ids),
		cmocka_unit_test(test_output_paths),
		cmocka_unit_test(test_bundle_paths),
		cmocka_unit_test(test_path_escape),
		cmocka_unit_test(test_terminal_states),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_esc_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
