/* Unit tests for the adopted run's end (runner/adopt_end.c adopt_end_read): what
 * sandbox/adopt.c writes parses; anything else in the status file or the
 * logs is refused whole, naming the file, never quoting it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/adopt_end.h"

static char dir[64];

static void put(const char *name, const char *text, size_t len)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/adopt/%s", dir, name);
	unlink(p);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void puts_(const char *name, const char *text)
{
	put(name, text, strlen(text));
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_adopt.XXXXXX");
	assert_non_null(mkdtemp(dir));
	char p[128];
	snprintf(p, sizeof(p), "%s/adopt", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	puts_("stdout", "hello\n");
	puts_("stderr", "");
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int read_status(const char *status, struct adopt_end *e, struct trex_err *err)
{
	puts_("status", status);
	*err = (struct trex_err){ 0 };
	return adopt_end_read(dir, e, err);
}

static void test_good(void **state)
{
	struct adopt_end e;
	struct trex_err err;
	assert_int_equal(read_status("trex-adopt 1 exit=3 signal=0 stdout_bytes=6 stderr_bytes=0 "
				     "record=24\nresult=exit\nexit_code=3\n",
				     &e, &err),
			 0);
	assert_int_equal(e.exit_status, 3);
	assert_int_equal(e.term_signal, 0);
	assert_int_equal(e.out_len, 6);
	assert_memory_equal(e.out, "hello\n", 6);
	assert_int_equal(e.err_len, 0);
	assert_int_equal(e.record_len, 24);
	assert_string_equal(e.record, "result=exit\nexit_code=3\n");
	adopt_end_free(&e);
	/* an empty record, a signal; the kept log may be shorter than its count */
	assert_int_equal(read_status("trex-adopt 1 exit=0 signal=9 stdout_bytes=2000000 "
				     "stderr_bytes=0 record=0\n",
				     &e, &err),
			 0);
	assert_int_equal(e.term_signal, 9);
	assert_int_equal(e.out_total, 2000000);
	adopt_end_free(&e);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"trex-adopt 2 exit=0 signal=0 stdout_bytes=6 stderr_bytes=0 record=0\n",
		"trex-adopt 1 exit=0 signal=0 stdout_bytes=6 stderr_bytes=0 record=5\nresult=exit\n",
		"trex-adopt 1 exit=0 signal=0 stdout_bytes=6 stderr_bytes=0 record=99\nresult=exit\n",
		"trex-adopt 1 exit=256 signal=0 stdout_bytes=6 stderr_bytes=0 record=0\n",
		"trex-adopt 1 exit=-1 signal=0 stdout_bytes=6 stderr_bytes=0 record=0\n",
		"trex-adopt 1 exit=01 signal=0 stdout_bytes=6 stderr_bytes=0 record=0\n",
		"trex-adopt 1 exit=1 signal=9 stdout_bytes=6 stderr_bytes=0 record=0\n",
		"trex-adopt 1 exit=0 signal=65 stdout_bytes=6 stderr_bytes=0 record=0\n",
		"trex-adopt 1 exit=0 signal=0 stdout_bytes=99999999999999999999 stderr_bytes=0 record=0\n",
		"trex-adopt 1 exit=0 signal=0 stderr_bytes=0 stdout_bytes=6 record=0\n",
		"trex-adopt 1 exit=0 signal=0 stdout_bytes=6 stderr_bytes=0 record=0 \n",
		"trex-adopt 1 exit=0  signal=0 stdout_bytes=6 stderr_bytes=0 record=0\n",
		"trex-adopt 1 exit=0 signal=0 stdout_bytes=6 stderr_bytes=0 record=0",
		/* a log longer than what went through */
		"trex-adopt 1 exit=0 signal=0 stdout_bytes=5 stderr_bytes=0 record=0\n",
	};
	struct adopt_end e;
	struct trex_err err;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = read_status(bad[i], &e, &err);
		if (r != -EBADMSG)
			fail_msg("status %zu: %d, not refused", i, r);
		assert_non_null(strstr(err.msg, "adopt/"));
		assert_null(strstr(err.msg, "result"));
	}
	/* a NUL inside the record */
	put("status", "trex-adopt 1 exit=0 signal=0 stdout_bytes=6 stderr_bytes=0 record=3\na\0b",
	    sizeof("trex-adopt 1 exit=0 signal=0 stdout_bytes=6 stderr_bytes=0 record=3\na\0b") - 1);
	assert_int_equal(adopt_end_read(dir, &e, &err), -EBADMSG);
	/* no status file: the run did not end (or its relay died) */
	char p[128];
	snprintf(p, sizeof(p), "%s/adopt/status", dir);
	unlink(p);
	assert_int_equal(adopt_end_read(dir, &e, &err), -ENOENT);
	/* a link in its place is not followed */
	assert_int_equal(symlink("stdout", p), 0);
	assert_true(adopt_end_read(dir, &e, &err) < 0);
	unlink(p);
	/* a log over 1 MiB */
	char *big = malloc((1u << 20) + 1);
	assert_non_null(big);
	memset(big, 'x', (1u << 20) + 1);
	put("stdout", big, (1u << 20) + 1);
	free(big);
	assert_int_equal(read_status("trex-adopt 1 exit=0 signal=0 stdout_bytes=2000000 "
				     "stderr_bytes=0 record=0\n",
				     &e, &err),
			 -EBADMSG);
	assert_non_null(strstr(err.msg, "adopt/stdout"));
	puts_("stdout", "hello\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
