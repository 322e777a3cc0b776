/* Unit tests for sandbox/cgroup.c over fake cgroupfs trees (this host has
 * v1 controllers only, so the v2 paths are exercised here): path logic from
 * /proc/self/cgroup, per-controller detection (v2, v1, hybrid, missing),
 * the files written for limits, attach, and accounting reads, and the
 * supervisor leaf that lets a non-root v2 cgroup holding processes (a
 * systemd unit's) enable controllers for job cgroups. */
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

#include "sandbox/cgroup.h"

static char tree[64];

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	/* mkdir -p of the parent */
	for (char *s = p + strlen(tree) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *rel)
{
	static char buf[256];
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	snprintf(tree, sizeof(tree), "/tmp/trex-cgtest.XXXXXX");
	assert_non_null(mkdtemp(tree));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_self_path(void **state)
{
	const char *self = "12:pids:/user.slice\n4:cpu,cpuacct:/a/b\n3:memory:/\n1:name=systemd:/x\n0::/system.slice/trexd.service\n";
	char out[256];
	assert_int_equal(sbx_cgroup_self_path(self, "pids", out, sizeof(out)), 0);
	assert_string_equal(out, "/user.slice");
	assert_int_equal(sbx_cgroup_self_path(self, "cpu", out, sizeof(out)), 0);
	assert_string_equal(out, "/a/b");
	assert_int_equal(sbx_cgroup_self_path(self, "cpuacct", out, sizeof(out)), 0);
	assert_string_equal(out, "/a/b");
	assert_int_equal(sbx_cgroup_self_path(self, "memory", out, sizeof(out)), 0);
	assert_string_equal(out, ""); /* root */
	assert_int_equal(sbx_cgroup_self_path(self, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/trexd.service");
	assert_int_equal(sbx_cgroup_self_path(self, "blkio", out, sizeof(out)), -ENOENT);
	assert_int_equal(sbx_cgroup_self_path(self, "cpuac", out, sizeof(out)), -ENOENT);
	assert_int_equal(sbx_cgroup_self_path("0::/../../etc\n", NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(sbx_cgroup_self_path("0::/a\n", NULL, out, 2), -ENAMETOOLONG);
	assert_int_equal(sbx_cgroup_self_path("garbage\n", NULL, out, sizeof(out)), -ENOENT);
}

static void test_v2_create_limits_attach_stats(void **state)
{
	put("v2/system.slice/trexd.service/cgroup.controllers", "cpuset cpu io memory pids\n");
	char v2[128];
	snprintf(v2, sizeof(v2), "%s/v2", tree);
	struct sbx_cgroup_env env = { .v1_root = NULL, .v2_root = v2,
				      .self = "0::/system.slice/trexd.service\n" };
	struct sbx_cgroup cg;
	sbx_cgroup_detect(&env, &cg);
	assert_int_equal(cg.ver[SBX_CG_MEMORY], SBX_CG_V2);
	assert_int_equal(cg.ver[SBX_CG_PIDS], SBX_CG_V2);
	assert_int_equal(cg.ver[SBX_CG_CPU], SBX_CG_V2);
	assert_int_equal(cg.ver[SBX_CG_CPUACCT], SBX_CG_V2);
	assert_string_equal(cg.missing, "");

	struct sbx_cgroup_limits lim = { .memory_bytes = 64 << 20, .pids = 10, .cpu_quota_us = 200000 };
	struct trex_err err = { 0 };
	assert_int_equal(sbx_cgroup_create(&cg, &env, "trex", "job1", &lim, &err), 0);
	assert_true(cg.v2_fd >= 0);
	assert_string_equal(get("v2/system.slice/trexd.service/cgroup.subtree_control"), "+memory +pids +cpu");
	assert_string_equal(get("v2/system.slice/trexd.service/trex/cgroup.subtree_control"), "+memory +pids +cpu");
	assert_string_equal(get("v2/system.slice/trexd.service/trex/job1/memory.max"), "67108864");
	assert_string_equal(get("v2/system.slice/trexd.service/trex/job1/memory.swap.max"), "0");
	assert_string_equal(get("v2/system.slice/trexd.service/trex/job1/memory.oom.group"), "1");
	assert_string_equal(get("v2/system.slice/trexd.service/trex/job1/pids.max"), "10");
	assert_string_equal(get("v2/system.slice/trexd.service/trex/job1/cpu.max"), "200000 100000");
	/* the v1 files are never touched on a pure v2 host */
	assert_null(get("v2/system.slice/trexd.service/trex/job1/memory.limit_in_bytes"));

	/* cloned with CLONE_INTO_CGROUP: nothing to write */
	assert_int_equal(sbx_cgroup_attach(&cg, 4242, true, &err), 0);
	assert_null(get("v2/system.slice/trexd.service/trex/job1/cgroup.procs"));
	assert_int_equal(sbx_cgroup_attach(&cg, 4242, false, &err), 0);
	assert_string_equal(get("v2/system.slice/trexd.service/trex/job1/cgroup.procs"), "4242");

	put("v2/system.slice/trexd.service/trex/job1/memory.peak", "1048576\n");
	put("v2/system.slice/trexd.service/trex/job1/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 2\noom_group_kill 1\n");
	put("v2/system.slice/trexd.service/trex/job1/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
	struct sbx_cgroup_stats st;
	sbx_cgroup_stats(&cg, &st);
	assert_true(st.have_peak && st.have_cpu);
	assert_int_equal(st.peak_memory_kb, 1024);
	assert_int_equal(st.oom_kills, 2);
	assert_int_equal(st.cpu_ns, 1500000);

	/* a second job with the same id is refused, not merged */
	struct sbx_cgroup cg2;
	sbx_cgroup_detect(&env, &cg2);
	assert_int_equal(sbx_cgroup_create(&cg2, &env, "trex", "job1", &lim, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "job id in use"));

	/* empty: nothing to kill; populated: cgroup.kill, then wait */
	put("v2/system.slice/trexd.service/trex/job1/cgroup.events", "populated 0\nfrozen 0\n");
	assert_int_equal(sbx_cgroup_kill_all(&cg), 0);
	assert_null(get("v2/system.slice/trexd.service/trex/job1/cgroup.kill"));
	put("v2/system.slice/trexd.service/trex/job1/cgroup.events", "populated 1\nfrozen 0\n");
	assert_int_equal(sbx_cgroup_kill_all(&cg), -EBUSY);
	assert_string_equal(get("v2/system.slice/trexd.service/trex/job1/cgroup.kill"), "1");
	close(cg.v2_fd);
}

static void test_v2_missing_controllers(void **state)
{
	put("v2/cgroup.controllers", "memory\n");
	char v2[128];
	snprintf(v2, sizeof(v2), "%s/v2", tree);
	struct sbx_cgroup_env env = { .v2_root = v2, .self = "0::/\n" };
	struct sbx_cgroup cg;
	sbx_cgroup_detect(&env, &cg);
	assert_int_equal(cg.ver[SBX_CG_MEMORY], SBX_CG_V2);
	assert_int_equal(cg.ver[SBX_CG_PIDS], SBX_CG_NONE);
	assert_int_equal(cg.ver[SBX_CG_CPU], SBX_CG_NONE);
	assert_string_equal(cg.missing, "pids,cpu");
	struct sbx_cgroup_limits lim = { .memory_bytes = 1 << 30, .pids = 5, .cpu_quota_us = 100000 };
	struct trex_err err = { 0 };
	assert_int_equal(sbx_cgroup_create(&cg, &env, "trex", "j", &lim, &err), 0);
	assert_string_equal(get("v2/cgroup.subtree_control"), "+memory");
	assert_null(get("v2/trex/j/pids.max"));
	assert_null(get("v2/trex/j/cpu.max"));
	close(cg.v2_fd);
}

static bool is_dir(const char *rel)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", tree, rel);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A v2-only host under systemd: trexd.service's cgroup holds trexd (and
 * the supervisors). Its processes move into trexd.service/supervisor
 * before the controllers are enabled there, and the job cgroups go
 * beside that leaf; a supervisor started from inside the leaf finds the
 * same base. */
static void test_v2_systemd_supervisor_leaf(void **state)
{
	const char *svc = "v2/system.slice/trexd.service";
	char rel[256];
	put("v2/system.slice/trexd.service/cgroup.controllers", "cpuset cpu io memory pids\n");
	put("v2/system.slice/trexd.service/cgroup.procs", "4100\n4101\n4102\n");
	char v2[128];
	snprintf(v2, sizeof(v2), "%s/v2", tree);
	struct sbx_cgroup_env env = { .v2_root = v2, .self = "0::/system.slice/trexd.service\n" };
	char base[256];
	assert_int_equal(sbx_cgroup_v2_base(&env, base, sizeof(base)), 0);
	assert_string_equal(base, "/system.slice/trexd.service");
	struct sbx_cgroup cg;
	sbx_cgroup_detect(&env, &cg);
	assert_string_equal(cg.missing, "");
	struct sbx_cgroup_limits lim = { .memory_bytes = 1 << 30, .pids = 50, .cpu_quota_us = 100000 };
	struct trex_err err = { 0 };
	assert_int_equal(sbx_cgroup_create(&cg, &env, "trex", "j1", &lim, &err), 0);
	/* the processes went to the leaf (one write per pid: a fake file
	 * keeps the last), then the controllers were enabled in the base */
	snprintf(rel, sizeof(rel), "%s/supervisor", svc);
	assert_true(is_dir(rel));
	snprintf(rel, sizeof(rel), "%s/supervisor/cgroup.procs", svc);
	assert_string_equal(get(rel), "4102");
	snprintf(rel, sizeof(rel), "%s/cgroup.subtree_control", svc);
	assert_string_equal(get(rel), "+memory +pids +cpu");
	/* the job beside the leaf, never inside it */
	snprintf(rel, sizeof(rel), "%s/trex/j1/memory.max", svc);
	assert_string_equal(get(rel), "1073741824");
	snprintf(rel, sizeof(rel), "%s/supervisor/trex", svc);
	assert_false(is_dir(rel));
	close(cg.v2_fd);

	/* the next supervisor runs in the leaf: same base, nothing to move */
	put("v2/system.slice/trexd.service/cgroup.procs", "");
	put("v2/system.slice/trexd.service/supervisor/cgroup.controllers", "cpu memory pids\n");
	put("v2/system.slice/trexd.service/supervisor/cgroup.procs", "4100\n4101\n4102\n4200\n");
	env.self = "0::/system.slice/trexd.service/supervisor\n";
	assert_int_equal(sbx_cgroup_v2_base(&env, base, sizeof(base)), 0);
	assert_string_equal(base, "/system.slice/trexd.service");
	sbx_cgroup_detect(&env, &cg);
	assert_int_equal(cg.ver[SBX_CG_MEMORY], SBX_CG_V2);
	assert_int_equal(sbx_cgroup_create(&cg, &env, "trex", "j2", &lim, &err), 0);
	snprintf(rel, sizeof(rel), "%s/trex/j2/pids.max", svc);
	assert_string_equal(get(rel), "50");
	snprintf(rel, sizeof(rel), "%s/supervisor/supervisor", svc);
	assert_false(is_dir(rel));
	close(cg.v2_fd);

	/* rootless keeps the caller's processes where they are: no leaf */
	put("v2/user/cgroup.controllers", "memory pids\n");
	put("v2/user/cgroup.procs", "900\n");
	struct sbx_cgroup_env user = { .v2_root = v2, .self = "0::/user\n", .keep_processes = true };
	sbx_cgroup_detect(&user, &cg);
	assert_int_equal(sbx_cgroup_create_v2(&cg, &user, "trex", "r1", &lim, &err), 0);
	assert_false(is_dir("v2/user/supervisor"));
	close(cg.v2_fd);

	/* a job parent named like the leaf is refused */
	sbx_cgroup_detect(&env, &cg);
	assert_int_equal(sbx_cgroup_create(&cg, &env, "supervisor", "j3", &lim, &err), -EINVAL);
	assert_string_equal(err.msg, "cgroup parent \"supervisor\" is the supervisors' leaf");

	/* a pid cut short by a full read is never moved: whole lines only */
	put("v2/x/cgroup.procs", "17\n18");
	snprintf(rel, sizeof(rel), "%s/v2/x", tree);
	assert_int_equal(sbx_cgroup_v2_split(rel, &err), 1);
	assert_string_equal(get("v2/x/supervisor/cgroup.procs"), "17");
	/* an empty cgroup: no leaf made */
	put("v2/y/cgroup.procs", "");
	snprintf(rel, sizeof(rel), "%s/v2/y", tree);
	assert_int_equal(sbx_cgroup_v2_split(rel, &err), 0);
	assert_false(is_dir("v2/y/supervisor"));
}

/* The root cgroup may hold processes and still enable controllers: no
 * leaf is made there. */
static void test_v2_root_no_leaf(void **state)
{
	put("v2/cgroup.controllers", "memory pids\n");
	put("v2/cgroup.procs", "1\n2\n");
	char v2[128];
	snprintf(v2, sizeof(v2), "%s/v2", tree);
	struct sbx_cgroup_env env = { .v2_root = v2, .self = "0::/\n" };
	struct sbx_cgroup cg;
	sbx_cgroup_detect(&env, &cg);
	struct sbx_cgroup_limits lim = { .memory_bytes = 1 << 30, .pids = 5, .cpu_quota_us = 0 };
	struct trex_err err = { 0 };
	assert_int_equal(sbx_cgroup_create(&cg, &env, "trex", "j", &lim, &err), 0);
	assert_false(is_dir("v2/supervisor"));
	assert_string_equal(get("v2/cgroup.subtree_control"), "+memory +pids");
	close(cg.v2_fd);
}

/* A controller the parent does not give trexd's cgroup: the message names
 * the file that lacks it and how to enable it. */
static void test_v2_missing_says_where(void **state)
{
	put("v2/system.slice/trexd.service/cgroup.controllers", "cpu pids\n");
	char v2[128], want[512];
	snprintf(v2, sizeof(v2), "%s/v2", tree);
	struct sbx_cgroup_env env = { .v2_root = v2,
				      .self = "0::/system.slice/trexd.service/supervisor\n" };
	struct sbx_cgroup cg;
	sbx_cgroup_detect(&env, &cg);
	assert_string_equal(cg.missing, "memory");
	snprintf(want, sizeof(want),
		 "cgroup v2: %s/system.slice/trexd.service/cgroup.controllers lists \"cpu pids\", not "
		 "memory: the parent cgroup must enable them in its cgroup.subtree_control (under "
		 "systemd: Delegate=yes in the unit, as debian/trex.trexd.service has)", v2);
	assert_string_equal(cg.missing_why, want);
}

static void test_v1_and_hybrid(void **state)
{
	/* the layout of this host: v1 memory/pids/cpu/cpuacct, empty cgroup2 */
	put("v1/memory/harness/memory.usage_in_bytes", "0\n");
	put("v1/pids/cgroup.procs", "");
	put("v1/cpu/cpu.shares", "1024\n");
	put("v1/cpuacct/cpuacct.usage", "0\n");
	put("v1/unified/cgroup.controllers", "");
	char v1[128], v2[128];
	snprintf(v1, sizeof(v1), "%s/v1", tree);
	snprintf(v2, sizeof(v2), "%s/v1/unified", tree);
	struct sbx_cgroup_env env = { .v1_root = v1, .v2_root = v2,
				      .self = "8:pids:/\n4:memory:/harness\n2:cpuacct:/\n1:cpu:/\n0::/\n" };
	struct sbx_cgroup cg;
	sbx_cgroup_detect(&env, &cg);
	assert_int_equal(cg.ver[SBX_CG_MEMORY], SBX_CG_V1);
	assert_int_equal(cg.ver[SBX_CG_PIDS], SBX_CG_V1);
	assert_int_equal(cg.ver[SBX_CG_CPU], SBX_CG_V1);
	/* the cgroup2 leaf's cpu.stat accounts cpu time: no cpuacct dir */
	assert_int_equal(cg.ver[SBX_CG_CPUACCT], SBX_CG_V2);
	assert_string_equal(cg.missing, "");
	struct sbx_cgroup_limits lim = { .memory_bytes = 128 << 20, .pids = 20, .cpu_quota_us = 150000 };
	struct trex_err err = { 0 };
	assert_int_equal(sbx_cgroup_create(&cg, &env, "trex", "j2", &lim, &err), 0);
	/* under the supervisor's own memory cgroup, not beside it */
	assert_string_equal(get("v1/memory/harness/trex/j2/memory.limit_in_bytes"), "134217728");
	assert_string_equal(get("v1/pids/trex/j2/pids.max"), "20");
	assert_string_equal(get("v1/cpu/trex/j2/cpu.cfs_quota_us"), "150000");
	assert_string_equal(get("v1/cpu/trex/j2/cpu.cfs_period_us"), "100000");
	/* the empty cgroup2 still gives a job dir (kill, CLONE_INTO_CGROUP) */
	assert_true(cg.v2_fd >= 0);
	assert_null(get("v1/unified/cgroup.subtree_control"));
	assert_int_equal(sbx_cgroup_attach(&cg, 77, true, &err), 0);
	assert_string_equal(get("v1/memory/harness/trex/j2/cgroup.procs"), "77");
	assert_string_equal(get("v1/pids/trex/j2/cgroup.procs"), "77");
	assert_string_equal(get("v1/cpu/trex/j2/cgroup.procs"), "77");
	assert_null(get("v1/cpuacct/trex/j2/cgroup.procs"));
	/* the sandbox child joins by itself: "0" in every v1 tasks file */
	assert_int_equal(sbx_cgroup_join_self_v1(&cg, &err), 0);
	assert_string_equal(get("v1/memory/harness/trex/j2/tasks"), "0");
	assert_string_equal(get("v1/pids/trex/j2/tasks"), "0");
	assert_string_equal(get("v1/cpu/trex/j2/tasks"), "0");
	assert_null(get("v1/unified/trex/j2/tasks"));
	assert_int_equal(sbx_cgroup_attach_v2(&cg, 78, &err), 0);
	assert_string_equal(get("v1/unified/trex/j2/cgroup.procs"), "78");
	put("v1/memory/harness/trex/j2/memory.max_usage_in_bytes", "2097152\n");
	put("v1/memory/harness/trex/j2/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
	put("v1/unified/trex/j2/cpu.stat", "usage_usec 123456\nuser_usec 1\n");
	struct sbx_cgroup_stats st;
	sbx_cgroup_stats(&cg, &st);
	assert_int_equal(st.cpu_ns, 123456000);
	assert_int_equal(st.peak_memory_kb, 2048);
	assert_int_equal(st.oom_kills, 1);
	close(cg.v2_fd);
}

static void test_v1_only_uses_cpuacct(void **state)
{
	put("v1/memory/memory.usage_in_bytes", "0\n");
	put("v1/cpuacct/cpuacct.usage", "0\n");
	char v1[128];
	snprintf(v1, sizeof(v1), "%s/v1", tree);
	struct sbx_cgroup_env env = { .v1_root = v1, .v2_root = NULL,
				      .self = "4:memory:/\n2:cpuacct:/\n" };
	struct sbx_cgroup cg;
	sbx_cgroup_detect(&env, &cg);
	assert_int_equal(cg.ver[SBX_CG_CPUACCT], SBX_CG_V1);
	assert_string_equal(cg.missing, "pids,cpu");
	struct sbx_cgroup_limits lim = { .memory_bytes = 1 << 30, .pids = 5, .cpu_quota_us = 0 };
	struct trex_err err = { 0 };
	assert_int_equal(sbx_cgroup_create(&cg, &env, "trex", "j3", &lim, &err), 0);
	put("v1/cpuacct/trex/j3/cpuacct.usage", "987\n");
	uint64_t ns;
	assert_int_equal(sbx_cgroup_cpu_ns(&cg, &ns), 0);
	assert_int_equal(ns, 987);
	assert_int_equal(cg.v2_fd, -1);
}

static void test_nothing_available(void **state)
{
	struct sbx_cgroup_env env = { .v1_root = NULL, .v2_root = NULL, .self = "0::/\n" };
	struct sbx_cgroup cg;
	sbx_cgroup_detect(&env, &cg);
	assert_string_equal(cg.missing, "memory,pids,cpu");
	assert_string_equal(cg.missing_why, "neither cgroup v2 nor v1 (not mounted) offers memory,pids,cpu");
	struct sbx_cgroup_limits lim = { 1 << 20, 1, 0 };
	struct trex_err err = { 0 };
	assert_int_equal(sbx_cgroup_create(&cg, &env, "trex", "j", &lim, &err), 0);
	uint64_t ns;
	assert_int_equal(sbx_cgroup_cpu_ns(&cg, &ns), -ENOENT);
	assert_int_equal(cg.v2_fd, -1);
	sbx_cgroup_destroy(&cg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_path),
		cmocka_unit_test_setup_teardown(test_v2_create_limits_attach_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_missing_controllers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_systemd_supervisor_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_root_no_leaf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_missing_says_where, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_and_hybrid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_only_uses_cpuacct, setup, teardown),
		cmocka_unit_test(test_nothing_available),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
