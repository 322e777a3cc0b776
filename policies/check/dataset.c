/* Dataset files, read a line at a time (dataset.h). */
#include "dataset.h"

#include <errno.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "csv.h"
#include "csvline.h"

/* Split one line of a data owner's CSV into at most max fields in place
 * (csvline.h); what follows the max-th is not read. */
static size_t dataset_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	for (char *p = line; p && n < max;)
		fields[n++] = csvline_field(&p);
	return n;
}

static ssize_t dataset_line(FILE *f, char **line, size_t *cap)
{
	ssize_t len = getline(line, cap, f);

	while (len > 0 && ((*line)[len - 1] == '\n' || (*line)[len - 1] == '\r'))
		(*line)[--len] = '\0';
	return len;
}

static int dataset_file(const char *path, const struct dataset_visitor *v, struct trex_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL; /* from getline: freed with free */
	char *fields[CSV_MAX_COLS];
	size_t cap = 0, nf;
	ssize_t len;
	int r;

	if (!f)
		return trex_err_set(err, -errno, "open %s", path);
	if (dataset_line(f, &line, &cap) < 0)
		return ferror(f) ? trex_err_set(err, -EIO, "read %s", path) : 0;
	nf = dataset_split(line, fields, CSV_MAX_COLS);
	r = v->header(v->ctx, path, fields, nf);
	if (r != 0)
		return r < 0 ? r : 0;
	while ((len = dataset_line(f, &line, &cap)) >= 0) {
		if (len == 0)
			continue;
		nf = dataset_split(line, fields, CSV_MAX_COLS);
		if ((r = v->row(v->ctx, fields, nf)) < 0)
			return r;
	}
	if (ferror(f))
		return trex_err_set(err, -EIO, "read %s", path);
	return 0;
}

static int dataset_cmp(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

int dataset_scan(const char *dir, const struct dataset_visitor *v, struct trex_err *err)
{
	char *paths[] = {(char *)dir, NULL};
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, dataset_cmp);
	FTSENT *e;
	int r = 0;

	if (!fts)
		return trex_err_set(err, -errno, "open %s", dir);
	while (r == 0 && (e = fts_read(fts))) {
		size_t len = strlen(e->fts_path);
		if (e->fts_info == FTS_DNR || e->fts_info == FTS_ERR)
			r = trex_err_setx(err, -e->fts_errno, "read %s", e->fts_path);
		else if (e->fts_info == FTS_F && len > 4 && !strcmp(e->fts_path + len - 4, ".csv"))
			r = dataset_file(e->fts_path, v, err);
	}
	fts_close(fts);
	return r;
}
