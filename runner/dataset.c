/* A dataset's declared id columns against its files (dataset.h). The files
 * are the data owner's and trexd reads them as root, so every read is
 * bounded (the header line only, at most DATASET_HEADER_MAX bytes, no
 * symlink followed, nothing but regular files), and nothing read is ever
 * put in a message: errors name the dataset, the configured column and the
 * files, never a header field that was not configured. */
#include "dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "csvline.h"
#include "policies/check/csv.h"

static int dataset_fts_cmp(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

int dataset_walk_csv(const struct dataset *ds, dataset_csv_fn fn, void *ctx,
		     struct trex_err *err)
{
	char *paths[] = { ds->path, NULL };
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, dataset_fts_cmp);
	FTSENT *e;
	int r = 0;

	if (!fts)
		return trex_err_set(err, -errno, "dataset %s: %s", ds->name, ds->path);
	while (r == 0) {
		errno = 0;
		if (!(e = fts_read(fts))) {
			if (errno != 0)
				r = trex_err_set(err, -errno, "dataset %s: walk %s", ds->name,
						 ds->path);
			break;
		}
		size_t n = strlen(e->fts_path);
		if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR || e->fts_info == FTS_NS)
			r = trex_err_set(err, -e->fts_errno, "dataset %s: read %s", ds->name,
					 e->fts_path);
		else if (e->fts_info == FTS_F && n > 4 && !strcmp(e->fts_path + n - 4, ".csv"))
			r = fn(e->fts_path, ctx, err);
	}
	fts_close(fts);
	return r;
}

/* The first line of PATH (without its end of line) into buf, NUL-ended:
 * 0, or -EFBIG when it is longer than DATASET_HEADER_MAX bytes. */
static int dataset_header(const char *path, char *buf, size_t *len, struct trex_err *err)
{
	/* O_NONBLOCK: a fifo swapped in after the walk must not hang trexd */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
						  O_CLOEXEC);
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", path);
	if (fstat(fd, &st) < 0)
		return trex_err_set(err, -errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return trex_err_setx(err, -EINVAL, "%s is not a regular file", path);
	for (;;) {
		char *nl = memchr(buf, '\n', got);
		if (nl) {
			got = (size_t)(nl - buf);
			break;
		}
		if (got == DATASET_HEADER_MAX + 1)
			return trex_err_setx(err, -EFBIG, "%s: header line longer than %d bytes",
					     path, DATASET_HEADER_MAX);
		ssize_t n = read(fd, buf + got, DATASET_HEADER_MAX + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return trex_err_set(err, -errno, "read %s", path);
		if (n == 0) {
			if (got > DATASET_HEADER_MAX)
				return trex_err_setx(err, -EFBIG,
						     "%s: header line longer than %d bytes", path,
						     DATASET_HEADER_MAX);
			break;
		}
		got += (size_t)n;
	}
	/* trailing CRs and LFs go, as the index builder strips them */
	while (got > 0 && (buf[got - 1] == '\r' || buf[got - 1] == '\n'))
		got--;
	buf[got] = '\0';
	*len = got;
	return 0;
}

#define DATASET_NAMED_FILES 3

struct dataset_ids {
	const struct dataset *ds;
	char *buf;            /* DATASET_HEADER_MAX + 1 bytes */
	unsigned char *found; /* per id column: 1 in a header, 2 only past CSV_MAX_COLS - 1 */
	size_t n_found;       /* columns with found == 1 */
	size_t n_files;
	char named[DATASET_NAMED_FILES][128]; /* the first files, relative to the path */
};

static int dataset_ids_file(const char *path, void *ctx, struct trex_err *err)
{
	struct dataset_ids *x = ctx;
	const struct dataset *ds = x->ds;
	size_t len = 0, nf = 0, plen = strlen(ds->path);
	int r = dataset_header(path, x->buf, &len, err);
	if (r < 0)
		return trex_err_prefix(err, "dataset %s", ds->name);
	if (x->n_files < DATASET_NAMED_FILES)
		snprintf(x->named[x->n_files], sizeof(x->named[0]), "%s",
			 path + plen + (path[plen] == '/'));
	x->n_files++;
	if (len == 0)
		return 0;
	/* the index builder splits at most CSV_MAX_COLS fields, the last
	 * holding the rest of the line: a column past them is never indexed */
	char *fields[CSV_MAX_COLS];
	for (char *p = x->buf; p; nf++) {
		char *f = csvline_field(&p);
		if (nf < CSV_MAX_COLS) {
			fields[nf] = f;
			continue;
		}
		for (size_t k = 0; k < ds->n_id_columns; k++)
			if (!x->found[k] && strcmp(f, ds->id_columns[k]) == 0)
				x->found[k] = 2;
	}
	for (size_t i = 0; i < nf && i < CSV_MAX_COLS; i++) {
		int indexed = i < CSV_MAX_COLS - 1 || nf == CSV_MAX_COLS;
		for (size_t k = 0; k < ds->n_id_columns; k++) {
			/* cppcheck-suppress uninitvar ; fields[i] is set for every i < nf and i < CSV_MAX_COLS by the loop above */
			if (x->found[k] == 1 || strcmp(fields[i], ds->id_columns[k]) != 0)
				continue;
			if (indexed) {
				x->found[k] = 1;
				x->n_found++;
			} else {
				x->found[k] = 2;
			}
		}
	}
	/* every column seen: the rest of the files cannot change the answer */
	return x->n_found == ds->n_id_columns ? 1 : 0;
}

int dataset_check_id_columns(const struct dataset *ds, struct trex_err *err)
{
	if (ds->n_id_columns == 0)
		return 0;
	_cleanup_free_ char *buf = trex_malloc(DATASET_HEADER_MAX + 1);
	_cleanup_free_ unsigned char *found = trex_calloc(ds->n_id_columns, 1);
	if (!buf || !found)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	struct dataset_ids x = { .ds = ds, .buf = buf, .found = found };
	int r = dataset_walk_csv(ds, dataset_ids_file, &x, err);
	if (r < 0)
		return r;
	if (x.n_found == ds->n_id_columns)
		return 0;
	size_t k = 0;
	while (found[k] == 1)
		k++;
	if (x.n_files == 0)
		return trex_err_setx(err, -EINVAL,
				     "dataset %s: id column \"%s\": no *.csv file below %s to find "
				     "it in",
				     ds->name, ds->id_columns[k], ds->path);
	if (found[k] == 2)
		return trex_err_setx(err, -EINVAL,
				     "dataset %s: id column \"%s\" is past column %d in every "
				     "*.csv file below %s that has it, and the identifier index "
				     "reads no further",
				     ds->name, ds->id_columns[k], CSV_MAX_COLS - 1, ds->path);
	char files[160];
	size_t off = 0;
	for (size_t i = 0; i < x.n_files && i < DATASET_NAMED_FILES; i++)
		off += (size_t)snprintf(files + off, sizeof(files) - off, "%s%s", i ? ", " : "",
					x.named[i]);
	if (x.n_files > DATASET_NAMED_FILES && off < sizeof(files))
		snprintf(files + off, sizeof(files) - off, ", +%zu more",
			 x.n_files - DATASET_NAMED_FILES);
	return trex_err_setx(err, -EINVAL,
			     "dataset %s: id column \"%s\" is in the header line of none of the "
			     "%zu *.csv files below %s (%s)",
			     ds->name, ds->id_columns[k], x.n_files, ds->path, files);
}
