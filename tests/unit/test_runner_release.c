/* Unit tests for runner/release.c's copy: what a job planted in its output
 * folder (symlinks, symlinked folders, "..", non-regular files, oversize)
 * is never followed or copied; a good file arrives whole with its hash. */
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

#include "runner/release.h"

static char dir[64];
static int src, dst;

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/trex-release-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char p[128];
	snprintf(p, sizeof(p), "%s/src", dir);
	mkdir(p, 0755);
	src = open(p, O_RDONLY | O_DIRECTORY);
	snprintf(p, sizeof(p), "%s/dst", dir);
	mkdir(p, 0755);
	dst = open(p, O_RDONLY | O_DIRECTORY);
	int fd = openat(src, "good.csv", O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "a,n\n", 4) != 4)
		return -1;
	close(fd);
	mkdirat(src, "sub", 0755);
	fd = openat(src, "sub/t.csv", O_WRONLY | O_CREAT, 0644);
	close(fd);
	if (symlinkat("/etc/passwd", src, "link.csv") < 0 || symlinkat("/etc", src, "etc") < 0 ||
	    mkfifoat(src, "fifo", 0644) < 0)
		return -1;
	return src < 0 || dst < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	close(src);
	close(dst);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_copy_good(void **state)
{
	char sha[TREX_SHA256_HEX_LEN + 1];
	int64_t size = -1;
	struct trex_err err = { 0 };
	assert_int_equal(release_copy(src, "good.csv", dst, "out/good.csv", 1024, sha, &size, &err), 0);
	assert_int_equal(size, 4);
	/* sha256("a,n\n") */
	assert_string_equal(sha, "0994deba9c6c319aaef294c6f3c3ae302374d9c01c286d9f40cd87b0dc1b1672");
	struct stat st;
	assert_int_equal(fstatat(dst, "out/good.csv", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(release_copy(src, "sub/t.csv", dst, "sub/t.csv", 1024, NULL, NULL, &err), 0);
}

static void test_copy_refused(void **state)
{
	struct trex_err err = { 0 };
	assert_int_equal(release_copy(src, "link.csv", dst, "x", 1024, NULL, NULL, &err), -ELOOP);
	assert_int_equal(release_copy(src, "etc/passwd", dst, "x", 1024, NULL, NULL, &err), -ELOOP);
	assert_int_equal(release_copy(src, "../src/good.csv", dst, "x", 1024, NULL, NULL, &err),
			 -EXDEV);
	assert_int_equal(release_copy(src, "missing.csv", dst, "x", 1024, NULL, NULL, &err),
			 -ENOENT);
	assert_int_equal(release_copy(src, "fifo", dst, "x", 1024, NULL, NULL, &err), -EINVAL);
	assert_int_equal(release_copy(src, "good.csv", dst, "x", 3, NULL, NULL, &err), -EFBIG);
	assert_int_equal(faccessat(dst, "x", F_OK, AT_SYMLINK_NOFOLLOW), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_good),
		cmocka_unit_test(test_copy_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
