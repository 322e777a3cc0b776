#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int trex_open_beneath(int dir, const char *rel, int flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | resolve,
	};
	long fd = syscall(SYS_openat2, dir, rel, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

int trex_mkdir_beneath(int dir, const char *rel, mode_t mode, unsigned flags,
		       const char **base, struct trex_err *err)
{
	int fd = dup(dir);
	if (fd < 0)
		return trex_err_set(err, -errno, "dup");
	const char *c = rel;
	for (const char *slash; (slash = strchr(c, '/')); c = slash + 1) {
		char comp[256];
		size_t len = (size_t)(slash - c);
		if (len == 0 || len >= sizeof(comp)) {
			close(fd);
			return trex_err_setx(err, -EINVAL, "%.200s: a folder name is empty or too long",
					     rel);
		}
		memcpy(comp, c, len);
		comp[len] = '\0';
		if (mkdirat(fd, comp, mode) < 0 && errno != EEXIST) {
			int r = -errno;
			close(fd);
			return trex_err_set(err, r, "create the folder of %.200s", rel);
		}
		int sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int r = sub < 0 ? -errno : 0;
		/* the new folder's name is durable once its parent is synced */
		if (r == 0 && (flags & TREX_BENEATH_FSYNC) && fsync(fd) < 0) {
			r = -errno;
			close(sub);
		}
		close(fd);
		if (r < 0)
			return trex_err_set(err, r, "open the folder of %.200s", rel);
		fd = sub;
	}
	*base = c;
	return fd;
}
