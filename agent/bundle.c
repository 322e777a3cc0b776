/* Walks the submission folder through dirfds (openat + O_NOFOLLOW), so a
 * symlink planted in the folder cannot make trex upload a file from
 * elsewhere, and every read is capped. */
#include "bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/b64.h"
#include "common/cleanup.h"
#include "common/esc.h"

struct bundle_walk {
	const struct bundle_skip *skip;
	size_t nskip;
	json_t *files;
	size_t nbytes;
	size_t nfiles;
};

static void bundle_closedir(DIR **d)
{
	if (*d)
		closedir(*d);
}

int bundle_relpath_ok(const char *rel)
{
	if (!rel[0] || rel[0] == '/' || strlen(rel) >= BUNDLE_MAX_PATH)
		return 0;
	for (const unsigned char *p = (const unsigned char *)rel; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	const char *c = rel;
	for (;;) {
		const char *slash = strchr(c, '/');
		size_t n = slash ? (size_t)(slash - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!slash)
			return 1;
		c = slash + 1;
	}
}

static int bundle_add_file(struct bundle_walk *w, int dirfd, const char *name,
			   const char *rel, struct trex_err *err)
{
	char esc[256];
	trex_esc_text(rel, strlen(rel), esc, sizeof(esc));
	if (++w->nfiles > BUNDLE_MAX_FILES)
		return trex_err_setx(err, -E2BIG, "more than %d files to upload (at %s)",
				     BUNDLE_MAX_FILES, esc);
	if (!bundle_relpath_ok(rel))
		return trex_err_setx(err, -EINVAL,
				     "%s: file name not accepted (control characters?)", esc);
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", esc);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return trex_err_set(err, -errno, "stat %s", esc);
	if (!S_ISREG(st.st_mode))
		return trex_err_setx(err, -EINVAL, "%s: not a regular file", esc);
	size_t left = BUNDLE_MAX_BYTES - w->nbytes;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	/* read through the already-opened fd: re-opening by name would race */
	if ((size_t)st.st_size > left)
		return trex_err_setx(err, -EFBIG, "bundle larger than %u MiB (at %s)",
				     BUNDLE_MAX_BYTES >> 20, esc);
	data = trex_malloc((size_t)st.st_size + 1);
	if (!data)
		return trex_err_setx(err, -ENOMEM, "out of memory reading %s", esc);
	/* one byte more than the size, to notice a file still growing */
	while (len < (size_t)st.st_size + 1) {
		ssize_t n = read(fd, data + len, (size_t)st.st_size + 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return trex_err_set(err, -errno, "read %s", esc);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len != (size_t)st.st_size)
		return trex_err_setx(err, -EAGAIN, "%s changed while it was read", esc);
	_cleanup_free_ char *enc = NULL;
	size_t enclen;
	if (trex_b64_encode(data, len, &enc, &enclen) < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory encoding %s", esc);
	json_t *s = json_stringn(enc, enclen);
	if (!s || json_object_set_new(w->files, rel, s) < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory adding %s", esc);
	w->nbytes += len;
	return 0;
}

static int bundle_walk_dir(struct bundle_walk *w, int dirfd, const char *prefix,
			   int depth, struct trex_err *err)
{
	if (depth > BUNDLE_MAX_DEPTH)
		return trex_err_setx(err, -ELOOP, "folders nested deeper than %d", BUNDLE_MAX_DEPTH);
	int dupfd = dup(dirfd);
	if (dupfd < 0)
		return trex_err_set(err, -errno, "dup");
	__attribute__((cleanup(bundle_closedir))) DIR *d = fdopendir(dupfd);
	if (!d) {
		int e = -errno;
		close(dupfd);
		return trex_err_set(err, e, "read folder %s", prefix[0] ? prefix : ".");
	}
	/* readdir order differs between file systems; the JSON object is keyed
	 * by path, so the upload does not depend on it */
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char rel[BUNDLE_MAX_PATH];
		int n = snprintf(rel, sizeof(rel), "%s%s%s", prefix, prefix[0] ? "/" : "",
				 de->d_name);
		if (n < 0 || (size_t)n >= sizeof(rel))
			return trex_err_setx(err, -ENAMETOOLONG, "path too long under %s", prefix);
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return trex_err_set(err, -errno, "stat %s", rel);
		int skipped = 0;
		for (size_t k = 0; k < w->nskip; k++)
			skipped |= st.st_dev == w->skip[k].dev && st.st_ino == w->skip[k].ino;
		if (skipped)
			continue;
		int r;
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub = openat(dirfd, de->d_name,
							 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				return trex_err_set(err, -errno, "open folder %s", rel);
			r = bundle_walk_dir(w, sub, rel, depth + 1, err);
		} else if (S_ISREG(st.st_mode)) {
			r = bundle_add_file(w, dirfd, de->d_name, rel, err);
		} else {
			char esc[256];
			trex_esc_text(rel, strlen(rel), esc, sizeof(esc));
			fprintf(stderr, "trex: skipping %s (not a regular file)\n", esc);
			r = 0;
		}
		if (r < 0)
			return r;
	}
	if (errno)
		return trex_err_set(err, -errno, "read folder %s", prefix[0] ? prefix : ".");
	return 0;
}

int bundle_collect(const char *dir, const struct bundle_skip *skip, size_t nskip,
		   json_t **files, size_t *nbytes, struct trex_err *err)
{
	*files = NULL;
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open folder %s", dir);
	struct bundle_walk w = { .skip = skip, .nskip = nskip, .files = json_object() };
	if (!w.files)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int r = bundle_walk_dir(&w, fd, "", 0, err);
	if (r < 0) {
		json_decref(w.files);
		return r;
	}
	*files = w.files;
	*nbytes = w.nbytes;
	return 0;
}
