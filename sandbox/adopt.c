/* --adopt-fd: a run that outlives trexd (docs/operations.md "Restarts").
 * Without it the supervisor ends its job when trexd dies (PDEATHSIG) and
 * writes the job's stdout, stderr and status record into trexd's pipes,
 * which die with trexd. With it, trex-sandbox forks first thing, as the
 * stdio relay does (stdio.c): the child carries on as the supervisor with
 * pipes of this process as fds 1, 2 and the status fd; this process
 *
 *   - leaves trexd's session and holds no parent-death signal, so that
 *     trexd's end (SIGTERM after its drain, SIGKILL, a crash) is not the
 *     job's; the supervisor's own PDEATHSIG now names this process, so a
 *     killed relay still ends the job cleanly;
 *   - writes ADOPT/pid first: its pid, its start time (clock ticks after
 *     boot, /proc/self/stat field 22) and the boot id, the identity a new
 *     trexd checks before it spares or waits for this process (a pid alone
 *     may be another process by then);
 *   - copies the three pipes to trexd's fds while trexd reads them, and
 *     keeps the first bytes of each (the caps trexd keeps: 1 MiB of each
 *     log, 256 KiB of record) and their totals;
 *   - once the supervisor is reaped, writes ADOPT/stdout, ADOPT/stderr and
 *     then, last, ADOPT/status: one header line
 *
 *       trex-adopt 1 exit=N signal=N stdout_bytes=N stderr_bytes=N record=N
 *
 *     and the status record's N bytes. Each file is written to a
 *     temporary name, given to ADOPT's owner (trexd's service user, who
 *     reads and removes them), 0600, synced and renamed, so a reader sees
 *     a whole file or none, and a status file means the rest is there.
 *
 * ADOPT is STATE/jobs/ID/adopt, opened by trexd's monitor beneath the
 * state folder without a link; no job uid can reach it (jobs/ID is the
 * service user's, 0700, and outside the job's mount namespace). Signals
 * forwarded as stdio.c does: SIGTERM, SIGHUP, SIGINT (trexd's cancel). */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/procid.h"

enum { SBX_A_OUT, SBX_A_ERR, SBX_A_STATUS, SBX_A_N };

/* the first cap bytes of a pipe, and how many went through it */
struct sbx_kept {
	char *data;
	size_t len, cap;
	unsigned long long total;
};

static pid_t sbx_adopt_child = -1;

static void sbx_adopt_forward(int sig)
{
	if (sbx_adopt_child > 0)
		kill(sbx_adopt_child, sig);
}

/* name in dir, whole or not at all, owned by the folder's owner */
static int sbx_adopt_write(int dir, const char *name, const void *data, size_t len,
			   const struct stat *owner)
{
	char tmp[64];
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	unlinkat(dir, tmp, 0);
	int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int r = trex_write_all(fd, data, len);
	if (r == 0 && fchown(fd, owner->st_uid, owner->st_gid) < 0 && geteuid() == 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && renameat(dir, tmp, dir, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dir, tmp, 0);
	else
		fsync(dir);
	return r;
}

/* The relay: pipes from[] to trexd's to[] (-1: none), keeping the first
 * keep[i].cap bytes of each; returns the supervisor's wait status. */
static int sbx_adopt_relay(int *from, const int *to, struct sbx_kept *keep)
{
	static char buf[64 * 1024];
	bool broken[SBX_A_N] = { false, false, false };
	unsigned open_ends = 0;
	for (unsigned i = 0; i < SBX_A_N; i++)
		open_ends += from[i] >= 0;
	while (open_ends > 0) {
		struct pollfd p[SBX_A_N];
		for (unsigned i = 0; i < SBX_A_N; i++)
			p[i] = (struct pollfd){ .fd = from[i], .events = POLLIN };
		if (poll(p, SBX_A_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (unsigned i = 0; i < SBX_A_N; i++) {
			if (from[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(from[i], buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(from[i]);
				from[i] = -1;
				open_ends--;
				continue;
			}
			struct sbx_kept *k = &keep[i];
			size_t room = k->cap - k->len, n = (size_t)r < room ? (size_t)r : room;
			memcpy(k->data + k->len, buf, n);
			k->len += n;
			k->total += (unsigned long long)r;
			/* trexd gone (EPIPE): it will read the files instead */
			if (!broken[i] && to[i] >= 0 && trex_write_all(to[i], buf, (size_t)r) < 0)
				broken[i] = true;
		}
	}
	int st;
	while (waitpid(sbx_adopt_child, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

int sbx_adopt_guard(const struct sbx_config *cfg, int *exit_code, struct trex_err *err)
{
	if (cfg->adopt_fd < 0)
		return 0;
	int dir = cfg->adopt_fd;
	struct stat owner;
	if (fstat(dir, &owner) < 0 || !S_ISDIR(owner.st_mode))
		return trex_err_setx(err, -ENOTDIR, "--adopt-fd %d: not a folder", dir);
	if (owner.st_mode & 077)
		return trex_err_setx(err, -EPERM, "--adopt-fd %d: the folder is open to others", dir);
	/* what an earlier attempt of the job left is not this run's */
	static const char *const names[] = { "status", "stdout", "stderr", "pid" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (unlinkat(dir, names[i], 0) < 0 && errno != ENOENT)
			return trex_err_set(err, -errno, "--adopt-fd: remove %s", names[i]);
	static const size_t caps[SBX_A_N] = { SBX_ADOPT_LOG_MAX, SBX_ADOPT_LOG_MAX,
					      SBX_ADOPT_STATUS_MAX };
	const int targets[SBX_A_N] = { 1, 2, cfg->status_fd };
	int pipes[SBX_A_N][2];
	for (unsigned i = 0; i < SBX_A_N; i++)
		if (pipe2(pipes[i], O_CLOEXEC) < 0) {
			int e = errno;
			for (unsigned j = 0; j < i; j++) {
				close(pipes[j][0]);
				close(pipes[j][1]);
			}
			return trex_err_set(err, -e, "pipe");
		}
	struct sigaction fwd = { .sa_handler = sbx_adopt_forward, .sa_flags = SA_RESTART };
	sigemptyset(&fwd.sa_mask);
	struct sigaction old[3];
	static const int sigs[3] = { SIGTERM, SIGHUP, SIGINT };
	for (unsigned i = 0; i < 3; i++)
		sigaction(sigs[i], &fwd, &old[i]);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		for (unsigned i = 0; i < SBX_A_N; i++) {
			close(pipes[i][0]);
			close(pipes[i][1]);
		}
		for (unsigned i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
		return trex_err_set(err, -e, "fork the adoptable relay");
	}
	if (pid == 0) {
		for (unsigned i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
		close(dir);
		for (unsigned i = 0; i < SBX_A_N; i++) {
			close(pipes[i][0]);
			if (targets[i] >= 0 && dup2(pipes[i][1], targets[i]) < 0)
				return trex_err_set(err, -errno, "pipe as fd %d", targets[i]);
			close(pipes[i][1]);
		}
		/* dup2 cleared close-on-exec: the job must not get the record */
		if (cfg->status_fd >= 0)
			fcntl(cfg->status_fd, F_SETFD, FD_CLOEXEC);
		return 0;
	}
	sbx_adopt_child = pid;
	/* out of trexd's session and process group: a terminal's ^C or a
	 * group kill meant for trexd is not the job's */
	setsid();
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigset_t fwd_set;
	sigemptyset(&fwd_set);
	for (unsigned i = 0; i < 3; i++)
		sigaddset(&fwd_set, sigs[i]);
	sigprocmask(SIG_UNBLOCK, &fwd_set, NULL);
	int from[SBX_A_N];
	for (unsigned i = 0; i < SBX_A_N; i++) {
		close(pipes[i][1]);
		from[i] = targets[i] >= 0 ? pipes[i][0] : -1;
		if (from[i] < 0)
			close(pipes[i][0]);
	}
	char text[160], boot[TREX_BOOT_ID_LEN + 1];
	unsigned long long start = 0;
	int r = trex_proc_identity(getpid(), &start, boot);
	if (r == 0) {
		int n = snprintf(text, sizeof(text), "trex-adopt-pid 1 pid=%d start=%llu boot=%s\n",
				 (int)getpid(), start, boot);
		r = sbx_adopt_write(dir, "pid", text, (size_t)n, &owner);
	}
	if (r < 0)
		/* not adoptable, but the run goes on as without the option */
		fprintf(stderr, "trex-sandbox: adopt: pid record not written (errno %d)\n", -r);
	struct sbx_kept keep[SBX_A_N];
	for (unsigned i = 0; i < SBX_A_N; i++) {
		keep[i] = (struct sbx_kept){ .cap = caps[i], .data = malloc(caps[i]) };
		if (!keep[i].data)
			keep[i].cap = 0;
	}
	int st = sbx_adopt_relay(from, targets, keep);
	int code = st < 0 ? SBX_EXIT_SETUP
			  : WIFEXITED(st) ? WEXITSTATUS(st)
					  : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL);
	int sig = st >= 0 && WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	int exited = st < 0 ? SBX_EXIT_SETUP : WIFEXITED(st) ? WEXITSTATUS(st) : 0;
	/* the logs first, the status last: it says the rest is whole */
	r = sbx_adopt_write(dir, "stdout", keep[SBX_A_OUT].data, keep[SBX_A_OUT].len, &owner);
	if (r == 0)
		r = sbx_adopt_write(dir, "stderr", keep[SBX_A_ERR].data, keep[SBX_A_ERR].len, &owner);
	if (r == 0) {
		size_t hlen = 160, len = keep[SBX_A_STATUS].len;
		char *all = malloc(hlen + len);
		if (!all)
			r = -ENOMEM;
		else {
			int n = snprintf(all, hlen,
					 "trex-adopt 1 exit=%d signal=%d stdout_bytes=%llu stderr_bytes=%llu record=%zu\n",
					 exited, sig, keep[SBX_A_OUT].total,
					 keep[SBX_A_ERR].total, len);
			memcpy(all + n, keep[SBX_A_STATUS].data, len);
			r = sbx_adopt_write(dir, "status", all, (size_t)n + len, &owner);
			free(all);
		}
	}
	if (r < 0)
		fprintf(stderr, "trex-sandbox: adopt: status not written (errno %d)\n", -r);
	for (unsigned i = 0; i < SBX_A_N; i++)
		free(keep[i].data);
	*exit_code = code;
	return 1;
}
