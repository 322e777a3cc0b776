/* The per-file report entry (CONTRACTS.md section 2) and the released copy
 * of a table: suppressed cells replaced by the marker, rounded counts
 * replaced by their released value, evidence columns dropped. */
#include "sdc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"

json_t *report_file(const struct sdc_table *t, const struct sdc_result *res,
		    const char *file, const char *kind, const char *released)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:O, s:o, s:O}", "file", file, "kind", kind,
			 "verdict", sdc_verdict_name(res->verdict), "summary", res->summary,
			 "reasons", res->reasons, "released",
			 released ? json_string(released) : json_null(), "cells", res->cells);
}

/* Columns whose value is hidden when a row is suppressed: every measure,
 * since a magnitude's contributors or a statistic's count says as much as
 * the cell itself. */
static bool report_is_measure(const struct sdc_table *t, size_t col)
{
	int c = (int)col;
	for (size_t d = 0; d < t->decl->ndims; d++)
		if (t->dim_col[d] == c)
			return false;
	return true;
}

static int report_write_table(FILE *f, const struct sdc_table *t, const struct sdc_result *res,
			      const char *marker)
{
	const struct csv_table *c = t->csv;
	int r = 0;

	for (size_t row = 0; row <= c->nrows && r == 0; row++) {
		bool first = true;
		for (size_t col = 0; col < c->ncols && r == 0; col++) {
			const char *s;
			if (res->drop_col[col])
				continue;
			if (!first && fputc(',', f) == EOF)
				return -EIO;
			first = false;
			if (row == 0) {
				s = csv_header(c, col);
			} else {
				size_t dr = row - 1;
				s = csv_field(c, dr, col);
				if ((res->state[dr] == CELL_PRIMARY || res->state[dr] == CELL_SECONDARY ||
				     res->state[dr] == CELL_REDACTED) &&
				    report_is_measure(t, col))
					s = marker;
				else if (res->replace[dr] && (int)col == t->count_col)
					s = res->replace[dr];
			}
			r = csv_write_field(f, s);
		}
		if (r == 0 && fputc('\n', f) == EOF)
			return -EIO;
	}
	return r;
}

int report_write_released(const struct sdc_table *t, const struct sdc_result *res,
			  const char *marker, const char *path, struct trex_err *err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	int fd, r;
	size_t n = strlen(path) + 16;

	tmp = trex_malloc(n);
	if (!tmp)
		return trex_err_set(err, -ENOMEM, "%s", path);
	snprintf(tmp, n, "%s.tmpXXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "create %s", path);
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		unlink(tmp);
		return trex_err_set(err, r, "fdopen %s", path);
	}
	r = report_write_table(f, t, res, marker);
	if (r == 0 && fflush(f) != 0)
		r = -errno;
	if (r == 0 && fsync(fileno(f)) != 0)
		r = -errno;
	if (r == 0 && fchmod(fileno(f), 0644) != 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) != 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return trex_err_set(err, r, "write %s", path);
	}
	return 0;
}
