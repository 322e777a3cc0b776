/* The cloned child: pid 1 of the job's pid namespace. As host root (but in
 * fresh mount/pid/ipc/uts namespaces) it builds the root filesystem,
 * hands the /output root to the supervisor, enters the network and user
 * namespaces the supervisor made,
 * becomes uid 1000 with no capabilities, then forks the job and reaps (and
 * answers the job's sysinfo calls) until the job's main process exits. When it exits the kernel kills everything
 * left in the pid namespace, double-forked and setsid'd processes included. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "policies/seccomp/secpol.h"
#include "sandbox/cgroup.h"

#define SBX_SOCK_FD 3

static int sbx_int_cmp(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

/* Close every fd above SBX_SOCK_FD but cfg's detached trees (at most
 * 1 + SBX_MAX_BINDS, wherever the supervisor got them). */
static int sbx_child_close_but_trees(const struct sbx_config *cfg)
{
	int keep[SBX_MAX_BINDS + 2];
	unsigned n = 0;
	keep[n++] = SBX_SOCK_FD;
	if (cfg->code_tree > SBX_SOCK_FD)
		keep[n++] = cfg->code_tree;
	for (unsigned i = 0; i < cfg->nbinds; i++)
		if (cfg->binds[i].tree > SBX_SOCK_FD)
			keep[n++] = cfg->binds[i].tree;
	qsort(keep, n, sizeof(keep[0]), sbx_int_cmp);
	for (unsigned i = 0; i < n; i++) {
		unsigned from = (unsigned)keep[i] + 1;
		unsigned to = i + 1 < n ? (unsigned)keep[i + 1] - 1 : ~0U;
		if (from <= to && close_range(from, to, 0) < 0)
			return -errno;
	}
	return 0;
}

__attribute__((noreturn)) static void sbx_child_fail(int sock, const char *stage,
						      const struct trex_err *err)
{
	struct sbx_msg m = { .type = SBX_MSG_SETUP_FAILED, .err = *err };
	snprintf(m.stage, sizeof(m.stage), "%s", stage);
	(void)sbx_msg_send(sock, &m, -1);
	_exit(SBX_EXIT_SETUP);
}

/* A namespace the supervisor made (user: maps already written), as an
 * fd in a message of the given type. */
static int sbx_child_recv_ns(int sock, uint32_t type, int *ns_fd, struct trex_err *err)
{
	struct sbx_msg m;
	int r = sbx_msg_recv(sock, &m, ns_fd);
	if (r <= 0 || m.type != type || *ns_fd < 0) {
		if (*ns_fd >= 0)
			close(*ns_fd);
		*ns_fd = -1;
		return trex_err_setx(err, -EPROTO, "supervisor did not make the %s namespace",
				     type == SBX_MSG_NETNS ? "network" : "user");
	}
	return 0;
}

/* Clean environment (CONTRACTS.md), then --env: a runtime's defaults come
 * from trexd's description of it as --env, like the operator's. */
static void sbx_build_env(const struct sbx_config *cfg, char **env, size_t max)
{
	static char *const base[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp",
				      "LANG=C.UTF-8", "TMPDIR=/tmp" };
	size_t n = 0;
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		env[n++] = base[i];
	for (unsigned i = 0; i < cfg->nenv && n + 1 < max; i++) {
		/* a later --env K=V replaces an earlier or default K */
		size_t klen = (size_t)(strchr(cfg->env[i], '=') - cfg->env[i]) + 1;
		size_t j;
		for (j = 0; j < n; j++)
			if (!strncmp(env[j], cfg->env[i], klen))
				break;
		env[j] = (char *)cfg->env[i];
		if (j == n)
			n++;
	}
	env[n] = NULL;
}

/* The job process: pid 2. Everything here happens after the last mount and
 * with no capability left; seccomp goes on last, right before execve.
 * sysinfo_sock (or -1): where the listener of a `notify` profile goes to
 * init (sysinfo.c). */
__attribute__((noreturn)) static void sbx_job_exec(const struct sbx_child_args *a, int sysinfo_sock)
{
	const struct sbx_config *cfg = a->cfg;
	struct trex_err err = { 0 };
	const char *stage = "session";
	char *env[SBX_MAX_ENV + 8];
	/* init blocks SIGCHLD for its signalfd; the job starts with none */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0) {
		trex_err_set(&err, -errno, "setsid");
		goto fail;
	}
	stage = "stdio";
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul < 0 || dup2(nul, 0) < 0) {
		trex_err_set(&err, -errno, "stdin from /dev/null");
		goto fail;
	}
	/* only 0-2 survive execve; the sockets are close-on-exec */
	if ((sysinfo_sock < 0 && close_range(SBX_SOCK_FD + 1, ~0U, 0) < 0) ||
	    (sysinfo_sock >= 0 && ((sysinfo_sock > SBX_SOCK_FD + 1 &&
				    close_range(SBX_SOCK_FD + 1, (unsigned)sysinfo_sock - 1, 0) < 0) ||
				   close_range((unsigned)sysinfo_sock + 1, ~0U, 0) < 0))) {
		trex_err_set(&err, -errno, "close_range");
		goto fail;
	}
	stage = "rlimits";
	if (sbx_limits_apply(cfg, a->no_memcg, &err) < 0)
		goto fail;
	stage = "cwd";
	if (chdir(cfg->has_code ? "/job" : "/") < 0) {
		trex_err_set(&err, -errno, "chdir");
		goto fail;
	}
	sbx_build_env(cfg, env, sizeof(env) / sizeof(env[0]));
	stage = "seccomp";
	int listener;
	if (sbx_seccomp_install(a->progs, &listener, &err) < 0)
		goto fail;
	if (listener >= 0) {
		/* allowed by any profile that can run a job: sendmsg, close */
		struct sbx_msg m = { .type = SBX_MSG_SYSINFO };
		int rc = sysinfo_sock < 0 ? -EPROTO : sbx_msg_send(sysinfo_sock, &m, listener);
		if (rc < 0) {
			trex_err_set(&err, rc, "hand the seccomp listener to init");
			goto fail;
		}
		close(listener);
	}
	/* execvp searches the PATH of environ: use the job's (init's environ
	 * too under vfork, which init never reads again) */
	environ = env;
	execvp(cfg->argv[0], cfg->argv);
	stage = "exec";
	trex_err_set(&err, -errno, "execute %s", cfg->argv[0]);
fail:
	sbx_child_fail(SBX_SOCK_FD, stage, &err);
}

/* Join the v1 job cgroups, which the supervisor makes while we build the
 * root, once it says they exist. Runs before pivot_root (the paths are
 * host paths) and long before the job exists. */
static int sbx_child_join_cgroups(void *ctx, struct trex_err *err)
{
	const struct sbx_child_args *a = ctx;
	struct sbx_msg m;
	int fd;
	int r = sbx_msg_recv(SBX_SOCK_FD, &m, &fd);
	if (fd >= 0)
		close(fd);
	if (r <= 0 || m.type != SBX_MSG_CGROUPS)
		return trex_err_setx(err, -EPROTO, "supervisor did not make the job cgroups");
	if (!a->cg || !sbx_cgroup_has_v1(a->cg))
		return 0;
	return sbx_cgroup_join_self_v1(a->cg, err);
}

/* What init waits on while the job runs: SIGCHLD (blocked, on a
 * signalfd) and the job's sysinfo calls (sysinfo.c). */
struct sbx_init_fds {
	int chld;
	int sysinfo;
	uint64_t memory_bytes;
};

/* pid 1: reap everything, answer the job's sysinfo calls, report the
 * job's status when it exits, with when it started (trexd's sandbox start
 * latency metric). */
__attribute__((noreturn)) static void sbx_init_reap(pid_t job, uint64_t started_ns,
						     const struct sbx_init_fds *fds)
{
	int listener = fds->sysinfo;
	for (;;) {
		int st;
		pid_t p;
		while ((p = waitpid(-1, &st, WNOHANG)) > 0)
			if (p == job) {
				struct sbx_msg m = { .type = SBX_MSG_JOB_EXIT, .status = st,
						     .started_ns = started_ns };
				(void)sbx_msg_send(SBX_SOCK_FD, &m, -1);
				_exit(0);
			}
		if (p < 0 && errno != EINTR)
			_exit(SBX_EXIT_SETUP);
		struct pollfd pf[2] = { { .fd = fds->chld, .events = POLLIN },
					{ .fd = listener, .events = POLLIN } };
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(SBX_EXIT_SETUP);
		}
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si[16];
			if (read(fds->chld, si, sizeof(si)) < 0) {
				/* EAGAIN: already drained; waitpid above decides */
			}
		}
		if (pf[1].revents & POLLIN)
			sbx_sysinfo_answer(listener, fds->memory_bytes);
		else if (pf[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			listener = -1;
	}
}

void sbx_child_main(const struct sbx_child_args *a)
{
	struct trex_err err = { 0 };
	const char *stage = "init";
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	/* the supervisor ignores SIGPIPE (main.c); the job gets the default */
	signal(SIGPIPE, SIG_DFL);
	/* the supervisor dies -> the job dies */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);

	/* keep only stdio, the socket (at fd 3) and the detached trees of
	 * the folders handed over open (closed once attached, below):
	 * status pipe, uid lock, cgroup and output dirs of the supervisor
	 * must not reach the job */
	if (a->sock != SBX_SOCK_FD && dup2(a->sock, SBX_SOCK_FD) < 0)
		_exit(SBX_EXIT_SETUP);
	fcntl(SBX_SOCK_FD, F_SETFD, FD_CLOEXEC);
	if (sbx_child_close_but_trees(a->cfg) < 0)
		_exit(SBX_EXIT_SETUP);
	int sock = SBX_SOCK_FD;

	bool rootless = a->cfg->rootless;
	if (rootless) {
		/* cloned into a user namespace of our own (full capabilities
		 * there, none on the host): wait for the supervisor to map
		 * 1000 to the caller, before anything creates a file (an
		 * unmapped fsuid cannot) or names uid 1000 in a mount option */
		stage = "userns";
		struct sbx_msg um;
		int nofd = -1;
		int r = sbx_msg_recv(sock, &um, &nofd);
		if (nofd >= 0)
			close(nofd);
		if (r <= 0 || um.type != SBX_MSG_USERNS) {
			trex_err_setx(&err, -EPROTO, "supervisor did not map the user namespace");
			sbx_child_fail(sock, stage, &err);
		}
	} else {
		/* as host root: drop host supplementary groups (gid 0 among
		 * them) before anything else can use them. Raw syscall: see
		 * sbx_userns_become_job. (Rootless: the caller's groups
		 * cannot be dropped, setgroups is denied: userns.c) */
		stage = "groups";
		if (syscall(SYS_setgroups, 0, NULL) < 0) {
			trex_err_set(&err, -errno, "setgroups");
			sbx_child_fail(sock, stage, &err);
		}
	}
	stage = "uts";
	if (sethostname("trex", 4) < 0) {
		trex_err_set(&err, -errno, "sethostname");
		sbx_child_fail(sock, stage, &err);
	}

	/* /output's owner as this namespace names it: rootless, the
	 * caller is 1000 here and the host uid is not mapped */
	struct sbx_mount_plan plan = { .cfg = a->cfg, .base = a->base,
				       .host_uid = rootless ? SBX_JOB_UID : a->host_uid,
				       .before_pivot = sbx_child_join_cgroups, .ctx = (void *)a };
	if (sbx_mounts_setup(&plan, &stage, &err) < 0)
		sbx_child_fail(sock, stage, &err);
	sbx_mounts_close_trees((struct sbx_config *)a->cfg);

	/* the tmpfs behind /output outlives this mount namespace through
	 * this fd, so the supervisor collects after every job process died */
	stage = "output_fd";
	int ofd = open("/output", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ofd < 0) {
		trex_err_set(&err, -errno, "open /output");
		sbx_child_fail(sock, stage, &err);
	}

	/* hand over /output (no answer needed), then enter the network and
	 * user namespaces the supervisor made meanwhile (usually already
	 * queued). Nothing before this point used the network */
	struct sbx_msg m = { .type = SBX_MSG_OUTPUT };
	if (sbx_msg_send(sock, &m, ofd) < 0) {
		trex_err_setx(&err, -EPROTO, "supervisor went away");
		sbx_child_fail(sock, stage, &err);
	}
	close(ofd);
	stage = "netns";
	int ns = -1;
	if (rootless) {
		/* the supervisor cannot make one on the host; ours is owned
		 * by the job's user namespace, and the job keeps no
		 * capability to configure it (caps.c) */
		if (unshare(CLONE_NEWNET) < 0) {
			trex_err_set(&err, -errno, "unshare network namespace");
			sbx_child_fail(sock, stage, &err);
		}
	} else {
		if (sbx_child_recv_ns(sock, SBX_MSG_NETNS, &ns, &err) < 0 || sbx_netns_join(ns, &err) < 0)
			sbx_child_fail(sock, stage, &err);
		close(ns);
		stage = "userns";
		if (sbx_child_recv_ns(sock, SBX_MSG_USERNS, &ns, &err) < 0 || sbx_userns_join(ns, &err) < 0)
			sbx_child_fail(sock, stage, &err);
		close(ns);
	}
	/* in the job cgroups now (v1 joined before pivot_root, v2 cloned
	 * into or attached before the setup message): root the cgroup
	 * namespace there, the job sees "/" */
	stage = "cgroupns";
	if (unshare(CLONE_NEWCGROUP) < 0) {
		trex_err_set(&err, -errno, "unshare cgroup namespace");
		sbx_child_fail(sock, stage, &err);
	}
	stage = "userns";
	if (sbx_userns_become_job(&err) < 0)
		sbx_child_fail(sock, stage, &err);
	/* the uid change cleared the parent-death signal (commit_creds does
	 * so on any euid change): without re-arming it, a SIGKILLed
	 * supervisor left init and the job running. A supervisor that died
	 * before the re-arm shows as a hung-up socket */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	struct pollfd hup = { .fd = sock, .events = POLLIN };
	if (poll(&hup, 1, 0) < 0 || (hup.revents & (POLLHUP | POLLERR)))
		_exit(SBX_EXIT_SETUP);

	stage = "caps";
	if (sbx_caps_drop_all(&err) < 0)
		sbx_child_fail(sock, stage, &err);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	/* while the job runs init waits for SIGCHLD (on a signalfd) and, when
	 * the profile says `notify sysinfo`, for the job's sysinfo calls on
	 * the listener the job sends over a socket pair (sysinfo.c) */
	stage = "init";
	struct sbx_init_fds fds = { .chld = -1, .sysinfo = -1,
				    .memory_bytes = a->cfg->memory_mb << 20 };
	int pair[2] = { -1, -1 };
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 ||
	    (fds.chld = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    (sbx_seccomp_notifies(a->progs) &&
	     socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)) {
		trex_err_set(&err, -errno, "signalfd or socketpair");
		sbx_child_fail(sock, stage, &err);
	}

	/* vfork: the job borrows init's memory until its execve instead of
	 * copying init's page tables (and taking copy-on-write faults on both
	 * sides), ~0.1 ms of CPU per start. Init is suspended meanwhile and
	 * has nothing else to do. What the job does before execve is limited
	 * to syscalls, stack buffers and, on failure, one message and _exit
	 * (sbx_job_exec): no allocation, no locks. It has its own fd table,
	 * cwd, rlimits, session and seccomp filters (none of CLONE_FILES,
	 * CLONE_FS, CLONE_THREAD), so nothing it sets reaches init; the one
	 * shared write, environ, is never read by init again */
	stage = "fork";
	pid_t job = vfork();
	if (job < 0) {
		trex_err_set(&err, -errno, "fork the job");
		sbx_child_fail(sock, stage, &err);
	}
	if (job == 0)
		sbx_job_exec(a, pair[1]);
	/* vfork returns once the job's execve did (or it failed, which its
	 * setup_failed message reports): the job has started */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (pair[0] >= 0) {
		/* queued before the execve; EOF when the job failed first */
		struct sbx_msg lm;
		close(pair[1]);
		if (sbx_msg_recv(pair[0], &lm, &fds.sysinfo) <= 0 || lm.type != SBX_MSG_SYSINFO) {
			if (fds.sysinfo >= 0)
				close(fds.sysinfo);
			fds.sysinfo = -1;
		}
		close(pair[0]);
	}
	sbx_init_reap(job, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, &fds);
}
