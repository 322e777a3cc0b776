/* Output collection, host side, after every job process is dead: the
 * privileged half. The job's /output tree is walked by an unprivileged
 * child (collect_walk.c); this side, as root, never looks up a name the
 * job chose in the job's tree. It reads the walker's messages and, for
 * each file handed over, checks the fd itself (a regular file, one link,
 * on the job's /output filesystem, within the caps) before copying its
 * bytes into the host output dir with *at() calls relative to directory
 * fds it made itself: mode 0644, owned by root, O_EXCL|O_NOFOLLOW. Every
 * refusal is reported with its reason; names are never interpreted. A
 * message a correct walker would not send fails the collection: the
 * walker is treated as hostile as the tree it walked. */
#include "collect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/log.h"
#include "sandbox.h"

/* the walk is over a tmpfs and bounded by its caps: a walker silent this
 * long is stuck, not busy */
#define SBX_COLLECT_IDLE_MS 60000
/* the longest pause between two tries on a full output filesystem */
#define SBX_COLLECT_SPACE_WAIT_MAX_MS 2000

static const char *const sbx_refuse_text[SBX_REFUSE_NREASONS] = {
	[SBX_REFUSE_BAD_NAME] = "bad name",
	[SBX_REFUSE_TOO_MANY] = "too many files",
	[SBX_REFUSE_CANNOT_STAT] = "cannot stat",
	[SBX_REFUSE_CANNOT_OPEN] = "cannot open",
	[SBX_REFUSE_CHANGED] = "changed while collecting",
	[SBX_REFUSE_TOO_DEEP] = "too deep",
	[SBX_REFUSE_SYMLINK] = "symlink",
	[SBX_REFUSE_FIFO] = "fifo",
	[SBX_REFUSE_SOCKET] = "socket",
	[SBX_REFUSE_DEVICE] = "device",
	[SBX_REFUSE_NOT_REGULAR] = "not a regular file",
	[SBX_REFUSE_HARD_LINK] = "hard link",
	[SBX_REFUSE_TOO_BIG] = "too big",
};

struct sbx_copier {
	const struct sbx_collect_limits *lim;
	struct sbx_collect_result *res;
	int status_fd;
	unsigned space_waits; /* waits for a full output filesystem so far */
	dev_t src_dev;
	unsigned depth;
	int dirs[SBX_COLLECT_DEPTH_MAX + 1];        /* dirs[0]: the host --output dir */
	size_t prefix[SBX_COLLECT_DEPTH_MAX + 1];   /* length of rel's "a/b/" per depth */
	char rel[(SBX_COLLECT_DEPTH_MAX + 1) * 256 + 1];
};

/* The relative path of `name` in the current directory (names are at most
 * 255 bytes and the depth is capped, so it always fits). */
static const char *copier_rel(struct sbx_copier *c, const char *name)
{
	size_t at = c->prefix[c->depth];
	snprintf(c->rel + at, sizeof(c->rel) - at, "%s", name);
	return c->rel;
}

static int copier_bad(const char *what, struct trex_err *err)
{
	return trex_err_setx(err, -EPROTO, "the output walker sent %s", what);
}

static void copier_refuse(struct sbx_copier *c, const char *name, uint32_t why)
{
	c->res->refused++;
	if (why == SBX_REFUSE_TOO_MANY || why == SBX_REFUSE_TOO_BIG)
		c->res->limit_hit = true;
	sbx_status_kv(c->status_fd, "refused", "%s: %s", copier_rel(c, name), sbx_refuse_text[why]);
}

/* A write into the host output dir failed with `code` (what, rel: for the
 * message). 0: room may be back, try again; else the error, in err. With
 * wait_for_space a full filesystem is waited out: 100 ms, doubling up to
 * SBX_COLLECT_SPACE_WAIT_MAX_MS, in sigtimedwait on the cancelling
 * signals (main.c keeps them blocked), so a cancellation ends the wait at
 * once and nothing spins while the disk stays full. */
static int copier_space(struct sbx_copier *c, int code, const char *what, const char *rel,
			struct trex_err *err)
{
	if (!c->lim->wait_for_space || (code != -ENOSPC && code != -EDQUOT))
		return trex_err_set(err, code, "%s %s", what, rel);
	if (c->space_waits == 0)
		trex_log(TREX_LOG_WARN, "collect_waiting_for_space", "code=%d", code);
	unsigned shift = c->space_waits < 8 ? c->space_waits : 8;
	long ms = 100L << shift;
	if (ms > SBX_COLLECT_SPACE_WAIT_MAX_MS)
		ms = SBX_COLLECT_SPACE_WAIT_MAX_MS;
	c->space_waits++;
	sigset_t cancel, old;
	sigemptyset(&cancel);
	sigaddset(&cancel, SIGTERM);
	sigaddset(&cancel, SIGINT);
	sigaddset(&cancel, SIGHUP);
	sigprocmask(SIG_BLOCK, &cancel, &old);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	int sig = sigtimedwait(&cancel, NULL, &ts);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (sig > 0)
		return trex_err_setx(err, -ECANCELED,
				     "%s %s: cancelled while waiting for space on the output filesystem",
				     what, rel);
	return 0;
}

/* Copy size bytes of in (from its start) to out; -errno, *wrote telling
 * whether the write side failed. */
static int copier_bytes(int in, int out, uint64_t size, uint64_t *copied, bool *wrote)
{
	char buf[65536];
	uint64_t off = 0;
	*wrote = false;
	while (off < size) {
		uint64_t want = size - off < sizeof(buf) ? size - off : sizeof(buf);
		ssize_t r = pread(in, buf, (size_t)want, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		int w = trex_write_all(out, buf, (size_t)r);
		if (w < 0) {
			*wrote = true;
			return w;
		}
		off += (uint64_t)r;
	}
	*copied = off;
	return 0;
}

static int copier_file(struct sbx_copier *c, const char *name, int in, struct trex_err *err)
{
	if (!sbx_collect_name_ok(name))
		return copier_bad("a file with a bad name", err);
	if (c->res->files + c->res->refused >= c->lim->max_entries) {
		copier_refuse(c, name, SBX_REFUSE_TOO_MANY);
		return 0;
	}
	struct stat st;
	if (fstat(in, &st) < 0)
		return trex_err_set(err, -errno, "stat output %s", copier_rel(c, name));
	if (!S_ISREG(st.st_mode) || st.st_dev != c->src_dev)
		return copier_bad("a file that is not a regular file of the job's /output", err);
	if (st.st_nlink != 1) {
		copier_refuse(c, name, SBX_REFUSE_HARD_LINK);
		return 0;
	}
	uint64_t size = (uint64_t)st.st_size;
	if (size > c->lim->max_bytes || c->res->bytes + size > c->lim->max_bytes) {
		copier_refuse(c, name, SBX_REFUSE_TOO_BIG);
		return 0;
	}
	const char *rel = copier_rel(c, name);
	_cleanup_close_ int out = -1;
	while ((out = openat(c->dirs[c->depth], name,
			     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
		if (copier_space(c, -errno, "create output", rel, err) < 0)
			return err->code;
	if (fchmod(out, 0644) < 0)
		return trex_err_set(err, -errno, "chmod output %s", rel);
	uint64_t copied = 0;
	bool wrote;
	int r;
	/* a copy the disk could not take is emptied and made again */
	while ((r = copier_bytes(in, out, size, &copied, &wrote)) < 0) {
		if (!wrote)
			return trex_err_set(err, r, "read output %s", rel);
		if (copier_space(c, r, "write output", rel, err) < 0)
			return err->code;
		if (ftruncate(out, 0) < 0 || lseek(out, 0, SEEK_SET) < 0)
			return trex_err_set(err, -errno, "write output %s", rel);
	}
	c->res->files++;
	c->res->bytes += copied;
	sbx_status_kv(c->status_fd, "collected", "%s", rel);
	return 0;
}

static int copier_enter(struct sbx_copier *c, const char *name, struct trex_err *err)
{
	if (!sbx_collect_name_ok(name))
		return copier_bad("a directory with a bad name", err);
	if (c->depth + 1 > c->lim->max_depth)
		return copier_bad("a directory deeper than the depth cap", err);
	const char *rel = copier_rel(c, name);
	int top = c->dirs[c->depth];
	while (mkdirat(top, name, 0755) < 0 && errno != EEXIST)
		if (copier_space(c, -errno, "mkdir output", rel, err) < 0)
			return err->code;
	int sub = openat(top, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return trex_err_set(err, -errno, "open output %s", rel);
	c->depth++;
	c->dirs[c->depth] = sub;
	c->prefix[c->depth] = c->prefix[c->depth - 1] + strlen(name) + 1;
	c->rel[c->prefix[c->depth] - 1] = '/';
	c->rel[c->prefix[c->depth]] = '\0';
	return 0;
}

int sbx_collect_copy(int sock, dev_t src_dev, int dst_root, const struct sbx_collect_limits *lim,
		     int status_fd, struct sbx_collect_result *res, struct trex_err *err)
{
	memset(res, 0, sizeof(*res));
	if (lim->max_depth > SBX_COLLECT_DEPTH_MAX)
		return trex_err_setx(err, -EINVAL, "output depth cap %u above %d", lim->max_depth,
				     SBX_COLLECT_DEPTH_MAX);
	struct sbx_copier c = { .lim = lim, .res = res, .status_fd = status_fd, .src_dev = src_dev };
	c.dirs[0] = dst_root;
	int rc = 0;
	bool done = false;
	while (rc == 0 && !done) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int n = poll(&p, 1, SBX_COLLECT_IDLE_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? trex_err_set(err, -errno, "wait for the output walker")
				   : trex_err_setx(err, -ETIMEDOUT, "the output walker went silent");
			break;
		}
		struct sbx_collect_msg m;
		int fd;
		int r = sbx_fdmsg_recv(sock, &m, sizeof(m), &fd);
		if (r <= 0) {
			rc = r < 0 ? trex_err_set(err, r, "read from the output walker")
				   : trex_err_setx(err, -EPROTO, "the output walker ended before its walk did");
			break;
		}
		m.name[sizeof(m.name) - 1] = '\0';
		m.err.msg[sizeof(m.err.msg) - 1] = '\0';
		if (fd >= 0 && m.type != SBX_COLLECT_FILE) {
			close(fd);
			rc = copier_bad("an fd with a message that carries none", err);
			break;
		}
		switch (m.type) {
		case SBX_COLLECT_FILE:
			if (fd < 0) {
				rc = copier_bad("a file without its fd", err);
				break;
			}
			rc = copier_file(&c, m.name, fd, err);
			close(fd);
			break;
		case SBX_COLLECT_DIR:
			rc = copier_enter(&c, m.name, err);
			break;
		case SBX_COLLECT_UP:
			if (c.depth == 0) {
				rc = copier_bad("a step up from the top", err);
				break;
			}
			close(c.dirs[c.depth]);
			c.depth--;
			c.rel[c.prefix[c.depth]] = '\0';
			break;
		case SBX_COLLECT_REFUSED:
			if (m.reason == 0 || m.reason >= SBX_REFUSE_NREASONS) {
				rc = copier_bad("an unknown reason", err);
				break;
			}
			copier_refuse(&c, m.name, m.reason);
			break;
		case SBX_COLLECT_DONE:
			if (c.depth != 0)
				rc = copier_bad("the end of the walk inside a directory", err);
			done = true;
			break;
		case SBX_COLLECT_FAILED:
			rc = trex_err_setx(err, m.err.code < 0 ? m.err.code : -EIO, "%s",
					   m.err.msg[0] ? m.err.msg : "the output walker failed");
			break;
		default:
			rc = copier_bad("an unknown message", err);
			break;
		}
	}
	while (c.depth > 0)
		close(c.dirs[c.depth--]);
	return rc;
}

/* Does the job's /output hold nothing but its root? The tmpfs counts its
 * inodes (nr_inodes is set, and every file, directory, symlink, fifo or
 * socket takes one), so a job that wrote nothing costs no walker. Any
 * doubt (another filesystem, no inode limit) means "walk". */
static bool sbx_collect_nothing(int src_root)
{
	struct statfs sf;
	if (fstatfs(src_root, &sf) < 0 || sf.f_type != TMPFS_MAGIC || sf.f_files == 0)
		return false;
	return sf.f_files - sf.f_ffree <= 1;
}

int sbx_collect(int src_root, int dst_root, uid_t walker_uid, const struct sbx_collect_limits *lim,
		int status_fd, struct sbx_collect_result *res, struct trex_err *err)
{
	memset(res, 0, sizeof(*res));
	struct stat st;
	if (fstat(src_root, &st) < 0)
		return trex_err_set(err, -errno, "stat the job's /output");
	if (sbx_collect_nothing(src_root))
		return 0;
	if (walker_uid == 0)
		return trex_err_setx(err, -EPERM, "refusing to walk the job's outputs as root");
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return trex_err_set(err, -errno, "socketpair for the output walker");
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return trex_err_set(err, -e, "fork the output walker");
	}
	if (pid == 0) {
		close(sv[0]);
		sbx_collect_walker(src_root, sv[1], walker_uid, lim);
	}
	close(sv[1]);
	int rc = sbx_collect_copy(sv[0], st.st_dev, dst_root, lim, status_fd, res, err);
	close(sv[0]);
	if (rc < 0)
		kill(pid, SIGKILL);
	int ws = 0;
	pid_t w;
	while ((w = waitpid(pid, &ws, 0)) < 0 && errno == EINTR)
		;
	if (rc == 0 && (w < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0))
		rc = trex_err_setx(err, -EPROTO, "the output walker ended with status 0x%x", ws);
	return rc;
}

int sbx_output_dir_open(const char *path, struct trex_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open --output %s", path);
	int r = sbx_output_dir_check(fd, err);
	return r < 0 ? trex_err_prefix(err, "--output %s", path) : TREX_TAKE_FD(fd);
}

int sbx_output_dir_check(int fd, struct trex_err *err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return trex_err_set(err, -errno, "stat");
	if (!S_ISDIR(st.st_mode))
		return trex_err_setx(err, -ENOTDIR, "not a folder");
	/* a folder opened O_PATH cannot be read or written through */
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_PATH))
		return trex_err_setx(err, -EBADF, "not open for reading");
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return trex_err_set(err, -errno, "read");
	}
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	if (n)
		return trex_err_setx(err, -ENOTEMPTY, "not empty");
	return 0;
}
