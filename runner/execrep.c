#include "execrep.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int execrep_fork(int ep[2], pid_t *pid, struct trex_err *err)
{
	if (pipe2(ep, O_CLOEXEC) < 0)
		return trex_err_set(err, -errno, "pipe");
	*pid = fork();
	if (*pid < 0) {
		int r = -errno;
		close(ep[0]);
		close(ep[1]);
		return trex_err_set(err, r, "fork");
	}
	if (*pid == 0) {
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
	}
	return 0;
}

void execrep_fail(int report)
{
	int e = errno;
	ssize_t w = write(report, &e, sizeof(e));
	(void)w;
	_exit(127);
}

int execrep_wait(int ep0, pid_t pid, const char *prog, struct trex_err *err)
{
	int e = 0;
	ssize_t n;
	do
		n = read(ep0, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(ep0);
	if (n == (ssize_t)sizeof(e)) {
		waitpid(pid, NULL, 0);
		return trex_err_set(err, -e, "could not start %s", prog);
	}
	return 0;
}
