/* Per-user kernel limits (escape.t, "per-user limits"): a job takes all of
 * one limit the kernel counts per user (inotify instances, inotify
 * watches, queued real-time signals), says how many it got and why it
 * stopped, then holds them for SECS seconds while the suite checks, from
 * the host, that host root and a concurrent job are still served. The
 * fill_* attempts only ever run inside trex-sandbox, or in the control's
 * own user namespace under a limit it lowered itself first; the probe_*
 * attempts take one unit (one instance, one watch, one signal) and give
 * it back when they exit. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/nsfs.h>
#include "attack.h"

/* bound of our own, far above any default limit, so a runaway fill stops
 * even where the kernel would not */
#define FILL_MAX (1L << 22)

/* One unit more of the limit being filled: 0, or the errno the kernel
 * refused it with. */
typedef int (*take_fn)(void *state);

/* Take units until the kernel refuses one, say how many and why, then
 * hold them for SECS seconds, taking again every millisecond: a unit
 * that someone sharing the count gives back (the host's own signals and
 * inotify instances come and go) is ours again before they can reuse it.
 * A job whose count is its own has nothing to gain there. */
static int fill(const char *what, take_fn take, void *state, long secs)
{
	long n = 0;
	int err = 0;
	while (n < FILL_MAX && !(err = take(state)))
		n++;
	say("%s=%ld %s", what, n, err ? strerrorname_np(err) : "none");
	struct timespec now, end, ms = { .tv_nsec = 1000000 };
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += secs;
	do {
		nanosleep(&ms, NULL);
		if (n < FILL_MAX && !take(state))
			n++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end.tv_sec ||
		 (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
	return 0;
}

static int take_inotify(void *state)
{
	return inotify_init1(IN_CLOEXEC) < 0 ? errno : 0;
}

/* inotify instances until the kernel refuses one */
static int a_fill_inotify(char **argv)
{
	return fill("inotify", take_inotify, NULL, arg_long(argv[0]));
}

struct watches {
	long nfiles, next; /* the next file the current instance watches */
	int fd;            /* the current instance, -1 before the first */
};

static int take_watch(void *state)
{
	struct watches *w = state;
	char name[32];
	if (w->fd < 0 || w->next == w->nfiles) {
		int fd = inotify_init1(IN_CLOEXEC);
		if (fd < 0)
			return errno;
		w->fd = fd;
		w->next = 0;
	}
	snprintf(name, sizeof(name), "w%ld", w->next);
	if (inotify_add_watch(w->fd, name, IN_ACCESS) < 0)
		return errno;
	w->next++;
	return 0;
}

/* NFILES files in DIR, watched by one instance after the other until the
 * kernel refuses a watch (or an instance) */
static int a_fill_watches(char **argv)
{
	struct watches w = { .nfiles = arg_long(argv[1]), .fd = -1 };
	char name[32];
	if (chdir(argv[0]) < 0)
		return say_rc(-1);
	for (long i = 0; i < w.nfiles; i++) {
		snprintf(name, sizeof(name), "w%ld", i);
		int fd = open(name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return say_rc(-1);
		close(fd);
	}
	return fill("watches", take_watch, &w, arg_long(argv[2]));
}

static int take_rtsig(void *state)
{
	union sigval v = { .sival_int = 0 };
	return sigqueue(getpid(), SIGRTMIN, v) < 0 ? errno : 0;
}

/* real-time signals queued to ourselves (blocked) until the kernel
 * refuses one: each is charged to the pending-signal count of our user */
static int a_fill_rtsig(char **argv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return fill("rtsig", take_rtsig, NULL, arg_long(argv[0]));
}

static int a_probe_inotify(char **argv)
{
	return say_rc(inotify_init1(IN_CLOEXEC));
}

static int a_probe_watch(char **argv)
{
	int fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	return say_rc(inotify_add_watch(fd, argv[0], IN_ACCESS));
}

static int a_probe_rtsig(char **argv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	union sigval v = { .sival_int = 0 };
	return say_rc(sigqueue(getpid(), SIGRTMIN, v));
}

/* host side: the host uid owning PID's user namespace */
static int a_ns_owner(char **argv)
{
	char path[64];
	uid_t uid;
	snprintf(path, sizeof(path), "/proc/%s/ns/user", argv[0]);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, NS_GET_OWNER_UID, &uid) < 0)
		return say_rc(-1);
	return say("owner=%u", (unsigned)uid);
}

const struct attack attacks_peruser[] = {
	{"fill_inotify", 1, a_fill_inotify},
	{"fill_watches", 3, a_fill_watches},
	{"fill_rtsig", 1, a_fill_rtsig},
	{"probe_inotify", 0, a_probe_inotify},
	{"probe_watch", 1, a_probe_watch},
	{"probe_rtsig", 0, a_probe_rtsig},
	{"ns_owner", 1, a_ns_owner},
	{NULL, 0, NULL},
};
