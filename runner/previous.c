/* Previously released tables of a project (previous.h). */
#include "previous.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "fsutil.h"

/* per file; a larger one is handed over as its header line alone, under
 * NAME.csv.toolarge, so that the checker holds a table it cannot compare
 * with it rather than passing it (policies/check/difference.c) */
#define PREVIOUS_MAX_BYTES (64u << 20)
#define PREVIOUS_HEADER_MAX 65536

/* The first line of a release too large to copy. */
static int previous_header(const char *path, char **data, size_t *len, struct trex_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *b;
	ssize_t n;

	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", path);
	b = trex_malloc(PREVIOUS_HEADER_MAX + 1);
	if (!b)
		return trex_err_set(err, -ENOMEM, "%s", path);
	n = read(fd, b, PREVIOUS_HEADER_MAX);
	if (n < 0) {
		trex_free(b);
		return trex_err_set(err, -errno, "read %s", path);
	}
	b[n] = '\0';
	*len = strcspn(b, "\n");
	if (*len < (size_t)n)
		(*len)++;
	*data = b;
	return 0;
}

int previous_prepare(const struct config *c, const char *project, const char *job_dir,
		     char *dir, size_t len, struct trex_err *err)
{
	char root[PATH_MAX];
	char *paths[] = { root, NULL };
	size_t nroot, copied = 0;
	FTS *fts;
	FTSENT *e;
	int r = 0;

	snprintf(root, sizeof(root), "%s/release/%s", c->state_dir, project);
	nroot = strlen(root);
	if (access(root, F_OK) != 0)
		return 1;
	snprintf(dir, len, "%s/previous", job_dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return trex_err_set(err, -errno, "mkdir %s", dir);
	_cleanup_close_ int out = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (out < 0)
		return trex_err_set(err, -errno, "open %s", dir);
	fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	if (!fts)
		return trex_err_set(err, -errno, "open %s", root);
	while (r == 0 && (e = fts_read(fts))) {
		size_t n = strlen(e->fts_path);
		char name[NAME_MAX + 1];
		_cleanup_free_ char *data = NULL;
		size_t dlen = 0, k = 0;

		bool large;

		if (e->fts_info != FTS_F || n < nroot + 6 || strcmp(e->fts_path + n - 4, ".csv"))
			continue;
		large = e->fts_statp->st_size > (off_t)PREVIOUS_MAX_BYTES;
		/* job/sub/file.csv -> job__sub__file.csv */
		for (const char *p = e->fts_path + nroot + 1; *p && k + 3 < sizeof(name); p++) {
			if (*p == '/') {
				name[k++] = '_';
				name[k++] = '_';
			} else {
				name[k++] = *p;
			}
		}
		name[k] = '\0';
		if (large) {
			k = k + sizeof(".toolarge") <= sizeof(name) ? k : sizeof(name) - sizeof(".toolarge");
			memcpy(name + k, ".toolarge", sizeof(".toolarge"));
		}
		if ((large ? previous_header(e->fts_path, &data, &dlen, err)
			   : trex_read_file(AT_FDCWD, e->fts_path, PREVIOUS_MAX_BYTES, &data, &dlen,
					    err)) < 0 ||
		    trex_write_file_atomic(out, name, data ? data : "", dlen, 0644, err) < 0)
			r = err->code ? err->code : -EIO;
		else
			copied++;
	}
	fts_close(fts);
	if (r < 0)
		return r;
	return copied ? 0 : 1;
}
