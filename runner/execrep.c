#include "execrep.h"

#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

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
