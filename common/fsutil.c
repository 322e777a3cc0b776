#include "fsutil.h"
#include "alloc.h"
#include "cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int trex_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int trex_write_file_atomic(int dirfd, const char *name, const void *data,
			   size_t len, mode_t mode, struct trex_err *err)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", name, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return trex_err_setx(err, -ENAMETOOLONG, "file name too long: %s", name);
	_cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
					O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return trex_err_set(err, -errno, "create %s", tmp);
	int r = trex_write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return trex_err_set(err, r, "write %s", tmp);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		r = -errno;
		unlinkat(dirfd, tmp, 0);
		return trex_err_set(err, r, "rename %s", name);
	}
	/* the rename is durable only once the directory is synced */
	int d = dirfd == AT_FDCWD ? open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
				  : dup(dirfd);
	if (d >= 0) {
		fsync(d);
		close(d);
	}
	return 0;
}

int trex_read_file(int dirfd, const char *path, size_t max, char **out,
		   size_t *len, struct trex_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return trex_err_set(err, -errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return trex_err_setx(err, -EINVAL, "%s: not a regular file", path);
	if ((size_t)st.st_size > max)
		return trex_err_setx(err, -EFBIG, "%s: larger than %zu bytes", path, max);
	size_t cap = (size_t)st.st_size + 1;
	_cleanup_free_ char *buf = trex_malloc(cap);
	if (!buf)
		return trex_err_setx(err, -ENOMEM, "%s: out of memory", path);
	size_t got = 0;
	for (;;) {
		if (got + 1 >= cap) {
			/* file grew while we read it; keep the bound */
			if (cap > max)
				return trex_err_setx(err, -EFBIG, "%s: larger than %zu bytes",
						     path, max);
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = trex_realloc(buf, ncap);
			if (!nb)
				return trex_err_setx(err, -ENOMEM, "%s: out of memory", path);
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return trex_err_set(err, -errno, "read %s", path);
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > max)
			return trex_err_setx(err, -EFBIG, "%s: larger than %zu bytes", path, max);
	}
	buf[got] = '\0';
	if (len)
		*len = got;
	*out = TREX_TAKE(buf);
	return 0;
}

int trex_mkdir_p(const char *path, mode_t mode, struct trex_err *err)
{
	char tmp[PATH_MAX];
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(tmp))
		return trex_err_setx(err, -ENAMETOOLONG, "bad directory path");
	memcpy(tmp, path, len + 1);
	for (char *p = tmp + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(tmp, mode) < 0 && errno != EEXIST)
				return trex_err_set(err, -errno, "mkdir %s", tmp);
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

int trex_open_empty_dir(const char *path, int *made, char *first, size_t first_size,
			struct trex_err *err)
{
	struct dirent *e;
	DIR *d;
	int fd, dfd, r = 0;

	*made = mkdir(path, 0700) == 0;
	if (!*made && errno != EEXIST)
		return trex_err_set(err, -errno, "mkdir %s", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "%s", path);
	dfd = dup(fd);
	d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		r = trex_err_set(err, -errno, "%s", path);
		if (dfd >= 0)
			close(dfd);
		close(fd);
		return r;
	}
	while (r == 0 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			if (first)
				snprintf(first, first_size, "%.64s", e->d_name);
			r = -EEXIST;
		}
	closedir(d);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}
