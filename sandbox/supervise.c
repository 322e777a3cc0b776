/* The supervisor's half of a run: clone the sandbox child into its
 * namespaces (and, on cgroup v2, straight into its cgroup), make its
 * network and user namespaces and v1 cgroups while it builds the root,
 * enforce the wall-clock and job-wide CPU-time limits,
 * forward cancellation, and reap. Killing the child (pid 1 of the job's pid
 * namespace) makes the kernel kill every process of the job. */
#include "supervise.h"

#include <errno.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"

/* no CLONE_NEWNET: the supervisor makes the network namespace after the
 * clone, in parallel with the child's mounts (netns.c) */
#define SBX_NS_FLAGS (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
#define SBX_CPU_POLL_MS 100
#define SBX_WAIT_POLL_MS 20 /* without a pidfd: how often to look for the exit */

uint64_t sbx_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sbx_run_fail(struct sbx_run *run, const char *stage, const struct trex_err *err)
{
	if (run->setup_failed)
		return; /* keep the first cause */
	run->setup_failed = true;
	snprintf(run->stage, sizeof(run->stage), "%s", stage);
	run->err = *err;
}

/* fork-like clone (no new stack: the child runs on a copy of ours). With a
 * v2 cgroup fd the child starts inside the job cgroup, so not even its
 * first instruction runs outside the limits. */
static pid_t sbx_clone(struct sbx_run *run, bool *in_cgroup)
{
	/* rootless: the other namespaces can only be made inside a user
	 * namespace of our own, owned by the caller */
	uint64_t flags = SBX_NS_FLAGS | (run->cfg->rootless ? CLONE_NEWUSER : 0);
	*in_cgroup = false;
	if (run->cg && run->cg->v2_fd >= 0) {
		struct clone_args ca = {
			.flags = flags | CLONE_INTO_CGROUP,
			.exit_signal = SIGCHLD,
			.cgroup = (uint64_t)run->cg->v2_fd,
		};
		long pid = syscall(SYS_clone3, &ca, sizeof(ca));
		if (pid >= 0) {
			*in_cgroup = true;
			return (pid_t)pid;
		}
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
			return -1;
	}
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

static void sbx_handle_msg(struct sbx_run *run, int sock)
{
	struct sbx_msg m;
	int fd;
	int r = sbx_msg_recv(sock, &m, &fd);
	if (r <= 0) {
		run->sock_eof = true;
		return;
	}
	switch (m.type) {
	case SBX_MSG_OUTPUT:
		if (fd >= 0 && run->output_fd < 0) {
			run->output_fd = fd;
			fd = -1;
		}
		break;
	case SBX_MSG_SETUP_FAILED:
		sbx_run_fail(run, m.stage, &m.err);
		break;
	case SBX_MSG_JOB_EXIT:
		run->have_status = true;
		run->wait_status = m.status;
		run->job_started_ns = m.started_ns;
		break;
	default:
		break;
	}
	if (fd >= 0)
		close(fd);
}

/* Has the child exited (a zombie now, reaped by wait4 after the loop)?
 * Its pidfd says so; without one, ask without reaping. */
static bool sbx_child_exited(pid_t pid, int pidfd, short revents)
{
	if (pidfd >= 0)
		return revents & POLLIN;
	siginfo_t si = { 0 };
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != EINTR; /* ECHILD: nothing left to wait for */
	return si.si_pid == pid;
}

/* Handle the messages already queued, without waiting. */
static void sbx_drain_msgs(struct sbx_run *run, int sock)
{
	for (;;) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		if (run->sock_eof || poll(&p, 1, 0) <= 0)
			break;
		sbx_handle_msg(run, sock);
	}
}

int sbx_supervise(struct sbx_run *run)
{
	const struct sbx_config *cfg = run->cfg;
	struct trex_err err = { 0 };
	int sv[2];
	run->output_fd = -1;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		trex_err_set(&err, -errno, "socketpair");
		sbx_run_fail(run, "clone", &err);
		return -1;
	}
	/* cancellation (trexd's SIGTERM) arrives on a signalfd; the child
	 * unblocks everything first thing */
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, &old);
	_cleanup_close_ int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	/* trexd dies -> we get SIGTERM and end the job like a cancellation
	 * (kill, collect nothing new, clean the cgroups) instead of leaving it
	 * running unsupervised until its timeout */
	pid_t ppid = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (getppid() != ppid)
		kill(getpid(), SIGTERM); /* parent already gone: queued on sigfd */

	run->start_ms = sbx_now_ms();
	bool in_cgroup;
	pid_t pid = sbx_clone(run, &in_cgroup);
	if (pid < 0) {
		trex_err_set(&err, -errno, "clone the sandbox");
		sbx_run_fail(run, "clone", &err);
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		struct sbx_child_args a = { .cfg = cfg, .progs = run->progs, .host_uid = run->host_uid,
					    .sock = sv[1], .base = run->base, .cg = run->cg,
					    .no_memcg = run->no_memcg };
		sbx_child_main(&a);
	}
	close(sv[1]);
	_cleanup_close_ int sock = sv[0];
	/* the child's exit wakes the loop below through its pidfd; without
	 * one (EMFILE, ENOMEM) the loop still runs, waking every
	 * SBX_WAIT_POLL_MS to ask whether the child exited, so the wall
	 * clock and trexd's SIGTERM are enforced either way */
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		trex_log(TREX_LOG_WARN, "pidfd_open_failed", "errno=%d msg=\"polling for the sandbox's exit\"",
			 errno);

	/* The child joins the v1 cgroups itself, before pivot_root (a
	 * thread moving itself is ~100x cheaper than being moved: cgroup.h).
	 * Only a v2 leaf we could not clone into is ours to attach; the child
	 * waits for the setup message below after its mounts, so the attach
	 * is done before it can fork the job either way. */
	if (run->cg && !in_cgroup && run->cg->v2_path[0] &&
	    sbx_cgroup_attach_v2(run->cg, pid, &err) < 0) {
		sbx_run_fail(run, "cgroup", &err);
		kill(pid, SIGKILL);
	}
	/* While the child builds its root: the v1 dirs first (it joins them
	 * before pivot_root, while host paths resolve), then the network and
	 * user namespaces (it enters them after pivot_root, so their ~1 ms
	 * overlaps its pivot). Each is one message the child usually finds
	 * already queued; the cgroup one is sent even without v1 dirs */
	if (!run->setup_failed && cfg->rootless) {
		/* rootless: the maps of the child's own namespace, then the
		 * cgroup go-ahead (no v1 dirs: those need host root); the
		 * child makes its network namespace itself */
		struct sbx_msg user_msg = { .type = SBX_MSG_USERNS };
		struct sbx_msg cg_msg = { .type = SBX_MSG_CGROUPS };
		const char *stage = "userns";
		int rc = sbx_userns_write_maps_rootless(pid, run->host_uid, getegid(), &err);
		if (rc == 0 && (rc = sbx_msg_send(sock, &user_msg, -1)) < 0)
			trex_err_set(&err, rc, "send the user namespace message");
		if (rc == 0 && (rc = sbx_msg_send(sock, &cg_msg, -1)) < 0) {
			stage = "cgroup";
			trex_err_set(&err, rc, "send the cgroup message");
		}
		if (rc < 0) {
			sbx_drain_msgs(run, sock);
			sbx_run_fail(run, stage, &err);
			kill(pid, SIGKILL);
		}
	} else if (!run->setup_failed) {
		struct sbx_msg cg_msg = { .type = SBX_MSG_CGROUPS };
		struct sbx_msg net_msg = { .type = SBX_MSG_NETNS };
		struct sbx_msg user_msg = { .type = SBX_MSG_USERNS };
		_cleanup_close_ int netns = -1;
		_cleanup_close_ int userns = -1;
		const char *stage = "cgroup";
		int rc = 0;
		if (run->cg && run->cg_lim && sbx_cgroup_has_v1(run->cg))
			rc = sbx_cgroup_create_v1(run->cg, run->cg_job, run->cg_lim, &err);
		if (rc == 0 && (rc = sbx_msg_send(sock, &cg_msg, -1)) < 0)
			trex_err_set(&err, rc, "send the cgroup message");
		if (rc == 0) {
			stage = "netns";
			if ((rc = sbx_netns_make(&netns, &err)) == 0 &&
			    (rc = sbx_msg_send(sock, &net_msg, netns)) < 0)
				trex_err_set(&err, rc, "send the network namespace");
		}
		if (rc == 0) {
			stage = "userns";
			if ((rc = sbx_userns_make(run->host_uid, &userns, &err)) == 0 &&
			    (rc = sbx_msg_send(sock, &user_msg, userns)) < 0)
				trex_err_set(&err, rc, "send the user namespace");
		}
		if (rc < 0) {
			/* the child may have failed first (a missing --data):
			 * its queued report is the cause, not our send */
			sbx_drain_msgs(run, sock);
			sbx_run_fail(run, stage, &err);
			kill(pid, SIGKILL);
		}
	}

	uint64_t deadline = run->start_ms + cfg->timeout * 1000;
	uint64_t cpu_limit_ns = cfg->cpu_seconds * 1000000000ull;
	uint64_t cpu_ns;
	/* assumed present until a read on the first tick says otherwise: a
	 * short job is over before then and never pays for the probe */
	bool cpu_source = run->cg != NULL;
	/* cgroup v1 has no memory.oom.group: the OOM killer takes one
	 * process and the rest of the job carries on. Any OOM kill in the job
	 * cgroup ends the whole job, as on v2 */
	uint64_t ooms;
	bool oom_source = run->cg != NULL;
	bool killed = false;
	uint64_t next_check = run->start_ms + SBX_CPU_POLL_MS;
	for (;;) {
		uint64_t now = sbx_now_ms();
		if (!killed && now >= deadline) {
			run->timed_out = true;
			kill(pid, SIGKILL);
			killed = true;
		}
		int tmo = killed ? 1000 : (int)(deadline - now > 60000 ? 60000 : deadline - now);
		if ((cpu_source || oom_source) && !killed && tmo > SBX_CPU_POLL_MS)
			tmo = SBX_CPU_POLL_MS;
		if (pidfd < 0 && tmo > SBX_WAIT_POLL_MS)
			tmo = SBX_WAIT_POLL_MS;
		/* the socket is not watched: everything the child says (the
		 * /output fd, a setup failure, the job's status) is followed by
		 * its exit and read then (sbx_drain_msgs). Each wake-up of the
		 * supervisor costs a context switch and, on a busy host, a wait
		 * for a CPU that the child and the job need */
		struct pollfd p[3] = {
			{ .fd = -1 },
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};
		int n = poll(p, 3, tmo);
		if (n < 0 && errno != EINTR) {
			/* cannot wait with a timeout any more: end the job
			 * rather than leave it running without its limits */
			trex_log(TREX_LOG_ERROR, "supervise_poll_failed", "errno=%d", errno);
			if (!killed)
				kill(pid, SIGKILL);
			break;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) == sizeof(si) && !killed) {
				run->cancel_signal = (int)si.ssi_signo;
				kill(pid, SIGKILL);
				killed = true;
			}
		}
		/* the cgroup counters are read on the CPU-poll period, not on
		 * every wakeup: each read is a kernfs open (tens of us), and a
		 * short job's few messages and its exit would pay for several
		 * of them. The final counters are read after the reap anyway */
		bool tick = false;
		if ((cpu_source || oom_source) && !killed) {
			uint64_t t = sbx_now_ms();
			/* a timeout is a tick, unless it is the short one
			 * of the exit polling without a pidfd */
			if ((n == 0 && pidfd >= 0) || t >= next_check) {
				tick = true;
				next_check = t + SBX_CPU_POLL_MS;
			}
		}
		if (tick && oom_source) {
			if (sbx_cgroup_oom_kills(run->cg, &ooms) < 0) {
				oom_source = false;
			} else if (ooms > 0) {
				run->oom_killed = true;
				kill(pid, SIGKILL);
				killed = true;
			}
		}
		if (tick && cpu_source && !killed) {
			if (sbx_cgroup_cpu_ns(run->cg, &cpu_ns) < 0) {
				cpu_source = false;
			} else if (cpu_ns >= cpu_limit_ns) {
				run->cpu_limited = true;
				kill(pid, SIGKILL);
				killed = true;
			}
		}
		if (sbx_child_exited(pid, pidfd, p[1].revents))
			break;
	}
	/* messages sent just before init exited are still queued */
	sbx_drain_msgs(run, sock);
	int st = 0;
	pid_t w;
	while ((w = wait4(pid, &st, 0, &run->rusage)) < 0 && errno == EINTR)
		;
	if (w < 0) {
		/* never seen (the child is ours and not reaped elsewhere),
		 * but then its status is unknown: say so, and count the job
		 * as killed rather than read an uninitialised status */
		trex_log(TREX_LOG_ERROR, "wait_failed", "pid=%d errno=%d", (int)pid, errno);
		st = SIGKILL; /* WIFSIGNALED, WTERMSIG == SIGKILL */
	}
	run->init_status = st;
	/* init exits 125 only when set-up failed before the job existed
	 * (child.c); its own report is the cause when it arrived, and without
	 * one (init failed before it could send it) its exit status still
	 * says so: never a "signal" result for a job that never started */
	if (!run->setup_failed && !run->have_status && WIFEXITED(st) &&
	    WEXITSTATUS(st) == SBX_EXIT_SETUP) {
		trex_err_setx(&err, -EPROTO, "the sandbox's init exited with status %d before the job started",
			      SBX_EXIT_SETUP);
		sbx_run_fail(run, "init", &err);
	}
	run->wall_ms = sbx_now_ms() - run->start_ms;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
