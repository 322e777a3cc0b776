/* Channels between concurrent jobs and host facts (issue #12 items 2, 3;
 * ATTACKS rows 72, 74, 80): watches and locks on shared inodes, the
 * host-wide figures of /proc and sysinfo(2), filesystem-information
 * ioctls on the dataset, host-wide write-back, the caller's terminal and
 * file behind the job's stdio. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/sysinfo.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include "attack.h"

/* one line on stdout as soon as the watch is set, so the suite knows
 * when to make the other job read */
static void armed(void)
{
	printf("armed\n");
	fflush(stdout);
}

/* row 72: a watch on a file another job reads. "event" when the read
 * showed up within SECONDS, "timeout" when not, else the errno */
static int a_inotify_watch(char **argv)
{
	int fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	if (inotify_add_watch(fd, argv[0], IN_OPEN | IN_ACCESS) < 0)
		return say_rc(-1);
	armed();
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, (int)arg_long(argv[1]) * 1000);
	return say(n > 0 ? "event" : "timeout");
}

/* the same through dnotify (fcntl F_NOTIFY on the file's directory) */
static int a_dnotify_watch(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (fd < 0 || fcntl(fd, F_SETSIG, SIGRTMIN) < 0)
		return say_rc(-1);
	if (fcntl(fd, F_NOTIFY, DN_ACCESS | DN_MULTISHOT) < 0)
		return say_rc(-1);
	armed();
	struct timespec ts = { .tv_sec = arg_long(argv[1]) };
	return say(sigtimedwait(&set, NULL, &ts) > 0 ? "event" : "timeout");
}

/* the other job: open and read a file */
static int a_read_file(char **argv)
{
	char buf[64];
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	return say_rc(read(fd, buf, sizeof(buf)));
}

/* row 72: hold an exclusive flock on a (read-only) file for SECONDS */
static int a_flock_hold(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		return say_rc(-1);
	armed();
	sleep((unsigned)arg_long(argv[1]));
	return say("ok");
}

/* the victim: a shared lock, without waiting */
static int a_flock_try(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	return say_rc(flock(fd, LOCK_SH | LOCK_NB));
}

/* row 80: the first line of a /proc file that starts with PREFIX
 * ("-": the first line), blanks squeezed, at most 72 characters */
static int a_proc_line(char **argv)
{
	FILE *f = fopen(argv[0], "re");
	char line[4096];
	if (!f)
		return say_rc(-1);
	while (fgets(line, sizeof(line), f)) {
		if (strcmp(argv[1], "-") != 0 && strncmp(line, argv[1], strlen(argv[1])) != 0)
			continue;
		char out[73];
		size_t n = 0;
		for (char *p = line; *p && *p != '\n' && n + 1 < sizeof(out); p++)
			if (!((*p == ' ' || *p == '\t') && n > 0 && out[n - 1] == ' '))
				out[n++] = *p == '\t' ? ' ' : *p;
		out[n] = '\0';
		return say("%s", out);
	}
	return say("none");
}

/* row 80: what filesystem serves a /proc path: a live procfs figure or
 * the job's snapshot on its tmpfs */
static int a_fs_type(char **argv)
{
	struct statfs s;
	if (statfs(argv[0], &s) < 0)
		return say_rc(-1);
	if (s.f_type == PROC_SUPER_MAGIC)
		return say("proc");
	if (s.f_type == TMPFS_MAGIC)
		return say("tmpfs");
	return say("fs=0x%lx", (unsigned long)s.f_type);
}

/* row 80: sysinfo(2)'s host-wide figures */
static int a_sysinfo(char **argv)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return say_rc(-1);
	return say("procs=%u totalram=%llu freeram=%llu sharedram=%llu bufferram=%llu loads=%lu,%lu,%lu",
		   si.procs, (unsigned long long)si.totalram * si.mem_unit,
		   (unsigned long long)si.freeram * si.mem_unit,
		   (unsigned long long)si.sharedram * si.mem_unit,
		   (unsigned long long)si.bufferram * si.mem_unit, si.loads[0], si.loads[1],
		   si.loads[2]);
}

#ifndef FS_IOC_GETFSUUID
struct fsuuid2 {
	__u8 len;
	__u8 uuid[16];
};
#define FS_IOC_GETFSUUID _IOR(0x15, 0, struct fsuuid2)
#endif
#ifndef FS_IOC_GETFSSYSFSPATH
struct fs_sysfs_path {
	__u8 len;
	__u8 name[128];
};
#define FS_IOC_GETFSSYSFSPATH _IOR(0x15, 1, struct fs_sysfs_path)
#endif

/* row 80: filesystem-information ioctls on a dataset file: where it lies
 * on the host's disk, which filesystem, its label and sysfs path */
static int a_fs_ioctl(char **argv)
{
	static const struct { const char *name; unsigned long req; } reqs[] = {
		{ "FIEMAP", FS_IOC_FIEMAP },
		{ "FS_IOC_GETFSUUID", FS_IOC_GETFSUUID },
		{ "FS_IOC_GETFSLABEL", FS_IOC_GETFSLABEL },
		{ "FS_IOC_GETFSSYSFSPATH", FS_IOC_GETFSSYSFSPATH },
		{ "FS_IOC_GETFLAGS", FS_IOC_GETFLAGS },
		{ "FS_IOC_GETVERSION", FS_IOC_GETVERSION },
		{ "FS_IOC_FSGETXATTR", FS_IOC_FSGETXATTR },
		{ "FIGETBSZ", FIGETBSZ },
	};
	union {
		struct fiemap fm;
		char buf[4096];
	} u;
	int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		if (strcmp(reqs[i].name, argv[0]) != 0)
			continue;
		memset(&u, 0, sizeof(u));
		if (reqs[i].req == FS_IOC_FIEMAP) {
			u.fm.fm_length = ~0ULL;
			u.fm.fm_extent_count = 8;
		}
		return say_rc(ioctl(fd, reqs[i].req, &u));
	}
	fprintf(stderr, "attack fs_ioctl: unknown request %s\n", argv[0]);
	return 2;
}

/* row 80: write back every host filesystem, or the one behind a file */
static int a_sync(char **argv) { return say_rc(syscall(SYS_sync)); }
static int a_syncfs(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	return say_rc(syncfs(fd));
}

/* row 74: the caller's terminal behind the job's stdout */
static int a_isatty(char **argv) { return say(isatty((int)arg_long(argv[0])) ? "tty" : "notty"); }

/* set the terminal to the settings it has (nothing changes where the
 * call is allowed): TCSETS reaching the kernel is the finding */
static int a_tty_set(char **argv)
{
	int fd = (int)arg_long(argv[0]);
	struct termios t;
	memset(&t, 0, sizeof(t));
	if (ioctl(fd, TCGETS, &t) < 0 && errno != ENOTTY)
		return say_rc(-1);
	return say_rc(ioctl(fd, TCSETS, &t));
}

static int a_tty_winsz(char **argv)
{
	int fd = (int)arg_long(argv[0]);
	struct winsize w = { 24, 80, 0, 0 };
	if (ioctl(fd, TIOCGWINSZ, &w) < 0 && errno != ENOTTY)
		return say_rc(-1);
	return say_rc(ioctl(fd, TIOCSWINSZ, &w));
}

/* row 80: what is behind one of the job's fds (a host path?) */
static int a_fd_path(char **argv)
{
	char link[64], target[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%s", argv[0]);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return say_rc(-1);
	target[n] = '\0';
	return say("%s", target);
}

const struct attack attacks_chan[] = {
	{"inotify_watch", 2, a_inotify_watch},
	{"dnotify_watch", 2, a_dnotify_watch},
	{"read_file", 1, a_read_file},
	{"flock_hold", 2, a_flock_hold},
	{"flock_try", 1, a_flock_try},
	{"proc_line", 2, a_proc_line},
	{"fs_type", 1, a_fs_type},
	{"sysinfo", 0, a_sysinfo},
	{"fs_ioctl", 2, a_fs_ioctl},
	{"sync", 0, a_sync},
	{"syncfs", 1, a_syncfs},
	{"isatty", 1, a_isatty},
	{"tty_set", 1, a_tty_set},
	{"tty_winsz", 1, a_tty_winsz},
	{"fd_path", 1, a_fd_path},
	{NULL, 0, NULL},
};

/* Residual channels, measured for RESIDUAL.md by residual_channels.sh
 * (not a test row: these stay open). Both ends agree on a start time on
 * the host's realtime clock, a bit period and a pseudo-random message
 * (xorshift from a seed); the receiver prints what it heard. */
static unsigned long long chan_xs;
static int chan_bit(void)
{
	chan_xs ^= chan_xs << 13;
	chan_xs ^= chan_xs >> 7;
	chan_xs ^= chan_xs << 17;
	return (int)(chan_xs & 1);
}

static void chan_sleep_until(long long start_ns, long long off_ns)
{
	long long t = start_ns + off_ns;
	struct timespec ts = { .tv_sec = t / 1000000000LL, .tv_nsec = t % 1000000000LL };
	while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* how long the message took: a receiver that falls behind reads a page
 * the sender loaded long ago, so the rate is bits over this, not over
 * the nominal period */
static long long chan_elapsed_us(long long start_ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((long long)ts.tv_sec * 1000000000LL + ts.tv_nsec - start_ns) / 1000;
}

/* byte-range read lock on a shared read-only file: held = 1 */
static int a_lockchan_send(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	long n = arg_long(argv[1]), period = arg_long(argv[2]) * 1000;
	long long start = arg_long(argv[3]);
	chan_xs = 88172645463325252ULL;
	if (fd < 0)
		return say_rc(-1);
	for (long i = 0; i < n; i++) {
		chan_sleep_until(start, i * period);
		struct flock l = { .l_type = chan_bit() ? F_RDLCK : F_UNLCK, .l_whence = SEEK_SET,
				   .l_len = 1 };
		if (fcntl(fd, F_SETLK, &l) < 0)
			return say_rc(-1);
	}
	return say("sent");
}

/* ...probed with F_GETLK for a write lock in the middle of each period */
static int a_lockchan_recv(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	long n = arg_long(argv[1]), period = arg_long(argv[2]) * 1000;
	long long start = arg_long(argv[3]);
	chan_xs = 88172645463325252ULL;
	long errors = 0;
	if (fd < 0)
		return say_rc(-1);
	for (long i = 0; i < n; i++) {
		chan_sleep_until(start, i * period + period / 2);
		struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };
		if (fcntl(fd, F_GETLK, &l) < 0)
			return say_rc(-1);
		errors += (l.l_type != F_UNLCK) != chan_bit();
	}
	return say("bits=%ld errors=%ld us=%lld", n, errors, chan_elapsed_us(start));
}

/* the page cache of a shared file: page i read by the sender = 1; the
 * receiver asks mincore() about page i, once per period */
static int a_pagechan_send(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	long n = arg_long(argv[1]), period = arg_long(argv[2]) * 1000;
	long long start = arg_long(argv[3]);
	char c;
	chan_xs = 88172645463325252ULL;
	if (fd < 0)
		return say_rc(-1);
	/* no readahead: one read, one page */
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	for (long i = 0; i < n; i++) {
		chan_sleep_until(start, i * period);
		if (chan_bit() && pread(fd, &c, 1, (off_t)i * 4096) < 0)
			return say_rc(-1);
	}
	return say("sent");
}

/* probe page i: PROBE "nowait" reads it only if cached (preadv2
 * RWF_NOWAIT: EAGAIN otherwise, and nothing is loaded), "mincore" asks
 * mincore() (the kernel answers only for pages this process mapped, for
 * files it cannot write), "time" times a one-byte read (cached: a few us) */
static int a_pagechan_recv(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	long n = arg_long(argv[1]), period = arg_long(argv[2]) * 1000;
	long long start = arg_long(argv[3]);
	const char *probe = argv[4];
	long errors = 0;
	chan_xs = 88172645463325252ULL;
	if (fd < 0)
		return say_rc(-1);
	unsigned char *map = mmap(NULL, (size_t)n * 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return say_rc(-1);
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	madvise(map, (size_t)n * 4096, MADV_RANDOM);
	for (long i = 0; i < n; i++) {
		unsigned char v = 0;
		char c;
		chan_sleep_until(start, i * period + period / 2);
		if (!strcmp(probe, "nowait")) {
			struct iovec iov = { .iov_base = &c, .iov_len = 1 };
			ssize_t r = preadv2(fd, &iov, 1, (off_t)i * 4096, RWF_NOWAIT);
			if (r < 0 && errno != EAGAIN)
				return say_rc(-1);
			v = r == 1;
		} else if (!strcmp(probe, "mincore")) {
			if (mincore(map + i * 4096, 4096, &v) < 0)
				return say_rc(-1);
		} else {
			struct timespec a, b;
			clock_gettime(CLOCK_MONOTONIC, &a);
			if (pread(fd, &c, 1, (off_t)i * 4096) < 0)
				return say_rc(-1);
			clock_gettime(CLOCK_MONOTONIC, &b);
			v = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 20000;
		}
		errors += (v & 1) != chan_bit();
	}
	return say("bits=%ld errors=%ld us=%lld", n, errors, chan_elapsed_us(start));
}

const struct attack attacks_chan_residual[] = {
	{"lockchan_send", 4, a_lockchan_send},
	{"lockchan_recv", 4, a_lockchan_recv},
	{"pagechan_send", 4, a_pagechan_send},
	{"pagechan_recv", 5, a_pagechan_recv},
	{NULL, 0, NULL},
};
