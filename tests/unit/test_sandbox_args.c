/* Unit tests for trex-sandbox's command line (sandbox/args.c): defaults are
 * the hardened ones, every option parses, and ambiguous or unsafe input is
 * rejected with a message naming the option. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sandbox/sandbox.h"

#define ARGV(...) ((char *[]){ "trex-sandbox", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "trex-sandbox", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cfg, err, ...) sbx_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg, err)

static void test_defaults(void **state)
{
	struct sbx_config c;
	struct trex_err err = { 0 };
	assert_int_equal(PARSE(&c, &err, "--", "/bin/true"), 0);
	assert_string_equal(c.argv[0], "/bin/true");
	assert_null(c.argv[1]);
	assert_null(c.data);
	assert_null(c.code);
	assert_null(c.output);
	assert_int_equal(c.uid_base, 200000);
	assert_int_equal(c.uid_count, 10000);
	assert_int_equal(c.seccomp_fd, -1);
	assert_null(c.seccomp_profile);
	assert_int_equal(c.status_fd, -1);
	assert_true(c.memory_mb > 0 && c.pids > 0 && c.timeout > 0 && c.cpu_seconds > 0);
	assert_true(c.output_mb > 0 && c.output_files > 0);
	assert_string_equal(c.cgroup_parent, "trex");
	assert_false(c.rootless);
}

/* --rootless is a flag, once; main decides what it means for its uid */
static void test_rootless(void **state)
{
	struct sbx_config c;
	struct trex_err err = { 0 };
	assert_int_equal(PARSE(&c, &err, "--rootless", "--", "/bin/true"), 0);
	assert_true(c.rootless);
	assert_int_equal(PARSE(&c, &err, "--rootless", "--rootless", "--", "/bin/true"), -EINVAL);
	assert_non_null(strstr(err.msg, "given twice"));
	assert_int_equal(PARSE(&c, &err, "--rootless=1", "--", "/bin/true"), -EINVAL);
}

static void test_all_options(void **state)
{
	struct sbx_config c;
	struct trex_err err = { 0 };
	char range[] = "300000:50";
	int rc = PARSE(&c, &err, "--data", "/d", "--code", "/c", "--output", "/o", "--etc", "R", "--etc", "python3.11",
		       "--memory", "512", "--pids", "32", "--cpu-seconds", "10", "--timeout", "20",
		       "--output-mb", "5", "--output-files", "7", "--seccomp-fd", "4",
		       "--status-fd", "3", "--uid-range", range, "--ro-bind", "/x", "/opt/trex",
		       "--ro-bind", "/y", "/opt/y", "--env", "A=1", "--env", "B_2=x=y",
		       "--job-id", "20261129T000000-abcdef", "--cgroup-parent", "trexd.jobs",
		       "--", "Rscript", "a.R");
	assert_int_equal(rc, 0);
	assert_string_equal(c.data, "/d");
	assert_string_equal(c.code, "/c");
	assert_string_equal(c.output, "/o");
	assert_int_equal(c.netc, 2);
	assert_string_equal(c.etc[0], "R");
	assert_string_equal(c.etc[1], "python3.11");
	assert_int_equal(c.memory_mb, 512);
	assert_int_equal(c.pids, 32);
	assert_int_equal(c.cpu_seconds, 10);
	assert_int_equal(c.timeout, 20);
	assert_int_equal(c.output_mb, 5);
	assert_int_equal(c.output_files, 7);
	assert_int_equal(c.seccomp_fd, 4);
	assert_int_equal(c.status_fd, 3);
	assert_int_equal(c.uid_base, 300000);
	assert_int_equal(c.uid_count, 50);
	assert_int_equal(c.nbinds, 2);
	assert_string_equal(c.binds[0].src, "/x");
	assert_string_equal(c.binds[0].dest, "/opt/trex");
	assert_string_equal(c.binds[1].dest, "/opt/y");
	assert_int_equal(c.nenv, 2);
	assert_string_equal(c.env[1], "B_2=x=y");
	assert_string_equal(c.job_id, "20261129T000000-abcdef");
	assert_string_equal(c.cgroup_parent, "trexd.jobs");
	assert_string_equal(c.argv[0], "Rscript");
	assert_string_equal(c.argv[1], "a.R");
}

static void expect_bad(int rc, const struct trex_err *err, const char *needle)
{
	assert_int_equal(rc, -EINVAL);
	if (!strstr(err->msg, needle))
		fail_msg("message '%s' lacks '%s'", err->msg, needle);
}

static void test_rejections(void **state)
{
	struct sbx_config c;
	struct trex_err e = { 0 };
	expect_bad(PARSE(&c, &e, "/bin/true"), &e, "missing '--'");
	expect_bad(PARSE(&c, &e, "--memory", "64", "true"), &e, "missing '--'");
	expect_bad(PARSE(&c, &e, "--"), &e, "missing command");
	expect_bad(PARSE(&c, &e, "--bogus", "--", "x"), &e, "unknown or incomplete option");
	expect_bad(PARSE(&c, &e, "--memory", "1g", "--", "x"), &e, "--memory");
	expect_bad(PARSE(&c, &e, "--memory", "-5", "--", "x"), &e, "--memory");
	expect_bad(PARSE(&c, &e, "--memory", "8", "--", "x"), &e, "outside");
	expect_bad(PARSE(&c, &e, "--pids", "0", "--", "x"), &e, "--pids");
	expect_bad(PARSE(&c, &e, "--timeout", "99999999999999999999", "--", "x"), &e, "--timeout");
	expect_bad(PARSE(&c, &e, "--memory", "64", "--memory", "128", "--", "x"), &e, "twice");
	/* the sandbox knows no runtime: its /etc entries are names, never paths */
	expect_bad(PARSE(&c, &e, "--runtime", "python3", "--", "x"), &e, "unknown or incomplete option");
	expect_bad(PARSE(&c, &e, "--etc", "../shadow", "--", "x"), &e, "--etc");
	expect_bad(PARSE(&c, &e, "--etc", "a/b", "--", "x"), &e, "--etc");
	expect_bad(PARSE(&c, &e, "--etc", ".", "--", "x"), &e, "--etc");
	expect_bad(PARSE(&c, &e, "--etc", "R", "--etc", "R", "--", "x"), &e, "twice");
	expect_bad(PARSE(&c, &e, "--seccomp-fd", "2", "--", "x"), &e, "above 2");
	expect_bad(PARSE(&c, &e, "--seccomp-fd", "4", "--seccomp-profile", "/p", "--", "x"), &e,
		   "exclude each other");
	expect_bad(PARSE(&c, &e, "--status-fd", "0", "--", "x"), &e, "--status-fd");
	expect_bad(PARSE(&c, &e, "--env", "LD_PRELOAD=/x.so", "--", "x"), &e, "LD_");
	expect_bad(PARSE(&c, &e, "--env", "NOEQUALS", "--", "x"), &e, "K=V");
	expect_bad(PARSE(&c, &e, "--env", "1A=x", "--", "x"), &e, "bad variable name");
	expect_bad(PARSE(&c, &e, "--job-id", "../etc", "--", "x"), &e, "--job-id");
	expect_bad(PARSE(&c, &e, "--job-id", ".hidden", "--", "x"), &e, "--job-id");
	expect_bad(PARSE(&c, &e, "--cgroup-parent", "a/b", "--", "x"), &e, "--cgroup-parent");
	expect_bad(PARSE(&c, &e, "--ro-bind", "/x", "--", "x"), &e, "absolute");
	expect_bad(PARSE(&c, &e, "--ro-bind", "rel", "/opt/x", "--", "x"), &e, "source");
	expect_bad(PARSE(&c, &e, "--ro-bind", "/x", "/data", "--", "x"), &e, "reserved");
	expect_bad(PARSE(&c, &e, "--ro-bind", "/x", "/usr/bin/python3", "--", "x"), &e, "reserved");
	expect_bad(PARSE(&c, &e, "--ro-bind", "/x", "/output/x", "--", "x"), &e, "reserved");
	expect_bad(PARSE(&c, &e, "--ro-bind", "/x", "/", "--", "x"), &e, "absolute");
	expect_bad(PARSE(&c, &e, "--ro-bind", "/x", "/opt/../data", "--", "x"), &e, "not clean");
	expect_bad(PARSE(&c, &e, "--ro-bind", "/x", "/opt//x", "--", "x"), &e, "not clean");
	expect_bad(PARSE(&c, &e, "--ro-bind", "/x", "/opt/x/", "--", "x"), &e, "absolute");
	expect_bad(PARSE(&c, &e, "--ro-bind", "/x", "/opt/a", "--ro-bind", "/y", "/opt/a", "--", "x"),
		   &e, "twice");
	char r1[] = "0:10", r2[] = "65000:1000", r3[] = "200000", r4[] = "4294967000:1000";
	expect_bad(PARSE(&c, &e, "--uid-range", r1, "--", "x"), &e, "--uid-range");
	expect_bad(PARSE(&c, &e, "--uid-range", r2, "--", "x"), &e, "65534");
	expect_bad(PARSE(&c, &e, "--uid-range", r3, "--", "x"), &e, "BASE:COUNT");
	expect_bad(PARSE(&c, &e, "--uid-range", r4, "--", "x"), &e, "--uid-range");
}

/* folders handed over open (trexd's monitor): fd numbers above 2, one
 * use per fd, never together with the path form of the same option */
static void test_dir_fds(void **state)
{
	struct sbx_config c;
	struct trex_err err = { 0 };
	assert_int_equal(PARSE(&c, &err, "--code-fd", "5", "--output-fd", "6", "--status-fd", "3",
			       "--seccomp-fd", "4", "--ro-bind", "/x", "/opt/trex",
			       "--ro-bind-fd", "7", "/opt/trex-ids", "--", "sh"), 0);
	assert_int_equal(c.code_fd, 5);
	assert_true(c.has_code);
	assert_int_equal(c.output_fd, 6);
	assert_int_equal(c.code_tree, -1);
	assert_null(c.code);
	assert_null(c.output);
	assert_int_equal(c.nbinds, 2);
	assert_string_equal(c.binds[0].src, "/x");
	assert_int_equal(c.binds[0].fd, -1);
	assert_null(c.binds[1].src);
	assert_int_equal(c.binds[1].fd, 7);
	assert_int_equal(c.binds[1].tree, -1);
	assert_string_equal(c.binds[1].dest, "/opt/trex-ids");
	assert_int_equal(PARSE(&c, &err, "--", "sh"), 0);
	assert_false(c.has_code);
	assert_int_equal(c.code_fd, -1);
	assert_int_equal(c.output_fd, -1);

	assert_int_equal(PARSE(&c, &err, "--code-fd", "2", "--", "sh"), -EINVAL);
	assert_non_null(strstr(err.msg, "--code-fd"));
	assert_int_equal(PARSE(&c, &err, "--output-fd", "x", "--", "sh"), -EINVAL);
	assert_non_null(strstr(err.msg, "--output-fd"));
	assert_int_equal(PARSE(&c, &err, "--code", "/c", "--code-fd", "5", "--", "sh"), -EINVAL);
	assert_non_null(strstr(err.msg, "exclude"));
	assert_int_equal(PARSE(&c, &err, "--output", "/o", "--output-fd", "5", "--", "sh"), -EINVAL);
	assert_int_equal(PARSE(&c, &err, "--code-fd", "5", "--code-fd", "6", "--", "sh"), -EINVAL);
	assert_int_equal(PARSE(&c, &err, "--code-fd", "5", "--output-fd", "5", "--", "sh"), -EINVAL);
	assert_non_null(strstr(err.msg, "fd 5"));
	assert_int_equal(PARSE(&c, &err, "--status-fd", "3", "--ro-bind-fd", "3", "/opt/x", "--",
			       "sh"), -EINVAL);
	assert_int_equal(PARSE(&c, &err, "--ro-bind-fd", "7", "/proc/x", "--", "sh"), -EINVAL);
	assert_int_equal(PARSE(&c, &err, "--ro-bind-fd", "7", "/opt/x", "--ro-bind", "/y", "/opt/x",
			       "--", "sh"), -EINVAL);
	assert_non_null(strstr(err.msg, "twice"));
}

static void test_name_valid(void **state)
{
	assert_true(sbx_name_valid("job-1_x.y"));
	assert_false(sbx_name_valid(""));
	assert_false(sbx_name_valid("."));
	assert_false(sbx_name_valid(".."));
	assert_false(sbx_name_valid("a/b"));
	assert_false(sbx_name_valid("a b"));
	assert_false(sbx_name_valid("a\nb"));
	assert_false(sbx_name_valid("0123456789012345678901234567890123456789012345678901234567890123456789"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_rootless),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_dir_fds),
		cmocka_unit_test(test_name_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
