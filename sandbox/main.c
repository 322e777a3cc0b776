/* trex-sandbox: run one job in one sandbox (docs/CONTRACTS.md section 1;
 * the process model is drawn in sandbox.h). The flow reads top to bottom:
 * arguments, seccomp, output dir, host uid, cgroups, run, accounting,
 * collection, status record, clean-up. Only this file exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/log.h"
#include "policies/seccomp/secpol.h"
#include "sandbox/cgroup.h"
#include "sandbox/collect.h"
#include "sandbox/sandbox.h"
#include "sandbox/supervise.h"

/* the default profile, compiled at build time (policies/seccomp/seccomp.mk) */
extern const unsigned char sbx_default_bpf[];
extern const size_t sbx_default_bpf_len;

struct sbx_outcome {
	const char *result;
	int exit_code;
	int signal;
};

static int sbx_setup_failed(int status_fd, const char *stage, const struct trex_err *err)
{
	fprintf(stderr, "trex-sandbox: %s: %s\n", stage, err->msg);
	sbx_status_kv(status_fd, "result", "setup_failed");
	sbx_status_kv(status_fd, "exit_code", "%d", SBX_EXIT_SETUP);
	sbx_status_kv(status_fd, "failed_stage", "%s", stage);
	sbx_status_kv(status_fd, "error", "%s", err->msg);
	sbx_status_kv(status_fd, "end", "1");
	return SBX_EXIT_SETUP;
}

/* Was the job's /output tmpfs full (blocks or inodes)? */
static bool sbx_output_full(int ofd)
{
	struct statvfs sv;
	if (ofd < 0 || fstatvfs(ofd, &sv) < 0)
		return false;
	return sv.f_bavail == 0 || sv.f_favail == 0;
}

static struct sbx_outcome sbx_decide(const struct sbx_run *run, const struct sbx_cgroup_stats *cs)
{
	struct sbx_outcome o = { "exit", 0, 0 };
	if (run->timed_out)
		return (struct sbx_outcome){ "timeout", SBX_EXIT_TIMEOUT, 0 };
	if (run->cpu_limited)
		return (struct sbx_outcome){ "cpu_limit", SBX_EXIT_TIMEOUT, 0 };
	if (run->cancel_signal)
		return (struct sbx_outcome){ "signal", 128 + run->cancel_signal, run->cancel_signal };
	/* an OOM kill anywhere in the job is the job's end (memory.oom.group
	 * semantics, also on v1 where the supervisor enforces it), even when
	 * the main process exited before the supervisor saw it */
	if (run->oom_killed || cs->oom_kills)
		return (struct sbx_outcome){ "oom", 128 + SIGKILL, SIGKILL };
	if (!run->have_status)
		return (struct sbx_outcome){ "signal", 128 + SIGKILL, SIGKILL };
	int st = run->wait_status;
	if (WIFEXITED(st)) {
		o.exit_code = WEXITSTATUS(st);
		if (o.exit_code != 0 && sbx_output_full(run->output_fd))
			o.result = "output_limit";
		return o;
	}
	int sig = WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL;
	o.exit_code = 128 + sig;
	o.signal = sig;
	if (sig == SIGXCPU) {
		o.result = "cpu_limit";
		o.exit_code = SBX_EXIT_TIMEOUT;
	} else if (sig == SIGXFSZ)
		o.result = "output_limit";
	else
		o.result = "signal";
	return o;
}

/* Rootless: host root's v1 hierarchies are never ours; a v2 leaf only
 * where the caller was delegated a writable subtree (systemd's
 * user@.service, `systemd-run --user --scope -p Delegate=yes`): made
 * below its own cgroup like a root run's, and when that is refused the
 * job runs without cgroups, its limits carried by rlimits alone. */
static void sbx_rootless_cgroup(struct sbx_cgroup *cg, const struct sbx_cgroup_env *env,
				const struct sbx_config *cfg, const char *job_id,
				const struct sbx_cgroup_limits *lim)
{
	for (int c = 0; c < SBX_CG_NCTRL; c++)
		if (cg->ver[c] == SBX_CG_V1)
			cg->ver[c] = SBX_CG_NONE;
	struct trex_err cgerr = { 0 };
	/* the caller's processes are never moved into a supervisor leaf */
	struct sbx_cgroup_env own = *env;
	own.keep_processes = true;
	if (env->v2_root && sbx_cgroup_create_v2(cg, &own, cfg->cgroup_parent, job_id, lim, &cgerr) < 0) {
		trex_log(TREX_LOG_INFO, "rootless_no_cgroup", "msg=\"%s\"", cgerr.msg);
		sbx_cgroup_destroy(cg);
		*cg = (struct sbx_cgroup){ .v2_fd = -1 };
	}
	if (!cg->v2_path[0])
		for (int c = 0; c < SBX_CG_NCTRL; c++)
			cg->ver[c] = SBX_CG_NONE;
}

/* Rootless: which limit is enforced how, on stderr and in the status
 * record (`limits`), since several are weaker than a root run's. */
static void sbx_rootless_report(int status_fd, const struct sbx_cgroup *cg, bool no_memcg)
{
	bool pidscg = cg->v2_path[0] && cg->ver[SBX_CG_PIDS] == SBX_CG_V2;
	bool cpucg = cg->v2_path[0] && cg->ver[SBX_CG_CPU] == SBX_CG_V2;
	char text[256];
	snprintf(text, sizeof(text), "memory:%s,pids:%s,cpu:%s,wall:supervisor",
		 no_memcg ? "rlimit_data_per_process" : "cgroup",
		 pidscg ? "cgroup" : "rlimit_nproc_per_userns",
		 cpucg ? "cgroup" : "rlimit_cpu_per_process");
	fprintf(stderr, "trex-sandbox: rootless mode (not a boundary for real data, SECURITY.md); limits: %s\n",
		text);
	sbx_status_kv(status_fd, "limits", "%s", text);
}

int main(int argc, char **argv)
{
	struct sbx_config cfg;
	struct trex_err err = { 0 };
	int status_fd = -1;
	trex_log_init("trex-sandbox", TREX_LOG_WARN);
	/* trexd may be gone (killed, crashed) while we run: writing the status
	 * record must fail with EPIPE, not kill us before the cgroup and the uid
	 * lease are given back (the job gets SIGPIPE back in child.c) */
	signal(SIGPIPE, SIG_IGN);
	/* a cancellation (trexd's SIGTERM, or its death through PDEATHSIG)
	 * during set-up waits, blocked, for supervise.c's signalfd, so it still
	 * ends in the clean-up path instead of killing us mid-way with cgroups
	 * and the uid lease left behind; the child unblocks everything */
	sigset_t cancel;
	sigemptyset(&cancel);
	sigaddset(&cancel, SIGTERM);
	sigaddset(&cancel, SIGINT);
	sigaddset(&cancel, SIGHUP);
	sigprocmask(SIG_BLOCK, &cancel, NULL);

	if (sbx_args_parse(argc, argv, &cfg, &err) < 0) {
		sbx_args_usage();
		/* the status fd may be usable even when other options were not */
		for (int i = 1; i + 1 < argc && strcmp(argv[i], "--"); i++)
			if (!strcmp(argv[i], "--status-fd") && argv[i + 1][0] >= '1' && argv[i + 1][0] <= '9')
				status_fd = (int)strtol(argv[i + 1], NULL, 10);
		if (status_fd >= 0 && fcntl(status_fd, F_GETFD) < 0)
			status_fd = -1;
		return sbx_setup_failed(status_fd, "args", &err);
	}
	status_fd = cfg.status_fd;
	if (status_fd >= 0 && fcntl(status_fd, F_SETFD, FD_CLOEXEC) < 0) {
		trex_err_set(&err, -errno, "--status-fd %d", status_fd);
		return sbx_setup_failed(-1, "args", &err);
	}
	/* folders handed over open reach no process but this one: the
	 * job's side closes every fd anyway, this says so at the source */
	int dir_fds[SBX_MAX_BINDS + 2] = { cfg.code_fd, cfg.output_fd };
	for (unsigned i = 0; i < cfg.nbinds; i++)
		dir_fds[2 + i] = cfg.binds[i].fd;
	for (unsigned i = 0; i < cfg.nbinds + 2; i++)
		if (dir_fds[i] >= 0 && fcntl(dir_fds[i], F_SETFD, FD_CLOEXEC) < 0) {
			trex_err_set(&err, -errno, "fd %d", dir_fds[i]);
			return sbx_setup_failed(status_fd, "args", &err);
		}

	/* Everything taken from here on is given back on the one path at
	 * the end (done:), whichever stage fails: the output dir, the uid
	 * lease, the cgroups, the job's /output fd. Each starts empty. */
	__attribute__((cleanup(secpol_progs_free))) struct secpol_progs progs = { 0 };
	int out_dir = -1;
	struct sbx_uid_lease lease = { .lock_fd = -1 };
	struct sbx_cgroup cg = { .v2_fd = -1 };
	struct sbx_run run = { .output_fd = -1 };
	const char *stage;
	int rc;

	stage = "privileges";
	/* not root: rootless mode (SECURITY.md), the job's user namespace
	 * maps it to the caller. Forced as root it would map the job to
	 * host root: refused, as is a set-id start (ids that differ) */
	if (cfg.rootless && geteuid() == 0) {
		trex_err_setx(&err, -EPERM, "--rootless as root would map the job to host root: run it as the user");
		goto failed;
	}
	if (geteuid() != 0) {
		if (getuid() != geteuid() || getgid() != getegid()) {
			trex_err_setx(&err, -EPERM, "trex-sandbox must not be set-id: run it as root, or as the user (rootless)");
			goto failed;
		}
		cfg.rootless = true;
	}
	/* trexd asked for a run that outlives it (adopt.c): this process
	 * stays behind as the relay that records the end, the child goes on */
	stage = "adopt";
	if (cfg.adopt_fd >= 0 && fcntl(cfg.adopt_fd, F_SETFD, FD_CLOEXEC) < 0) {
		trex_err_set(&err, -errno, "--adopt-fd %d", cfg.adopt_fd);
		goto failed;
	}
	int adopted = sbx_adopt_guard(&cfg, &rc, &err);
	if (adopted < 0)
		goto failed;
	if (adopted > 0)
		goto done;
	/* a terminal or a file as stdout/stderr: the job gets pipes and this
	 * process stays behind to copy them (stdio.c), with nothing taken
	 * yet; its exit status is the child's */
	stage = "stdio";
	int relayed = sbx_stdio_guard(&rc, &err);
	if (relayed < 0)
		goto failed;
	if (relayed > 0)
		goto done;
	stage = "seccomp";
	if (sbx_seccomp_load(&cfg, sbx_default_bpf, sbx_default_bpf_len, &progs, &err) < 0)
		goto failed;
	stage = "output_dir";
	if (cfg.output && (out_dir = sbx_output_dir_open(cfg.output, &err)) < 0)
		goto failed;
	if (cfg.output_fd >= 0) {
		if (sbx_output_dir_check(cfg.output_fd, &err) < 0) {
			trex_err_prefix(&err, "--output-fd %d", cfg.output_fd);
			goto failed;
		}
		out_dir = cfg.output_fd;
		cfg.output_fd = -1;
	}
	/* what was handed over open is bound as it is, never looked up by
	 * a path again (docs/DESIGN.md "The monitor's interface") */
	stage = "bind_fds";
	if (sbx_mounts_open_trees(&cfg, &err) < 0)
		goto failed;
	stage = "uid";
	if (cfg.rootless)
		lease.host_uid = geteuid(); /* the caller's own: nothing to lease */
	else if (sbx_uid_acquire(SBX_RUN_DIR "/uids", cfg.uid_base, cfg.uid_count, &lease, &err) < 0)
		goto failed;

	char job_id[80];
	if (cfg.job_id)
		snprintf(job_id, sizeof(job_id), "%s", cfg.job_id);
	else
		snprintf(job_id, sizeof(job_id), "sbx-%d", (int)getpid());

	char cgself[4096];
	struct sbx_cgroup_env cgenv;
	/* a job may use up to this many CPUs' worth of time per period, the
	 * CPU count its /proc view shows */
	cfg.job_cpus = sbx_job_cpus();
	struct sbx_cgroup_limits lim = {
		.memory_bytes = cfg.memory_mb << 20,
		.pids = cfg.pids,
		.cpu_quota_us = (uint64_t)cfg.job_cpus * 100000,
	};
	stage = "cgroup";
	if (sbx_cgroup_env_detect(&cgenv, cgself, sizeof(cgself), &err) < 0)
		goto failed;
	sbx_cgroup_detect(&cgenv, &cg);
	if (cfg.rootless) {
		sbx_rootless_cgroup(&cg, &cgenv, &cfg, job_id, &lim);
	} else {
		if (cg.missing[0])
			trex_log(TREX_LOG_WARN, "cgroup_missing",
				 "controllers=%s msg=\"%s: their limits are not enforced\"",
				 cg.missing, cg.missing_why);
		if (sbx_cgroup_create_v2(&cg, &cgenv, cfg.cgroup_parent, job_id, &lim, &err) < 0 ||
		    sbx_cgroup_plan_v1(&cg, &cgenv, cfg.cgroup_parent, job_id, &err) < 0)
			goto failed;
	}
	/* rootless without a memory cgroup: the rlimit carries the limit */
	bool no_memcg = cfg.rootless && (cg.ver[SBX_CG_MEMORY] != SBX_CG_V2 || !cg.v2_path[0]);
	if (cfg.rootless)
		sbx_rootless_report(status_fd, &cg, no_memcg);

	char base[4096] = SBX_RUN_DIR "/root";
	stage = "mount_root";
	if (cfg.rootless ? sbx_userns_rootless_base(base, sizeof(base), &err) < 0 :
			   trex_mkdir_p(base, 0700, &err) < 0)
		goto failed;

	run = (struct sbx_run){ .cfg = &cfg, .progs = &progs, .cg = &cg,
				.host_uid = lease.host_uid, .base = base, .no_memcg = no_memcg,
				.cg_job = job_id, .cg_lim = &lim, .output_fd = -1 };
	sbx_supervise(&run);

	/* every job process must be gone before collection */
	if (sbx_cgroup_kill_all(&cg) < 0)
		trex_log(TREX_LOG_ERROR, "cgroup_not_empty", "job=%s", job_id);
	struct sbx_cgroup_stats cs;
	sbx_cgroup_stats(&cg, &cs);

	if (run.setup_failed) {
		rc = sbx_setup_failed(status_fd, run.stage, &run.err);
		goto done;
	}
	struct sbx_outcome o = sbx_decide(&run, &cs);
	if (out_dir >= 0 && run.output_fd >= 0) {
		/* walked as the job's host uid, which owns the whole tree; the
		 * lease is still ours, so no other job has that uid yet */
		/* a full host filesystem is waited out (the files exist only
		 * in the job's /output), unless the job was cancelled */
		struct sbx_collect_limits cl = { .max_entries = cfg.output_files,
						 .max_bytes = cfg.output_mb << 20, .max_depth = 16,
						 .wait_for_space = !run.cancel_signal };
		struct sbx_collect_result cr;
		stage = "collect";
		if (sbx_collect(run.output_fd, out_dir, lease.host_uid, &cl, status_fd, &cr, &err) < 0)
			goto failed;
		if (cr.limit_hit && !strcmp(o.result, "exit"))
			o.result = "output_limit";
	}
	uint64_t cpu_ms = cs.have_cpu ? cs.cpu_ns / 1000000 :
		(uint64_t)(run.rusage.ru_utime.tv_sec + run.rusage.ru_stime.tv_sec) * 1000 +
		(uint64_t)(run.rusage.ru_utime.tv_usec + run.rusage.ru_stime.tv_usec) / 1000;
	uint64_t peak = cs.have_peak ? cs.peak_memory_kb : (uint64_t)run.rusage.ru_maxrss;
	sbx_status_kv(status_fd, "result", "%s", o.result);
	sbx_status_kv(status_fd, "exit_code", "%d", o.exit_code);
	if (o.signal)
		sbx_status_kv(status_fd, "signal", "%d", o.signal);
	sbx_status_kv(status_fd, "host_uid", "%u", (unsigned)lease.host_uid);
	if (cfg.rootless)
		sbx_status_kv(status_fd, "mode", "rootless");
	sbx_status_kv(status_fd, "wall_ms", "%llu", (unsigned long long)run.wall_ms);
	sbx_status_kv(status_fd, "cpu_ms", "%llu", (unsigned long long)cpu_ms);
	sbx_status_kv(status_fd, "peak_memory_kb", "%llu", (unsigned long long)peak);
	if (run.job_started_ns)
		sbx_status_kv(status_fd, "started_ns", "%llu", (unsigned long long)run.job_started_ns);
	sbx_status_kv(status_fd, "end", "1");
	rc = o.exit_code;
	goto done;

failed:
	rc = sbx_setup_failed(status_fd, stage, &err);
done:
	if (run.output_fd >= 0)
		close(run.output_fd);
	if (out_dir >= 0)
		close(out_dir);
	sbx_mounts_close_trees(&cfg);
	sbx_cgroup_destroy(&cg);
	sbx_uid_release(&lease);
	return rc;
}
