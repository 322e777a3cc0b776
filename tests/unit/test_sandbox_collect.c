/* Unit tests for the output collector (sandbox/collect.c) over host temp
 * dirs: what is copied and how, every refusal reason on the status fd, the
 * caps, and the name filter. */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sandbox/collect.h"

static char src[64], dst[64];

static int setup(void **state)
{
	snprintf(src, sizeof(src), "/tmp/trex-colsrc.XXXXXX");
	snprintf(dst, sizeof(dst), "/tmp/trex-coldst.XXXXXX");
	assert_non_null(mkdtemp(src));
	assert_non_null(mkdtemp(dst));
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", src, dst);
	return system(cmd) == 0 ? 0 : -1;
}

static void mk(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", src, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* run the collector; the status text lands in *status (static) */
static int collect(const struct sbx_collect_limits *lim, struct sbx_collect_result *res,
		   char **status)
{
	static char buf[16384];
	int sfd = open(src, O_PATH | O_DIRECTORY);
	int dfd = open(dst, O_RDONLY | O_DIRECTORY);
	FILE *tmp = tmpfile();
	struct trex_err err = { 0 };
	int rc = sbx_collect(sfd, dfd, lim, fileno(tmp), res, &err);
	rewind(tmp);
	size_t n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	close(sfd);
	close(dfd);
	*status = buf;
	return rc;
}

static bool has_line(const char *status, const char *line)
{
	size_t l = strlen(line);
	for (const char *p = status; (p = strstr(p, line)); p++)
		if ((p == status || p[-1] == '\n') && p[l] == '\n')
			return true;
	return false;
}

static void test_collect_and_refuse(void **state)
{
	char p[512], q[512];
	mk("table.csv", "a,b\n1,2\n");
	snprintf(p, sizeof(p), "%s/table.csv", src);
	chmod(p, 04755);
	snprintf(p, sizeof(p), "%s/sub", src);
	mkdir(p, 0700);
	mk("sub/fig.txt", "fig\n");
	snprintf(p, sizeof(p), "%s/link", src);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/fifo", src);
	assert_int_equal(mkfifo(p, 0644), 0);
	mk("h1", "x");
	snprintf(p, sizeof(p), "%s/h1", src);
	snprintf(q, sizeof(q), "%s/h2", src);
	assert_int_equal(link(p, q), 0);
	mk("bad\nname", "x");
	mk("-rf", "x");
	mk("\xc3\x28", "x");               /* invalid UTF-8 */
	mk("caf\xc3\xa9", "ok\n");          /* valid UTF-8 */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sock", src);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	snprintf(p, sizeof(p), "%s/d1/d2/d3", src);
	char mk3[600];
	snprintf(mk3, sizeof(mk3), "mkdir -p '%s'", p);
	assert_int_equal(system(mk3), 0);
	mk("d1/d2/d3/deep.txt", "deep");

	struct sbx_collect_limits lim = { .max_entries = 100, .max_bytes = 1 << 20, .max_depth = 2 };
	struct sbx_collect_result res;
	char *st;
	assert_int_equal(collect(&lim, &res, &st), 0);
	assert_true(has_line(st, "collected=table.csv"));
	assert_true(has_line(st, "collected=sub/fig.txt"));
	assert_true(has_line(st, "collected=caf\\xc3\\xa9"));
	assert_true(has_line(st, "refused=link: symlink"));
	assert_true(has_line(st, "refused=fifo: fifo"));
	assert_true(has_line(st, "refused=sock: socket"));
	assert_true(has_line(st, "refused=h1: hard link"));
	assert_true(has_line(st, "refused=h2: hard link"));
	assert_true(has_line(st, "refused=bad\\x0aname: bad name"));
	assert_true(has_line(st, "refused=-rf: bad name"));
	assert_true(has_line(st, "refused=\\xc3(: bad name"));
	assert_true(has_line(st, "refused=d1/d2/d3: too deep"));
	assert_int_equal(res.files, 3);
	assert_false(res.limit_hit);

	struct stat sb;
	snprintf(p, sizeof(p), "%s/table.csv", dst);
	assert_int_equal(lstat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0644);
	assert_true(S_ISREG(sb.st_mode));
	snprintf(p, sizeof(p), "%s/link", dst);
	assert_int_equal(lstat(p, &sb), -1);
	snprintf(p, sizeof(p), "%s/fifo", dst);
	assert_int_equal(lstat(p, &sb), -1);
	snprintf(p, sizeof(p), "%s/sub/fig.txt", dst);
	assert_int_equal(lstat(p, &sb), 0);
}

static void test_caps(void **state)
{
	for (int i = 0; i < 10; i++) {
		char n[16];
		snprintf(n, sizeof(n), "f%d", i);
		mk(n, "0123456789");
	}
	struct sbx_collect_limits lim = { .max_entries = 4, .max_bytes = 1 << 20, .max_depth = 4 };
	struct sbx_collect_result res;
	char *st;
	assert_int_equal(collect(&lim, &res, &st), 0);
	assert_int_equal(res.files, 4);
	assert_int_equal(res.refused, 6);
	assert_true(res.limit_hit);
	assert_non_null(strstr(st, ": too many files\n"));
}

static void test_size_cap(void **state)
{
	mk("a", "0123456789");
	mk("b", "0123456789");
	struct sbx_collect_limits lim = { .max_entries = 10, .max_bytes = 15, .max_depth = 4 };
	struct sbx_collect_result res;
	char *st;
	assert_int_equal(collect(&lim, &res, &st), 0);
	assert_int_equal(res.files, 1);
	assert_true(res.limit_hit);
	assert_non_null(strstr(st, ": too big\n"));
	assert_true(res.bytes <= 15);
}

static void test_name_ok(void **state)
{
	assert_true(sbx_collect_name_ok("table.csv"));
	assert_true(sbx_collect_name_ok("r\xc3\xa9sum\xc3\xa9"));
	assert_true(sbx_collect_name_ok("\xf0\x9f\x98\x80"));
	assert_false(sbx_collect_name_ok(""));
	assert_false(sbx_collect_name_ok("-x"));
	assert_false(sbx_collect_name_ok("a\nb"));
	assert_false(sbx_collect_name_ok("a\x1b]52"));
	assert_false(sbx_collect_name_ok("a\x7f"));
	assert_false(sbx_collect_name_ok("\xc2\x9b"));        /* C1 CSI */
	assert_false(sbx_collect_name_ok("\xc0\xaf"));        /* overlong '/' */
	assert_false(sbx_collect_name_ok("\xed\xa0\x80"));    /* surrogate */
	assert_false(sbx_collect_name_ok("\xff"));
	assert_false(sbx_collect_name_ok("\xe2\x82"));        /* truncated */
}

static void test_output_dir_open(void **state)
{
	struct trex_err err = { 0 };
	int fd = sbx_output_dir_open(dst, &err);
	assert_true(fd >= 0);
	close(fd);
	mk("x", "x");
	assert_int_equal(sbx_output_dir_open(src, &err), -ENOTEMPTY);
	char p[512];
	snprintf(p, sizeof(p), "%s/l", dst);
	assert_int_equal(symlink(src, p), 0);
	assert_true(sbx_output_dir_open(p, &err) < 0); /* never through a symlink */
	assert_true(sbx_output_dir_open("/nonexistent-trex", &err) == -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_collect_and_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_cap, setup, teardown),
		cmocka_unit_test(test_name_ok),
		cmocka_unit_test_setup_teardown(test_output_dir_open, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
