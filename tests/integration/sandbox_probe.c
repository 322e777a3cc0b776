/* Probe run inside trex-sandbox by tests/integration/sandbox_seccomp.t:
 * `probe NAME` attempts one thing and prints "NAME ok" or "NAME errno=E"
 * (the errno's symbolic name), so the test can assert the exact outcome.
 * Death by a signal (SIGSYS for foreign ABIs) is seen by the caller as an
 * exit status. Built by the test with cc; not part of any binary. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/fs.h>

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOSYS: return "ENOSYS";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case EBADF: return "EBADF";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ENOENT: return "ENOENT";
	case EROFS: return "EROFS";
	case EFAULT: return "EFAULT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return "OTHER";
	}
}

/* a scratch file in $TMPDIR (the job's /tmp in the sandbox) */
static const char *tmp_file(const char *name)
{
	static char path[4096];
	const char *d = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/%s", d ? d : "/tmp", name);
	return path;
}

static int report(const char *name, long r)
{
	if (r < 0)
		printf("%s errno=%s\n", name, ename(errno));
	else
		printf("%s ok\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *n = argv[1];
	char c = 'x';
	if (!strcmp(n, "tiocsti"))
		return report(n, ioctl(0, TIOCSTI, &c));
	if (!strcmp(n, "tiocsti_high"))
		return report(n, syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, &c));
	if (!strcmp(n, "tioclinux"))
		return report(n, ioctl(0, TIOCLINUX, &c));
	if (!strcmp(n, "fionread")) {
		int v;
		return report(n, ioctl(0, FIONREAD, &v));
	}
	if (!strcmp(n, "clone3")) {
		struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
		return report(n, syscall(SYS_clone3, &ca, sizeof(ca)));
	}
	if (!strcmp(n, "clone_newuser"))
		return report(n, syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0));
	if (!strcmp(n, "fork")) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		return report(n, p < 0 ? -1 : waitpid(p, NULL, 0));
	}
	if (!strcmp(n, "unshare_user"))
		return report(n, unshare(CLONE_NEWUSER));
	if (!strcmp(n, "unshare_net"))
		return report(n, unshare(CLONE_NEWNET));
	if (!strcmp(n, "socket_unix"))
		return report(n, socket(AF_UNIX, SOCK_STREAM, 0));
	if (!strcmp(n, "socket_tcp"))
		return report(n, socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	if (!strcmp(n, "socket_udp6"))
		return report(n, socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP));
	if (!strcmp(n, "socket_dccp"))
		return report(n, socket(AF_INET, 6 /* SOCK_DCCP */, 33 /* IPPROTO_DCCP */));
	if (!strcmp(n, "socket_sctp"))
		return report(n, socket(AF_INET, SOCK_STREAM, 132 /* IPPROTO_SCTP */));
	if (!strcmp(n, "socket_raw"))
		return report(n, socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
	if (!strcmp(n, "socket_icmp"))
		return report(n, socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP));
	if (!strcmp(n, "socket_netlink"))
		return report(n, socket(AF_NETLINK, SOCK_RAW, 0));
	if (!strcmp(n, "socket_packet"))
		return report(n, socket(AF_PACKET, SOCK_RAW, 0));
	if (!strcmp(n, "socket_alg"))
		return report(n, socket(AF_ALG, SOCK_SEQPACKET, 0));
	if (!strcmp(n, "socket_vsock"))
		return report(n, socket(AF_VSOCK, SOCK_STREAM, 0));
	if (!strcmp(n, "personality_query"))
		return report(n, personality(0xffffffff));
	if (!strcmp(n, "personality_rie"))
		return report(n, personality(READ_IMPLIES_EXEC));
	if (!strcmp(n, "memfd_exec"))
		return report(n, memfd_create("x", 0));
	if (!strcmp(n, "memfd_noexec"))
		return report(n, memfd_create("x", 0x8 /* MFD_NOEXEC_SEAL */));
	if (!strcmp(n, "execveat"))
		return report(n, syscall(SYS_execveat, AT_FDCWD, "/bin/true", NULL, NULL, 0));
	if (!strcmp(n, "io_uring"))
		return report(n, syscall(SYS_io_uring_setup, 8, NULL));
	if (!strcmp(n, "bpf"))
		return report(n, syscall(SYS_bpf, 0, NULL, 0));
	if (!strcmp(n, "userfaultfd"))
		return report(n, syscall(SYS_userfaultfd, 0));
	if (!strcmp(n, "keyctl"))
		return report(n, syscall(SYS_keyctl, 1 /* JOIN_SESSION */, 0));
	if (!strcmp(n, "perf"))
		return report(n, syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	if (!strcmp(n, "ptrace"))
		return report(n, ptrace(PTRACE_TRACEME, 0, 0, 0));
	if (!strcmp(n, "mount"))
		return report(n, mount("none", "/tmp", "tmpfs", 0, NULL));
	if (!strcmp(n, "chroot"))
		return report(n, chroot("/tmp"));
	if (!strcmp(n, "pivot_root"))
		return report(n, syscall(SYS_pivot_root, ".", "."));
	if (!strcmp(n, "mknod"))
		return report(n, mknod("/tmp/f", S_IFIFO | 0644, 0));
	/* ioctl allowlist: queries pass (ENOTTY on /dev/null), the rest is
	 * EPERM before the kernel sees it */
	if (!strcmp(n, "tcgets")) {
		struct termios t;
		return report(n, ioctl(0, TCGETS, &t));
	}
	if (!strcmp(n, "tiocgwinsz")) {
		struct winsize w;
		return report(n, ioctl(0, TIOCGWINSZ, &w));
	}
	if (!strcmp(n, "fioclex"))
		return report(n, ioctl(0, FIOCLEX));
	if (!strcmp(n, "tcsets")) {
		struct termios t = { 0 };
		return report(n, ioctl(0, TCSETS, &t));
	}
	if (!strcmp(n, "tiocswinsz")) {
		struct winsize w = { 24, 80, 0, 0 };
		return report(n, ioctl(0, TIOCSWINSZ, &w));
	}
	if (!strcmp(n, "getflags") || !strcmp(n, "ficlone")) {
		int fd = open(tmp_file("p"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		int fl = 0;
		if (fd < 0)
			return report(n, -1);
		if (!strcmp(n, "getflags"))
			return report(n, ioctl(fd, FS_IOC_GETFLAGS, &fl));
		return report(n, ioctl(fd, FICLONE, fd));
	}
	/* locks and watches */
	if (!strcmp(n, "flock") || !strcmp(n, "setlk") || !strcmp(n, "getlk") ||
	    !strcmp(n, "ofd_setlk") || !strcmp(n, "setlease") || !strcmp(n, "fsync")) {
		int fd = open(tmp_file("l"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1 };
		if (fd < 0)
			return report(n, -1);
		if (!strcmp(n, "flock"))
			return report(n, flock(fd, LOCK_EX | LOCK_NB));
		if (!strcmp(n, "setlk"))
			return report(n, fcntl(fd, F_SETLK, &l));
		if (!strcmp(n, "getlk"))
			return report(n, fcntl(fd, F_GETLK, &l));
		if (!strcmp(n, "ofd_setlk"))
			return report(n, fcntl(fd, F_OFD_SETLK, &l));
		if (!strcmp(n, "fsync"))
			return report(n, fsync(fd));
		return report(n, fcntl(fd, F_SETLEASE, F_RDLCK));
	}
	if (!strcmp(n, "dnotify") || !strcmp(n, "dnotify_high")) {
		int fd = open(tmp_file(""), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		unsigned long cmd = F_NOTIFY | (!strcmp(n, "dnotify_high") ? 1UL << 32 : 0);
		return report(n, syscall(SYS_fcntl, fd, cmd, DN_ACCESS));
	}
	if (!strcmp(n, "inotify"))
		return report(n, inotify_init1(IN_CLOEXEC));
	if (!strcmp(n, "sync")) {
		sync(); /* void: the filter's answer is only visible raw */
		return report(n, syscall(SYS_sync));
	}
	if (!strcmp(n, "syncfs"))
		return report(n, syncfs(0));
	if (!strcmp(n, "x32")) {
		long r = syscall(0x40000000 | SYS_getpid);
		return report(n, r);
	}
	if (!strcmp(n, "i386")) {
		long r;
		/* getpid via the 32-bit entry point */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");
		return report(n, r);
	}
	if (!strcmp(n, "fds")) {
		/* highest open fd besides the ones stdio uses */
		int max = -1;
		for (int fd = 0; fd < 1024; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				max = fd;
		printf("fds max=%d\n", max);
		return 0;
	}
	return 2;
}
