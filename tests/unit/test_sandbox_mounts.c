/* Unit tests for the job's filesystem set-up (sandbox/mounts.c): every
 * error return fills the error (code and message) and names its stage.
 * Each case runs sbx_mounts_setup for real in a forked child that first
 * enters a mount namespace of its own (so nothing reaches the host's
 * mounts), and reports rc, stage and error over a pipe. Needs root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

struct outcome {
	int rc;
	char stage[32];
	struct trex_err err;
};

static char tmp[64];

static int setup(void **state)
{
	if (getuid() != 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "/tmp/trex-mnt.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	return 0;
}

static int teardown(void **state)
{
	if (getuid() != 0)
		return 0;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* sbx_mounts_setup(cfg) on root `base`, in a child in a new mount ns */
static struct outcome run_setup(const struct sbx_config *cfg, const char *base)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct outcome o = { 0 };
		const char *stage = "none";
		if (unshare(CLONE_NEWNS) < 0) {
			o.rc = -errno;
			snprintf(o.stage, sizeof(o.stage), "unshare");
		} else {
			struct sbx_mount_plan plan = { .cfg = cfg, .host_uid = 420999, .base = base };
			o.rc = sbx_mounts_setup(&plan, &stage, &o.err);
			snprintf(o.stage, sizeof(o.stage), "%s", stage);
		}
		_exit(write(p[1], &o, sizeof(o)) == (ssize_t)sizeof(o) ? 0 : 1);
	}
	close(p[1]);
	struct outcome o;
	assert_int_equal(read(p[0], &o, sizeof(o)), sizeof(o));
	close(p[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return o;
}

static void assert_filled(const struct outcome *o, const char *what)
{
	if (o->rc == 0)
		return;
	if (o->err.code != o->rc || !o->err.msg[0] || !strcmp(o->stage, "none")) {
		print_error("%s: rc %d, stage %s, err.code %d, msg [%s]\n", what, o->rc, o->stage,
			    o->err.code, o->err.msg);
		fail();
	}
}

static void default_cfg(struct sbx_config *cfg)
{
	struct trex_err err = { 0 };
	char *argv[] = { "trex-sandbox", "--", "/bin/true", NULL };
	assert_int_equal(sbx_args_parse(3, argv, cfg, &err), 0);
}

/* A root path of exactly len characters below tmp. */
static void make_root(char *path, size_t size, size_t len)
{
	snprintf(path, size, "%s", tmp);
	for (size_t n = strlen(path); n < len; n = strlen(path)) {
		size_t left = len - n - 1; /* after the '/' */
		size_t c = left > 255 ? 200 : left;
		if (left > 255 && left - 201 == 0)
			c = 199;
		size_t at = n;
		path[at++] = '/';
		memset(path + at, 'd', c);
		path[at + c] = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			fail_msg("mkdir %zu chars: %s", strlen(path), strerror(errno));
	}
	assert_int_equal(strlen(path), len);
}

/* Near PATH_MAX every path built below the root overflows somewhere:
 * /usr, the merged-usr links, each /etc file, /dev, the /proc masks... */
static void test_long_root_fills_error(void **state)
{
	if (getuid() != 0)
		skip();
	struct sbx_config cfg;
	default_cfg(&cfg);
	char root[4200];
	int failed = 0;
	for (size_t len = 4040; len < 4096; len++) {
		make_root(root, sizeof(root), len);
		struct outcome o = run_setup(&cfg, root);
		char what[64];
		snprintf(what, sizeof(what), "root of %zu characters", len);
		assert_filled(&o, what);
		failed += o.rc < 0;
	}
	assert_true(failed > 0);
}

static void test_missing_sources_fill_error(void **state)
{
	if (getuid() != 0)
		skip();
	struct sbx_config cfg;
	default_cfg(&cfg);
	char root[128];
	snprintf(root, sizeof(root), "%s/root", tmp);
	assert_int_equal(mkdir(root, 0755), 0);

	cfg.data = "/nonexistent/trex-data";
	struct outcome o = run_setup(&cfg, root);
	assert_int_equal(o.rc, -ENOENT);
	assert_string_equal(o.stage, "mount_data");
	assert_filled(&o, "missing --data");
	assert_non_null(strstr(o.err.msg, "/nonexistent/trex-data"));

	cfg.data = NULL;
	cfg.binds[0] = (struct sbx_bind){ .src = "/nonexistent/trex-bind", .dest = "/opt/x",
					  .fd = -1, .tree = -1 };
	cfg.nbinds = 1;
	o = run_setup(&cfg, root);
	assert_int_equal(o.rc, -ENOENT);
	assert_string_equal(o.stage, "mount_ro_bind");
	assert_filled(&o, "missing --ro-bind source");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_long_root_fills_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_sources_fill_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
