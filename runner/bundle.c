/* Code bundles: the uploaded files of a job, decoded and written durably
 * below the job folder. Names were checked by bundle_check first; writes
 * still go through openat with O_NOFOLLOW|O_EXCL so nothing outside the
 * folder can be reached. */
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "b64.h"
#include "beneath.h"
#include "cleanup.h"
#include "fsutil.h"
#include "jobdigest.h"
#include "manifest.h"

static int bundle_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int bundle_check(json_t *files, size_t max_bytes, struct trex_err *err)
{
	if (!json_is_object(files))
		return trex_err_setx(err, -EINVAL, "\"files\" must be an object of base64 strings");
	size_t n = json_object_size(files);
	if (n > BUNDLE_MAX_FILES)
		return trex_err_setx(err, -EINVAL, "too many files: %zu (at most %d)", n,
				     BUNDLE_MAX_FILES);
	_cleanup_free_ const char **names = trex_calloc(n + 1, sizeof(char *));
	if (!names)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	size_t i = 0, total = 0;
	const char *name;
	json_t *v;
	json_object_foreach(files, name, v) {
		if (!manifest_path_ok(name, strlen(name)))
			return trex_err_setx(err, -EINVAL,
					     "files: bad file name (relative path without \"..\", "
					     "\".\", empty components or control characters)");
		if (!json_is_string(v))
			return trex_err_setx(err, -EINVAL, "files.%.200s: must be a base64 string",
					     name);
		/* decoded size is at most 3/4 of the text */
		total += json_string_length(v) / 4 * 3;
		names[i++] = name;
	}
	if (total > max_bytes)
		return trex_err_setx(err, -EFBIG, "files: more than %zu bytes in total", max_bytes);
	qsort(names, n, sizeof(char *), bundle_cmp);
	/* sorted, a folder "a" is followed closely by "a/..." (only names
	 * starting with "a" and a byte below '/' can sit between) */
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		for (size_t j = i + 1; j < n && strncmp(names[j], names[i], l) == 0; j++)
			if (names[j][l] == '/')
				return trex_err_setx(err, -EINVAL,
						     "files: \"%.200s\" is both a file and a folder",
						     names[i]);
	}
	return 0;
}

static int bundle_fsync_dir(int dirfd)
{
	return fsync(dirfd) < 0 ? -errno : 0;
}

int bundle_write(const char *job_dir, json_t *files, json_t *digests, struct trex_err *err)
{
	char code[PATH_MAX];
	snprintf(code, sizeof(code), "%s/code", job_dir);
	if (mkdir(job_dir, 0700) < 0)
		return trex_err_set(err, -errno, "mkdir %s", job_dir);
	if (mkdir(code, 0755) < 0)
		return trex_err_set(err, -errno, "mkdir %s", code);
	_cleanup_close_ int root = open(code, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return trex_err_set(err, -errno, "open %s", code);
	const char *name;
	json_t *v;
	json_object_foreach(files, name, v) {
		_cleanup_free_ unsigned char *data = NULL;
		size_t len;
		if (trex_b64_decode(json_string_value(v), json_string_length(v), &data, &len) < 0)
			return trex_err_setx(err, -EINVAL, "files.%.200s: invalid base64", name);
		/* hashed as decoded here: the bytes written are the bytes approved */
		if (digests && json_object_set_new(digests, name, jobdigest_file(data, len)) < 0)
			return trex_err_setx(err, -ENOMEM, "out of memory");
		const char *base = NULL;
		_cleanup_close_ int dir = trex_mkdir_beneath(root, name, 0755, TREX_BENEATH_FSYNC,
							     &base, err);
		if (dir < 0)
			return dir;
		_cleanup_close_ int fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL |
						O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return trex_err_set(err, -errno, "create %s", name);
		int r = trex_write_all(fd, data, len);
		if (r == 0 && fsync(fd) < 0)
			r = -errno;
		if (r == 0)
			r = bundle_fsync_dir(dir);
		if (r < 0)
			return trex_err_set(err, r, "write %s", name);
	}
	bundle_fsync_dir(root);
	_cleanup_close_ int jd = open(job_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (jd >= 0)
		bundle_fsync_dir(jd);
	/* and the jobs/ folder that now names the new job folder */
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", job_dir);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		_cleanup_close_ int pd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pd >= 0)
			bundle_fsync_dir(pd);
	}
	return 0;
}

static int bundle_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void bundle_remove(const char *job_dir)
{
	/* depth first, never following symlinks */
	nftw(job_dir, bundle_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
