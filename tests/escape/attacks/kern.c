/* Kernel-surface attempts: seccomp and capability rows (4, 40-47, 49-60,
 * 73-76). Where a plain call fails for lack of host privilege even in the
 * control, the probe uses arguments the kernel rejects only after the
 * syscall is reached (EINVAL/ENOSYS in the control, EPERM under seccomp). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/quota.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/reboot.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include "attack.h"

static int a_ptrace_parent(char **argv)
{
	pid_t pp = getppid();
	long rc = ptrace(PTRACE_ATTACH, pp, NULL, NULL);
	if (rc == 0) {
		waitpid(pp, NULL, __WALL);
		ptrace(PTRACE_DETACH, pp, NULL, NULL);
	}
	return say_rc(rc);
}

static int a_ptrace_traceme(char **argv) { return say_rc(ptrace(PTRACE_TRACEME, 0, NULL, NULL)); }

/* row 40 */
static int a_sched_fifo(char **argv)
{
	struct sched_param p = {.sched_priority = 1};
	return say_rc(sched_setscheduler(0, SCHED_FIFO, &p));
}
static int a_nice(char **argv) { return say_rc(setpriority(PRIO_PROCESS, 0, -10)); }

/* row 41 */
static int a_raise_nofile(char **argv)
{
	struct rlimit r = {1048576, 1048576};
	return say_rc(setrlimit(RLIMIT_NOFILE, &r));
}
static int a_mlockall(char **argv) { return say_rc(mlockall(MCL_CURRENT)); }

/* row 42 */
static int a_keyctl_join(char **argv) { return say_rc(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL)); }
static int a_add_key(char **argv)
{
	return say_rc(syscall(SYS_add_key, "user", "trex-esc", "x", 1, KEY_SPEC_PROCESS_KEYRING));
}

/* row 43: an invalid map type is refused with EINVAL once bpf() is reached */
static int a_bpf(char **argv)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = (__u32)arg_long(argv[0]);
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return say_rc(syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr)));
}

/* row 44: user-only task clock of ourselves, allowed at perf_event_paranoid 2 */
static int a_perf(char **argv)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return say_rc(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0));
}

/* row 45 */
static int a_userfaultfd(char **argv)
{
	return say_rc(syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
}

/* row 46 */
static int a_io_uring(char **argv)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	return say_rc(syscall(SYS_io_uring_setup, 8, &p));
}

/* rows 47, 49, 53, 54 */
static int a_finit_module(char **argv) { return say_rc(syscall(SYS_finit_module, -1, "", 0)); }
static int a_kexec_load(char **argv) { return say_rc(syscall(SYS_kexec_load, 0, 0, NULL, 0)); }
/* bad magic: EINVAL once CAP_SYS_BOOT in the pid ns owner is checked */
static int a_reboot(char **argv)
{
	return say_rc(syscall(SYS_reboot, 0, 0, LINUX_REBOOT_CMD_RESTART, NULL));
}
/* sets the name it already has: the permission is what is tested */
static int a_sethostname(char **argv)
{
	char name[256] = "";
	if (gethostname(name, sizeof(name) - 1) < 0)
		return say_rc(-1);
	return say_rc(sethostname(name, strlen(name)));
}
/* tv_usec out of range: EINVAL before the CAP_SYS_TIME check */
static int a_settimeofday(char **argv)
{
	struct timeval tv = {.tv_sec = 0, .tv_usec = 2000000};
	return say_rc(syscall(SYS_settimeofday, &tv, NULL));
}
/* unknown clock: EINVAL before the CAP_SYS_TIME check */
static int a_clock_settime(char **argv)
{
	struct timespec ts = {0, 0};
	return say_rc(syscall(SYS_clock_settime, (clockid_t)-100, &ts));
}
static int a_adjtimex(char **argv)
{
	struct timex tx;
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET;
	return say_rc(adjtimex(&tx));
}
static int a_personality(char **argv)
{
	long rc = syscall(SYS_personality, READ_IMPLIES_EXEC);
	return say_rc(rc);
}
static int a_personality_norand(char **argv)
{
	return say_rc(syscall(SYS_personality, ADDR_NO_RANDOMIZE));
}

/* row 80: page-cache probing of a shared dataset file (cachestat, 6.5+) */
static int a_cachestat(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	struct { unsigned long long off, len; } range = {0, 0};
	unsigned long long cs[8];
	return say_rc(syscall(451 /* cachestat */, fd, &range, cs, 0));
}

static int a_open_by_handle(char **argv)
{
	struct {
		struct file_handle h;
		unsigned char b[128];
	} fh;
	int mnt;
	fh.h.handle_bytes = sizeof(fh.b);
	if (name_to_handle_at(AT_FDCWD, argv[0], &fh.h, &mnt, 0) < 0)
		return say_rc(-1);
	return say_rc(open_by_handle_at((int)arg_long(argv[1]), &fh.h, O_RDONLY));
}
static int a_acct(char **argv) { return say_rc(syscall(SYS_acct, NULL)); }
static int a_swapoff(char **argv) { return say_rc(syscall(SYS_swapoff, "/nonexistent-swap")); }
static int a_syslog(char **argv) { return say_rc(syscall(SYS_syslog, 10, NULL, 0)); }
static int a_quotactl(char **argv) { return say_rc(quotactl(QCMD(Q_SYNC, USRQUOTA), NULL, 0, NULL)); }
static int a_modify_ldt(char **argv)
{
	static char buf[64];
	return say_rc(syscall(SYS_modify_ldt, 0, buf, sizeof(buf)));
}
static int a_iopl(char **argv) { return say_rc(syscall(SYS_iopl, 0)); }
static int a_ioperm(char **argv) { return say_rc(syscall(SYS_ioperm, 0, 1024, 0)); }

/* row 55: i386 getpid (20) through int 0x80 */
static int a_int80(char **argv)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return say_rc(-1);
	}
	return say("ok");
}

/* row 56: x32 getpid */
static int a_x32(char **argv) { return say_rc(syscall(0x40000000 | SYS_getpid)); }

/* rows 57-60 */
static int a_unshare(char **argv) { return say_rc(unshare((int)arg_long(argv[0]))); }
static int a_clone3_user(char **argv)
{
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWUSER;
	ca.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		syscall(SYS_exit, 0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return say_rc(pid);
}
static int a_clone_net(char **argv)
{
	long pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0)
		syscall(SYS_exit, 0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return say_rc(pid);
}
static int a_setns(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	return say_rc(setns(fd, 0));
}
static int a_mount_tmpfs(char **argv) { return say_rc(mount("none", argv[0], "tmpfs", 0, NULL)); }
static int a_fsopen(char **argv) { return say_rc(syscall(SYS_fsopen, "tmpfs", 0)); }
static int a_open_tree(char **argv) { return say_rc(syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* OPEN_TREE_CLONE */)); }

/* row 73 */
static int a_kill(char **argv) { return say_rc(kill((pid_t)arg_long(argv[0]), (int)arg_long(argv[1]))); }

/* rows 74-76: a pty of our own as controlling tty when /dev/ptmx exists,
 * else fd 0 (ENOTTY without seccomp, EPERM with it) */
static int tty_fd(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return 0;
	char *name = ptsname(m);
	if (!name)
		return 0;
	setsid();
	int s = open(name, O_RDWR);
	return s < 0 ? 0 : s;
}
static int a_tiocsti(char **argv)
{
	char c = 'x';
	int fd = tty_fd();
	return say_rc(syscall(SYS_ioctl, fd, (unsigned long)TIOCSTI, &c));
}
static int a_tiocsti_hi(char **argv)
{
	char c = 'x';
	int fd = tty_fd();
	return say_rc(syscall(SYS_ioctl, fd, (1UL << 32) | TIOCSTI, &c));
}
static int a_tioclinux(char **argv)
{
	char sel[8] = {2};
	int fd = tty_fd();
	return say_rc(syscall(SYS_ioctl, fd, (unsigned long)TIOCLINUX, sel));
}

const struct attack attacks_kern[] = {
	{"ptrace_parent", 0, a_ptrace_parent},
	{"ptrace_traceme", 0, a_ptrace_traceme},
	{"sched_fifo", 0, a_sched_fifo},
	{"nice", 0, a_nice},
	{"raise_nofile", 0, a_raise_nofile},
	{"mlockall", 0, a_mlockall},
	{"keyctl_join", 0, a_keyctl_join},
	{"add_key", 0, a_add_key},
	{"bpf", 1, a_bpf},
	{"perf", 0, a_perf},
	{"userfaultfd", 0, a_userfaultfd},
	{"io_uring", 0, a_io_uring},
	{"finit_module", 0, a_finit_module},
	{"kexec_load", 0, a_kexec_load},
	{"reboot", 0, a_reboot},
	{"sethostname", 0, a_sethostname},
	{"settimeofday", 0, a_settimeofday},
	{"clock_settime", 0, a_clock_settime},
	{"adjtimex", 0, a_adjtimex},
	{"personality", 0, a_personality},
	{"personality_norand", 0, a_personality_norand},
	{"cachestat", 1, a_cachestat},
	{"open_by_handle", 2, a_open_by_handle},
	{"acct", 0, a_acct},
	{"swapoff", 0, a_swapoff},
	{"syslog", 0, a_syslog},
	{"quotactl", 0, a_quotactl},
	{"modify_ldt", 0, a_modify_ldt},
	{"iopl", 0, a_iopl},
	{"ioperm", 0, a_ioperm},
	{"int80", 0, a_int80},
	{"x32", 0, a_x32},
	{"unshare", 1, a_unshare},
	{"clone3_user", 0, a_clone3_user},
	{"clone_net", 0, a_clone_net},
	{"setns", 1, a_setns},
	{"mount_tmpfs", 1, a_mount_tmpfs},
	{"fsopen", 0, a_fsopen},
	{"open_tree", 0, a_open_tree},
	{"kill", 2, a_kill},
	{"tiocsti", 0, a_tiocsti},
	{"tiocsti_hi", 0, a_tiocsti_hi},
	{"tioclinux", 0, a_tioclinux},
	{NULL, 0, NULL},
};
