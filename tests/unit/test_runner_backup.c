/* Unit tests for runner/backup_fs.c: which paths a backup manifest may
 * name (restore writes each below the state folder), opening a path
 * without following any symlink on the way, and hashing while copying. */
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

#include "runner/backup.h"

static void test_path_ok(void **state)
{
	(void)state;
	static const char *const good[] = { "trexd.db", "jobs/J/code/a.py", "release/P/J/t/x.csv",
					    ".trex-acro", "a/.b", "a/..b", "a/b..", NULL };
	static const char *const bad[] = { "", "/etc/passwd", "..", ".", "a/../b", "a/./b", "a//b",
					   "a/", "../x", "a/..", NULL };
	for (int i = 0; good[i]; i++)
		assert_true(bkp_path_ok(good[i]));
	for (int i = 0; bad[i]; i++)
		assert_false(bkp_path_ok(bad[i]));
}

static void test_open_in_no_symlinks(void **state)
{
	(void)state;
	char top[] = "/tmp/trex-bkp.XXXXXX";
	assert_non_null(mkdtemp(top));
	char p[256];
	snprintf(p, sizeof(p), "%s/d", top);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/d/f", top);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("abc", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/link", top);
	assert_int_equal(symlink("d", p), 0);
	snprintf(p, sizeof(p), "%s/flink", top);
	assert_int_equal(symlink("d/f", p), 0);
	int root = open(top, O_RDONLY | O_DIRECTORY);
	assert_true(root >= 0);
	struct trex_err err = { 0 };
	int fd = bkp_open_in(root, "d/f", O_RDONLY, &err);
	assert_true(fd >= 0);
	char sha[65];
	uint64_t size;
	assert_int_equal(bkp_hash_copy(fd, -1, sha, &size, &err), 0);
	assert_int_equal(size, 3);
	assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	close(fd);
	/* a symlinked folder on the way, or as the last component */
	assert_int_equal(bkp_open_in(root, "link/f", O_RDONLY, &err), -ENOTDIR);
	assert_int_equal(bkp_open_in(root, "flink", O_RDONLY, &err), -ELOOP);
	assert_int_equal(bkp_open_in(root, "d/none", O_RDONLY, &err), -ENOENT);
	close(root);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_ok),
		cmocka_unit_test(test_open_in_no_symlinks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
