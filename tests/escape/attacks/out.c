/* Hostile outputs for the collector rows (23-32): the job leaves them in
 * its output folder; escape.t checks what trex-sandbox collected. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include "attack.h"

static const char *rc_name(long rc)
{
	if (rc >= 0)
		return "ok";
	const char *n = strerrorname_np(errno);
	return n ? n : "error";
}

static int put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -1 : 0;
}

static long bind_sock(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0)
		return -1;
	return bind(s, (struct sockaddr *)&sa, sizeof(sa));
}

/* a v2 security.capability granting cap_setuid+ep */
static long set_filecap(const char *path)
{
	struct vfs_cap_data cap;
	memset(&cap, 0, sizeof(cap));
	cap.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
	cap.data[0].permitted = 1u << CAP_SETUID;
	return setxattr(path, "security.capability", &cap, XATTR_CAPS_SZ_2, 0);
}

/* rows 23, 26-29: one of each hostile entry; prints what worked */
static int a_out_hostile(char **argv)
{
	if (chdir(argv[0]) < 0)
		return say_rc(-1);
	if (put("plain.txt", "plain\n", 0644) < 0 || put("good.txt", "good\n", 0644) < 0 ||
	    put("suid", "suid\n", 0644) < 0 || put("capfile", "cap\n", 0644) < 0)
		return say_rc(-1);
	const char *sl = rc_name(symlink("/etc/shadow", "s"));
	const char *sl2 = rc_name(symlink("../../other-job", "o"));
	const char *sl3 = rc_name(symlink("/", "rootdir"));
	/* a setuid/setgid/sticky world-writable folder with a file inside */
	if (mkdir("sub", 0755) < 0 || put("sub/f", "sub\n", 0644) < 0)
		return say_rc(-1);
	const char *dmode = rc_name(chmod("sub", 07777));
	const char *fifo = rc_name(mkfifo("f", 0644));
	const char *sock = rc_name(bind_sock("sock"));
	const char *suid = rc_name(chmod("suid", 04755));
	const char *xattr = rc_name(set_filecap("capfile"));
	const char *hl = rc_name(link("good.txt", "hard"));
	return say("symlink=%s symlink2=%s symlink3=%s dirmode=%s fifo=%s sock=%s suid=%s xattr=%s "
		   "hardlink=%s", sl, sl2, sl3, dmode, fifo, sock, suid, xattr, hl);
}

/* row 24: a setsid'd child swaps DIR/real with a symlink to / for SECS */
static int a_out_swap(char **argv)
{
	if (chdir(argv[0]) < 0 || put("real", "real\n", 0644) < 0)
		return say_rc(-1);
	long secs = arg_long(argv[1]);
	pid_t p = fork();
	if (p == 0) {
		int fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		setsid();
		signal(SIGTERM, SIG_IGN);
		time_t end = time(NULL) + secs;
		while (time(NULL) < end) {
			if (rename("real", "tmp") == 0) {
				if (symlink("/", "real") == 0)
					unlink("real");
				rename("tmp", "real");
			}
		}
		_exit(0);
	}
	return say_rc(p);
}

/* row 25: links that a careless cleanup would follow out of the job */
static int a_out_trap(char **argv)
{
	if (chdir(argv[0]) < 0 || mkdir("d", 0755) < 0)
		return say_rc(-1);
	long a = symlink(argv[1], "trap");
	long b = symlink(argv[1], "d/trap");
	return say_rc(a < 0 ? a : b);
}

/* row 29 (control): file capabilities on a file we own */
static int a_setcap(char **argv)
{
	if (put(argv[0], "cap\n", 0644) < 0)
		return say_rc(-1);
	return say_rc(set_filecap(argv[0]));
}

/* row 30: a 1 TiB sparse file, SIGXFSZ ignored so the errno shows */
static int a_bigfile(char **argv)
{
	signal(SIGXFSZ, SIG_IGN);
	int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return say_rc(-1);
	return say_rc(ftruncate(fd, 1LL << 40));
}

/* row 32: hostile names and a deep tree */
static int a_out_names(char **argv)
{
	if (chdir(argv[0]) < 0)
		return say_rc(-1);
	char longname[256];
	memset(longname, 'L', 255);
	longname[255] = 0;
	const char *names[] = {"a\nb", "\033]52;c;aGVsbG8=\a", "-rf", "\xff\xfe", longname, "\033[2J"};
	int made = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		made += put(names[i], "n\n", 0644) == 0;
	int depth = 0;
	for (; depth < 64; depth++)
		if (mkdir("d", 0755) < 0 || chdir("d") < 0)
			break;
	put("deep.txt", "deep\n", 0644);
	return say("names=%d depth=%d", made, depth);
}

/* row 32: LEVELS folders of 255-byte names and a 255-byte file name at the
 * bottom: the relative path alone nears PATH_MAX */
static int a_out_longpath(char **argv)
{
	if (chdir(argv[0]) < 0)
		return say_rc(-1);
	char name[256];
	memset(name, 'P', 255);
	name[255] = 0;
	long levels = arg_long(argv[1]);
	for (long i = 0; i < levels; i++) {
		name[0] = (char)('a' + i % 26);
		if (mkdir(name, 0755) < 0 || chdir(name) < 0)
			return say_rc(-1);
	}
	name[0] = 'f';
	if (put(name, "long\n", 0644) < 0)
		return say_rc(-1);
	return say("ok");
}

/* host side: number of xattrs on PATH (row 29) */
static int a_xattrs(char **argv)
{
	char buf[4096];
	ssize_t n = listxattr(argv[0], buf, sizeof(buf));
	if (n < 0)
		return say_rc(-1);
	int count = 0;
	for (ssize_t i = 0; i < n; i++)
		count += buf[i] == 0;
	return say("xattrs=%d", count);
}

const struct attack attacks_out[] = {
	{"out_hostile", 1, a_out_hostile},
	{"out_swap", 2, a_out_swap},
	{"out_trap", 2, a_out_trap},
	{"setcap", 1, a_setcap},
	{"bigfile", 1, a_bigfile},
	{"out_names", 1, a_out_names},
	{"xattrs", 1, a_xattrs},
	{"out_longpath", 2, a_out_longpath},
	{NULL, 0, NULL},
};
