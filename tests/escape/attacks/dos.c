/* Resource attempts (rows 33-39): each stops at a bound of its own, so in
 * the control it ends with "ok" and only a sandbox limit changes that. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "attack.h"

static int a_forkbomb(char **argv)
{
	long n = arg_long(argv[0]);
	pid_t kids[4096];
	long i;
	int err = 0;
	if (n > 4096)
		n = 4096;
	for (i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			err = errno;
			break;
		}
		kids[i] = p;
	}
	for (long j = 0; j < i; j++)
		kill(kids[j], SIGKILL);
	while (wait(NULL) > 0)
		;
	return err ? say_err(err) : say("ok");
}

static void *idle(void *arg)
{
	pause();
	return arg;
}
static int a_threadbomb(char **argv)
{
	long n = arg_long(argv[0]);
	for (long i = 0; i < n; i++) {
		pthread_t t;
		int rc = pthread_create(&t, NULL, idle, NULL);
		if (rc)
			return say_err(rc);
	}
	return say("ok");
}

static int a_membomb(char **argv)
{
	long mb = arg_long(argv[0]);
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);
		if (!p)
			return say_rc(-1);
		memset(p, 1, 1 << 20);
	}
	return say("ok");
}

static double cpu_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
static int a_cpuhog(char **argv)
{
	double end = strtod(argv[0], NULL);
	while (cpu_now() < end)
		;
	return say("ok");
}

/* row 38: report what stdin is, then sleep */
static int a_hang(char **argv)
{
	struct pollfd p = {.fd = 0, .events = POLLIN};
	int r = poll(&p, 1, 200);
	char c;
	if (r == 0)
		say("stdin=blocked");
	else if (r > 0 && read(0, &c, 1) == 0)
		say("stdin=eof");
	else
		say("stdin=data");
	sleep((unsigned)arg_long(argv[0]));
	return say("ok");
}

/* row 39: leave a daemon behind that ignores TERM/HUP */
static int a_survive(char **argv)
{
	pid_t p = fork();
	if (p < 0)
		return say_rc(-1);
	if (p == 0) {
		setsid();
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		if (fork() == 0) {
			int fd = open("/dev/null", O_RDWR);
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			sleep((unsigned)arg_long(argv[0]));
		}
		_exit(0);
	}
	waitpid(p, NULL, 0);
	return say("ok");
}

/* row 33: write MB mebibytes into DIR as 1 MiB files (so RLIMIT_FSIZE
 * alone cannot stop it: only the tmpfs size or the memory cgroup can) */
static int a_fill(char **argv)
{
	static char buf[1 << 20];
	memset(buf, 'z', sizeof(buf));
	long mb = arg_long(argv[1]);
	char path[4096];
	for (long i = 0; i < mb; i++) {
		snprintf(path, sizeof(path), "%s/fill%ld", argv[0], i);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return say_rc(-1);
		for (size_t off = 0; off < sizeof(buf);) {
			ssize_t w = write(fd, buf + off, sizeof(buf) - off);
			if (w < 0)
				return say_rc(-1);
			off += (size_t)w;
		}
		close(fd);
	}
	return say("ok");
}

/* row 31: N empty files in DIR */
static int a_manyfiles(char **argv)
{
	long n = arg_long(argv[1]);
	char path[4096];
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", argv[0], i);
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return say_rc(-1);
		close(fd);
	}
	return say("ok");
}

/* row 36: the memory bomb runs in a child; the parent would carry on for
 * 2 s after the child's OOM kill (on cgroup v1 the supervisor ends the job
 * asynchronously, so "within 2 s" is what can be asserted) */
static int a_membomb_child(char **argv)
{
	pid_t p = fork();
	if (p < 0)
		return say_rc(-1);
	if (p == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		a_membomb(argv);
		_exit(0);
	}
	int st = 0;
	waitpid(p, &st, 0);
	if (WIFSIGNALED(st)) {
		sleep(2);
		return say("child=signal%d parent=alive", WTERMSIG(st));
	}
	return say("ok");
}

/* row 37: N children in turn, each spinning SECS of CPU: every process
 * stays under RLIMIT_CPU, only a whole-job CPU limit adds them up */
static int a_cpuhog_kids(char **argv)
{
	long n = arg_long(argv[0]);
	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return say_rc(-1);
		if (p == 0) {
			int fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			a_cpuhog(argv + 1);
			_exit(0);
		}
		waitpid(p, NULL, 0);
	}
	return say("ok");
}

/* row 74: are we the leader of our own session? */
static int a_session(char **argv)
{
	return say(getsid(0) == getpid() ? "leader" : "member");
}

const struct attack attacks_dos[] = {
	{"membomb_child", 1, a_membomb_child},
	{"cpuhog_kids", 2, a_cpuhog_kids},
	{"session", 0, a_session},
	{"forkbomb", 1, a_forkbomb},
	{"threadbomb", 1, a_threadbomb},
	{"membomb", 1, a_membomb},
	{"cpuhog", 1, a_cpuhog},
	{"hang", 1, a_hang},
	{"survive", 1, a_survive},
	{"fill", 2, a_fill},
	{"manyfiles", 2, a_manyfiles},
	{NULL, 0, NULL},
};
