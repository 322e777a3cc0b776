/* The service process's seccomp allowlist (runner/privdrop.c
 * privdrop_seccomp): each call runs twice in a forked child that first
 * becomes an unprivileged uid (nothing here can do harm), once without
 * the filter, where it succeeds or fails as the kernel decides, and once
 * with it, where it works if the service needs it and otherwise fails
 * with the exact errno or kills the child with SIGSYS. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runner/privdrop.h"

/* what a child reports: 0 when the call succeeded, else its errno */
typedef int (*probe_fn)(void);

#define KILLED (-SIGSYS)

static void become_nobody(void)
{
	if (getuid() != 0)
		return;
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		_exit(200);
}

/* KILLED when SIGSYS ended the child, else what probe returned */
static int run(int filtered, probe_fn probe)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		/* cmocka's handlers would report a child's fault as a test's */
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		become_nobody();
		if (filtered) {
			struct trex_err err = { 0 };
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || privdrop_seccomp(&err) < 0)
				_exit(201);
		}
		_exit(probe());
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return -WTERMSIG(st);
	assert_true(WIFEXITED(st));
	assert_true(WEXITSTATUS(st) < 200);
	return WEXITSTATUS(st);
}

static int ret(long r)
{
	return r < 0 ? errno : 0;
}

/* what the service does all day: files, pipes, unix sockets */
static int probe_service_calls(void)
{
	int p[2], fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "x", 1) != 1 || pipe2(p, O_CLOEXEC) < 0 || write(p[1], "y", 1) != 1)
		return 1;
	int on = 1;
	if (ioctl(p[0], FIONBIO, &on) < 0)
		return 2;
	if (socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) < 0)
		return 3;
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return 4;
	if (getpid() <= 0 || kill(getpid(), 0) < 0)
		return 5;
	return 0;
}

static void *thread_noop(void *arg)
{
	return arg;
}

/* threads: glibc tries clone3 first, gets ENOSYS, and uses clone */
static int probe_thread(void)
{
	pthread_t t;
	int r = pthread_create(&t, NULL, thread_noop, NULL);
	if (r != 0)
		return r;
	return pthread_join(t, NULL);
}

/* The service runs no program since the identifier index is the
 * monitor's (MON_ID_INDEX): a child it forked cannot exec one */
static int probe_exec(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(99);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int probe_netlink(void)
{
	return ret(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
}

static int probe_packet(void)
{
	return ret(socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

/* the service accepts TCP on listeners bound before the drop, but never
 * opens a network socket of its own */
static int probe_inet(void)
{
	return ret(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static int probe_clone3(void)
{
	struct clone_args a = { .exit_signal = SIGCHLD };
	long r = syscall(SYS_clone3, &a, sizeof(a));
	if (r == 0)
		_exit(0);
	if (r > 0) {
		waitpid((pid_t)r, NULL, 0);
		return 0;
	}
	return errno;
}

/* a child in a new user namespace: allowed to nobody on most hosts */
static int probe_clone_newuser(void)
{
	long r = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), NULL, NULL, NULL, 0);
	if (r == 0)
		_exit(0);
	if (r > 0) {
		waitpid((pid_t)r, NULL, 0);
		return 0;
	}
	return errno;
}

static int probe_unshare(void)
{
	return ret(unshare(CLONE_NEWUSER));
}

static int probe_mount(void)
{
	return ret(mount("none", "/tmp", "tmpfs", 0, NULL));
}

static int probe_ptrace(void)
{
	return ret(ptrace(PTRACE_ATTACH, getppid(), NULL, NULL));
}

static int probe_kill_parent(void)
{
	return ret(kill(getppid(), 0));
}

static int probe_setuid(void)
{
	return ret(setuid(getuid()));
}

/* an ioctl outside the list: the block size of a file */
static int probe_ioctl(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), bs;
	return fd < 0 ? 1 : ret(ioctl(fd, FIGETBSZ, &bs));
}

/* the i386 getpid through int 0x80 from a 64-bit process: another
 * architecture for seccomp */
static int probe_int80(void)
{
	long r = 20; /* __NR_getpid on i386 */
	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	return r == getpid() ? 0 : 1;
}

/* the x32 ABI's getpid: x86_64's architecture, numbers from 0x40000000 */
static int probe_x32(void)
{
	return ret(syscall(0x40000000 | SYS_getpid));
}

/* a thread started before the filter is bound by it too (TSYNC) */
static volatile int thread_go;
static void *thread_ptrace(void *arg)
{
	while (!thread_go)
		sched_yield();
	ptrace(PTRACE_ATTACH, getppid(), NULL, NULL);
	return arg;
}

static int thread_filter;
static int probe_thread_before(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, thread_ptrace, NULL) != 0)
		return 1;
	struct trex_err err = { 0 };
	if (thread_filter &&
	    (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || privdrop_seccomp(&err) < 0))
		return 2;
	thread_go = 1;
	pthread_join(t, NULL);
	return 0;
}

static void test_allowed(void **st)
{
	assert_int_equal(run(0, probe_service_calls), 0);
	assert_int_equal(run(1, probe_service_calls), 0);
	assert_int_equal(run(1, probe_thread), 0);
}

static void test_no_exec(void **st)
{
	/* the same fork and exec: a program starts without the filter, and
	 * the child is killed (SIGSYS) at its execve with it */
	assert_int_equal(run(0, probe_exec), 0);
	assert_int_equal(run(1, probe_exec), 100 + SIGSYS);
}

static void test_errno(void **st)
{
	/* nobody may open a netlink socket; not under the filter */
	assert_int_equal(run(0, probe_netlink), 0);
	assert_int_equal(run(1, probe_netlink), EAFNOSUPPORT);
	assert_int_equal(run(0, probe_packet), EPERM);
	assert_int_equal(run(1, probe_packet), EAFNOSUPPORT);
	assert_int_equal(run(0, probe_inet), 0);
	assert_int_equal(run(1, probe_inet), EAFNOSUPPORT);
	assert_int_equal(run(0, probe_clone3), 0);
	assert_int_equal(run(1, probe_clone3), ENOSYS);
}

static void test_killed(void **st)
{
	static const struct {
		const char *name;
		probe_fn fn;
	} kills[] = {
		{ "ptrace", probe_ptrace },   { "mount", probe_mount },
		{ "unshare", probe_unshare }, { "clone(CLONE_NEWUSER)", probe_clone_newuser },
		{ "kill(parent)", probe_kill_parent }, { "setuid", probe_setuid },
		{ "ioctl(FIGETBSZ)", probe_ioctl }, { "int 0x80", probe_int80 },
		{ "x32 getpid", probe_x32 },
	};
	for (size_t i = 0; i < sizeof(kills) / sizeof(kills[0]); i++) {
		int bare = run(0, kills[i].fn), filtered = run(1, kills[i].fn);
		/* a kernel without 32-bit emulation faults before seccomp */
		if (kills[i].fn == probe_int80 && bare < 0) {
			print_message("# int 0x80: signal %d without the filter, skipped\n", -bare);
			continue;
		}
		if (bare == KILLED || filtered != KILLED)
			fail_msg("%s: %d without the filter, %d with it (want %d)", kills[i].name,
				 bare, filtered, KILLED);
	}
	/* the probe installs the filter itself, after its thread started;
	 * without it, that thread's ptrace merely fails */
	thread_filter = 0;
	assert_int_equal(run(0, probe_thread_before), 0);
	thread_filter = 1;
	assert_int_equal(run(0, probe_thread_before), KILLED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_no_exec),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_killed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
