/* The job's stdout and stderr are pipes, never the caller's terminal or
 * files (issue #12). Run by hand on a terminal, a job holding the
 * terminal could change its settings (TCSETS, TIOCSWINSZ: the ioctl
 * allowlist refuses them too) or read its name; holding a file, it reads
 * the caller's path in /proc/self/fd. So when fd 1 or 2 is anything but
 * a pipe, a socket (trexd's libuv pipes are socket pairs) or /dev/null,
 * trex-sandbox forks first thing: the child carries on as the supervisor
 * with pipes in their place, the parent stays behind and copies the pipes
 * to the caller's fds until every writer is gone, then exits with the
 * child's status. trexd's path (socket pairs) and the benchmarks'
 * (/dev/null) pay two fstat calls and nothing else.
 *
 * The parent stays the process the caller knows: it forwards SIGTERM,
 * SIGHUP and SIGINT to the supervisor (which cancels the job), ignores
 * SIGQUIT, forwards its own parent-death signal (the caller died), and if
 * it is killed the supervisor's parent-death signal cancels the job. It
 * keeps root only to signal the supervisor. It copies bytes without looking at them, like
 * a terminal would have received them before (escaping is trexd's job,
 * ATTACKS 77); a caller that stopped reading is drained and ignored. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"

static pid_t sbx_stdio_child = -1;

/* An fd the job may keep: a pipe, a socket, /dev/null, or a closed fd */
static bool sbx_stdio_passes(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return true;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))
		return true;
	return S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

static void sbx_stdio_forward(int sig)
{
	if (sbx_stdio_child > 0)
		kill(sbx_stdio_child, sig);
}

/* Close every fd of the relay but 0-2 and the read ends in keep[] */
static void sbx_stdio_close_others(const int *keep, unsigned n)
{
	unsigned lo = 3;
	int a = n > 0 ? keep[0] : -1, b = n > 1 ? keep[1] : -1;
	if (a > b) {
		int t = a;
		a = b;
		b = t;
	}
	int ends[2] = { a, b };
	for (unsigned i = 0; i < 2; i++) {
		if (ends[i] < 0)
			continue;
		if ((unsigned)ends[i] > lo)
			(void)close_range(lo, (unsigned)ends[i] - 1, 0);
		lo = (unsigned)ends[i] + 1;
	}
	(void)close_range(lo, ~0U, 0);
}

/* The parent's loop: pipes (read ends in from[]) to the caller's fds in
 * to[]; returns the child's exit status the way a shell reports it. */
static int sbx_stdio_relay(int *from, const int *to, unsigned n)
{
	static char buf[64 * 1024];
	bool broken[2] = { false, false };
	unsigned open_ends = n;
	while (open_ends > 0) {
		struct pollfd p[2];
		for (unsigned i = 0; i < n; i++)
			p[i] = (struct pollfd){ .fd = from[i], .events = POLLIN };
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (unsigned i = 0; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(from[i], buf, sizeof(buf));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				close(from[i]);
				from[i] = -1; /* poll skips it */
				open_ends--;
				continue;
			}
			if (!broken[i] && trex_write_all(to[i], buf, (size_t)r) < 0)
				broken[i] = true;
		}
	}
	int st;
	while (waitpid(sbx_stdio_child, &st, 0) < 0)
		if (errno != EINTR)
			return SBX_EXIT_SETUP;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : SIGKILL);
}

int sbx_stdio_guard(int *exit_code, struct trex_err *err)
{
	int relayed[2], from[2], to[2];
	unsigned n = 0;
	for (int fd = 1; fd <= 2; fd++)
		if (!sbx_stdio_passes(fd))
			relayed[n++] = fd;
	if (n == 0)
		return 0;
	int pipes[2][2];
	for (unsigned i = 0; i < n; i++)
		if (pipe2(pipes[i], O_CLOEXEC) < 0) {
			for (unsigned j = 0; j < i; j++) {
				close(pipes[j][0]);
				close(pipes[j][1]);
			}
			return trex_err_set(err, -errno, "pipe for the job's fd %d", relayed[i]);
		}
	/* the relay's signal handlers are set before the fork, so a signal
	 * in between is forwarded too; the child puts the defaults back */
	struct sigaction fwd = { .sa_handler = sbx_stdio_forward, .sa_flags = SA_RESTART };
	sigemptyset(&fwd.sa_mask);
	struct sigaction old[3];
	static const int sigs[3] = { SIGTERM, SIGHUP, SIGINT };
	for (unsigned i = 0; i < 3; i++)
		sigaction(sigs[i], &fwd, &old[i]);
	pid_t caller = getppid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		for (unsigned i = 0; i < n; i++) {
			close(pipes[i][0]);
			close(pipes[i][1]);
		}
		for (unsigned i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
		return trex_err_set(err, -e, "fork the output relay");
	}
	if (pid == 0) {
		for (unsigned i = 0; i < 3; i++)
			sigaction(sigs[i], &old[i], NULL);
		for (unsigned i = 0; i < n; i++) {
			/* dup2 clears close-on-exec: the job inherits these */
			if (dup2(pipes[i][1], relayed[i]) < 0)
				return trex_err_set(err, -errno, "pipe as the job's fd %d", relayed[i]);
			close(pipes[i][0]);
			close(pipes[i][1]);
		}
		return 0;
	}
	sbx_stdio_child = pid;
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* main() blocks the cancelling signals for the supervisor's signalfd;
	 * here they are to be forwarded as they come */
	sigset_t fwd_set;
	sigemptyset(&fwd_set);
	for (unsigned i = 0; i < 3; i++)
		sigaddset(&fwd_set, sigs[i]);
	sigprocmask(SIG_UNBLOCK, &fwd_set, NULL);
	/* the caller's death cancels the job, as it does without a relay
	 * (supervise.c): the relay hears it and forwards it */
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (getppid() != caller)
		kill(pid, SIGTERM);
	for (unsigned i = 0; i < n; i++) {
		close(pipes[i][1]);
		from[i] = pipes[i][0];
		to[i] = relayed[i];
	}
	sbx_stdio_close_others(from, n);
	*exit_code = sbx_stdio_relay(from, to, n);
	return 1;
}
