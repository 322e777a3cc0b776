/* Output collection, host side, after every job process is dead (so no
 * swap race can happen, ATTACKS 24). The job's /output tmpfs is reached
 * through the fd init passed before exec; everything below it is opened
 * with openat2(RESOLVE_BENEATH|NO_SYMLINKS|NO_MAGICLINKS|NO_XDEV) and
 * O_NOFOLLOW|O_NONBLOCK, and copied with *at() calls into the host output
 * dir: regular files with one link only, mode 0644, owned by root. Every
 * refusal is reported with its reason; names are never interpreted. */
#include "collect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "sandbox.h"

struct sbx_walk {
	const struct sbx_collect_limits *lim;
	struct sbx_collect_result *res;
	int status_fd;
};

static int sbx_openat2(int dirfd, const char *name, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	long r = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	return r < 0 ? -errno : (int)r;
}

bool sbx_collect_name_ok(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	if (!*p || *p == '-' || strlen(name) > 255)
		return false;
	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p < 0x80) {
			p++;
			continue;
		}
		/* well-formed UTF-8, no overlongs or surrogates */
		int n;
		unsigned cp;
		if ((*p & 0xe0) == 0xc0) { n = 1; cp = *p & 0x1f; }
		else if ((*p & 0xf0) == 0xe0) { n = 2; cp = *p & 0x0f; }
		else if ((*p & 0xf8) == 0xf0) { n = 3; cp = *p & 0x07; }
		else return false;
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0)) /* C1 controls: terminal escapes */
			return false;
		p += n + 1;
	}
	return true;
}

static void sbx_refuse(struct sbx_walk *w, const char *rel, const char *why)
{
	w->res->refused++;
	sbx_status_kv(w->status_fd, "refused", "%s: %s", rel, why);
}

static int sbx_copy_file(struct sbx_walk *w, int sdir, int ddir, const char *name,
			 const char *rel, const struct stat *lst, struct trex_err *err)
{
	_cleanup_close_ int in = sbx_openat2(sdir, name, O_RDONLY | O_NONBLOCK);
	if (in < 0) {
		sbx_refuse(w, rel, "cannot open");
		return 0;
	}
	struct stat st;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_ino != lst->st_ino ||
	    st.st_dev != lst->st_dev) {
		sbx_refuse(w, rel, "changed while collecting");
		return 0;
	}
	if (st.st_nlink != 1) {
		sbx_refuse(w, rel, "hard link");
		return 0;
	}
	uint64_t size = (uint64_t)st.st_size;
	if (size > w->lim->max_bytes || w->res->bytes + size > w->lim->max_bytes) {
		w->res->limit_hit = true;
		sbx_refuse(w, rel, "too big");
		return 0;
	}
	_cleanup_close_ int out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (out < 0)
		return trex_err_set(err, -errno, "create output %s", rel);
	if (fchmod(out, 0644) < 0)
		return trex_err_set(err, -errno, "chmod output %s", rel);
	char buf[65536];
	uint64_t left = size;
	while (left > 0) {
		ssize_t r = read(in, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return trex_err_set(err, -errno, "read output %s", rel);
		if (r == 0)
			break;
		if (trex_write_all(out, buf, (size_t)r) < 0)
			return trex_err_set(err, -errno, "write output %s", rel);
		left -= (uint64_t)r;
	}
	w->res->files++;
	w->res->bytes += size - left;
	sbx_status_kv(w->status_fd, "collected", "%s", rel);
	return 0;
}

static int sbx_walk_dir(struct sbx_walk *w, int sdir, int ddir, const char *prefix,
			unsigned depth, struct trex_err *err)
{
	int rfd = sbx_openat2(sdir, ".", O_RDONLY | O_DIRECTORY);
	if (rfd < 0)
		return trex_err_set(err, rfd, "open output dir %s", prefix[0] ? prefix : "/");
	DIR *d = fdopendir(rfd);
	if (!d) {
		close(rfd);
		return trex_err_set(err, -errno, "fdopendir");
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		char rel[4096];
		snprintf(rel, sizeof(rel), "%s%s%s", prefix, prefix[0] ? "/" : "", name);
		if (!sbx_collect_name_ok(name)) {
			sbx_refuse(w, rel, "bad name");
			continue;
		}
		if (w->res->files + w->res->refused >= w->lim->max_entries) {
			w->res->limit_hit = true;
			sbx_refuse(w, rel, "too many files");
			continue;
		}
		struct stat st;
		if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			sbx_refuse(w, rel, "cannot stat");
			continue;
		}
		if (S_ISREG(st.st_mode)) {
			rc = sbx_copy_file(w, dirfd(d), ddir, name, rel, &st, err);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth + 1 > w->lim->max_depth) {
				sbx_refuse(w, rel, "too deep");
				continue;
			}
			int sub = sbx_openat2(dirfd(d), name, O_RDONLY | O_DIRECTORY);
			if (sub < 0) {
				sbx_refuse(w, rel, "cannot open");
				continue;
			}
			if (mkdirat(ddir, name, 0755) < 0 && errno != EEXIST) {
				rc = trex_err_set(err, -errno, "mkdir output %s", rel);
				close(sub);
				break;
			}
			int dsub = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dsub < 0) {
				rc = trex_err_set(err, -errno, "open output %s", rel);
				close(sub);
				break;
			}
			rc = sbx_walk_dir(w, sub, dsub, rel, depth + 1, err);
			close(sub);
			close(dsub);
		} else if (S_ISLNK(st.st_mode)) {
			sbx_refuse(w, rel, "symlink");
		} else if (S_ISFIFO(st.st_mode)) {
			sbx_refuse(w, rel, "fifo");
		} else if (S_ISSOCK(st.st_mode)) {
			sbx_refuse(w, rel, "socket");
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			sbx_refuse(w, rel, "device");
		} else {
			sbx_refuse(w, rel, "not a regular file");
		}
	}
	if (rc == 0 && errno)
		rc = trex_err_set(err, -errno, "readdir");
	closedir(d);
	return rc;
}

int sbx_collect(int src_root, int dst_root, const struct sbx_collect_limits *lim,
		int status_fd, struct sbx_collect_result *res, struct trex_err *err)
{
	memset(res, 0, sizeof(*res));
	struct sbx_walk w = { .lim = lim, .res = res, .status_fd = status_fd };
	return sbx_walk_dir(&w, src_root, dst_root, "", 0, err);
}

int sbx_output_dir_open(const char *path, struct trex_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open --output %s", path);
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return trex_err_set(err, -errno, "read --output %s", path);
	}
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	if (n)
		return trex_err_setx(err, -ENOTEMPTY, "--output %s is not empty", path);
	return TREX_TAKE_FD(fd);
}
