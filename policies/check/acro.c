/* The SACRO Viewer export (--acro-json DIR), in the format ACRO 1.0 writes
 * with finalise(): DIR/results.json, a copy of every released table as
 * DIR/output_<i>_0.csv, DIR/checksums/<name>.txt (SHA-256 of each file
 * and of results.json) and DIR/config.json (the rule values).
 *
 * Why a folder of its own, holding copies: SACRO Viewer opens the files
 * results.json names relative to results.json, and zips approved outputs
 * from there; an export beside the raw outputs would show and ship them.
 * The folder must be new or empty, and only released copies go in it.
 *
 * Why every cell: the viewer highlights the cells listed by position in
 * files[].sdc.cells ([row, column - 1] over the CSV it shows: it takes the
 * first column for ACRO's index), and only for a file whose checksum it
 * could verify. Every cell a released copy hides (primary, secondary,
 * redacted: each non-dimension column of the row) is listed under the
 * checks that hid it; outcome has a check result for every cell, rows by
 * position. Check names are ACRO's (its statbarn ontology); complementary
 * cells, which ACRO never chooses, are SecondarySuppression.
 *
 * Decisions are kept as a bit mask per hidden row while the tables are
 * checked (acro_add), so the export needs neither the report's cells as
 * a tree nor the tables. This file makes the folder, the copies, the
 * checksums and config.json; acro_results.c writes results.json. */
#include "acro.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "cleanup.h"
#include "csv.h"
#include "hash.h"

#include "acro_results.h"

static int acro_note_written(struct acro_export *x, const char *name)
{
	char *s;

	if (x->nwritten == x->capwritten) {
		size_t cap = x->capwritten ? 2 * x->capwritten : 16;
		if (trex_resize_array(&x->written, cap, sizeof(*x->written)) < 0)
			return -ENOMEM;
		x->capwritten = cap;
	}
	s = trex_strdup(name);
	if (!s)
		return -ENOMEM;
	x->written[x->nwritten++] = s;
	return 0;
}

static int acro_over(struct acro_export *x, struct trex_err *err)
{
	return trex_err_setx(err, -EFBIG, "acro export: larger than %llu MB, not written",
			     (unsigned long long)(x->max_bytes >> 20));
}

static int acro_empty(const char *dir, struct trex_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return trex_err_set(err, -errno, "--acro-json %s", dir);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	if (n)
		return trex_err_setx(err, -EEXIST,
				     "--acro-json %s: not an empty folder (the export goes in a "
				     "folder of its own)",
				     dir);
	return 0;
}

int acro_open(struct acro_export *x, const char *dir, const struct policy *pol,
	      struct trex_err *err)
{
	memset(x, 0, sizeof(*x));
	x->pol = pol;
	x->dir = trex_strdup(dir);
	if (!x->dir)
		return trex_err_set(err, -ENOMEM, "--acro-json");
	if (mkdir(dir, 0755) == 0) {
		x->created = true;
		return 0;
	}
	if (errno != EEXIST)
		return trex_err_set(err, -errno, "--acro-json %s", dir);
	return acro_empty(dir, err);
}

int acro_add(struct acro_export *x, size_t index, const struct output_decl *decl,
	     const char *file, const char *copy, const struct sdc_result *res,
	     struct trex_err *err)
{
	struct acro_file *f;

	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 8;
		if (trex_resize_array(&x->files, cap, sizeof(*x->files)) < 0)
			return trex_err_set(err, -ENOMEM, "acro export");
		x->cap = cap;
	}
	f = &x->files[x->n];
	memset(f, 0, sizeof(*f));
	f->index = index;
	f->decl = decl;
	f->file = trex_strdup(file);
	f->copy = trex_strdup(copy);
	x->n++;
	if (!f->file || !f->copy)
		return trex_err_set(err, -ENOMEM, "acro export");
	for (size_t i = 0; i < res->ndecisions; i++) {
		const struct sdc_cell *c = &res->cells[i];
		uint32_t bits;

		/* the cells a released copy hides; a rounded count stays */
		if (strcmp(c->action, "primary") && strcmp(c->action, "secondary") &&
		    strcmp(c->action, "redacted"))
			continue;
		bits = acro_rule_bits(x, c->rule);
		if (f->nrows == f->cap) {
			size_t cap = f->cap ? 2 * f->cap : 64;
			if (trex_resize_array(&f->rows, cap, sizeof(*f->rows)) < 0)
				return trex_err_set(err, -ENOMEM, "acro export");
			f->cap = cap;
		}
		f->rows[f->nrows].row = (uint32_t)c->row;
		f->rows[f->nrows].checks = bits;
		f->nrows++;
	}
	return 0;
}

static int acro_row_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct acro_row *)a)->row, y = ((const struct acro_row *)b)->row;
	return x < y ? -1 : x > y;
}

/* Rows in order, one entry per row (its checks merged). */
static void acro_rows_sort(struct acro_file *f)
{
	size_t o = 0;

	if (f->nrows > 1)
		qsort(f->rows, f->nrows, sizeof(*f->rows), acro_row_cmp);
	for (size_t i = 0; i < f->nrows; i++) {
		if (o && f->rows[o - 1].row == f->rows[i].row)
			f->rows[o - 1].checks |= f->rows[i].checks;
		else
			f->rows[o++] = f->rows[i];
	}
	f->nrows = o;
}

static void acro_shape_free(struct acro_shape *s)
{
	for (size_t i = 0; i < s->nmeasure; i++)
		trex_free(s->measure_name[i]);
	s->nmeasure = 0;
}

static int acro_scan(const char *path, const struct output_decl *d, struct acro_shape *s,
		     struct trex_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "rbe");
	struct csv_stream cs;
	int dof_col = -1, r;

	memset(s, 0, sizeof(*s));
	if (!f)
		return trex_err_set(err, -errno, "acro export: %s", path);
	r = csv_stream_open(&cs, f, path, err);
	if (r < 0)
		return r;
	while ((r = csv_stream_next(&cs)) > 0) {
		const struct csv_table *v = &cs.view;

		if (d->kind == KIND_REGRESSION && d->dof && dof_col < 0)
			dof_col = csv_column(v, d->dof);
		for (size_t i = 0; dof_col >= 0 && i < v->nrows; i++) {
			char *end;
			double x = strtod(csv_field(v, i, (size_t)dof_col), &end);
			if (*end == '\0' && !isnan(x) && (!s->have_dof || x < s->min_dof)) {
				s->min_dof = x;
				s->have_dof = true;
			}
		}
		s->nrows += v->nrows;
	}
	if (r == 0) {
		for (size_t c = 0; c < cs.view.ncols; c++) {
			const char *h = csv_header(&cs.view, c);
			bool dim = false;

			for (size_t k = 0; k < d->ndims; k++)
				dim |= !strcmp(d->dims[k], h);
			if (dim)
				continue;
			s->measure_col[s->nmeasure] = c;
			s->measure_name[s->nmeasure] = trex_strdup(h);
			if (!s->measure_name[s->nmeasure++]) {
				r = trex_err_set(err, -ENOMEM, "acro export");
				break;
			}
		}
	}
	csv_stream_close(&cs);
	if (r < 0)
		acro_shape_free(s);
	return r;
}

static int acro_sync_close(FILE *f, bool sync)
{
	int r = 0;

	if (fflush(f) != 0 || ferror(f) || (sync && fsync(fileno(f)) != 0))
		r = -EIO;
	if (fclose(f) != 0 && r == 0)
		r = -EIO;
	return r;
}

static FILE *acro_create(struct acro_export *x, const char *name, struct trex_err *err)
{
	char path[4096];
	int fd;
	FILE *f;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", x->dir, name) >= sizeof(path)) {
		trex_err_setx(err, -ENAMETOOLONG, "acro export: %s/%s: path too long", x->dir, name);
		return NULL;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		trex_err_set(err, -errno, "acro export: %s", path);
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f || acro_note_written(x, name) < 0) {
		trex_err_set(err, -ENOMEM, "acro export: %s", path);
		if (f)
			fclose(f);
		else
			close(fd);
		unlink(path);
		return NULL;
	}
	return f;
}

/* The released copy into the folder, byte for byte. */
static int acro_copy(struct acro_export *x, const char *src, const char *name, bool sync,
		     struct trex_err *err)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	struct stat st;
	FILE *out;
	char buf[65536];
	ssize_t n;
	int r;

	if (in < 0 || fstat(in, &st) < 0)
		return trex_err_set(err, -errno, "acro export: %s", src);
	if (acro_budget(x, (uint64_t)st.st_size) < 0)
		return acro_over(x, err);
	x->bytes += (uint64_t)st.st_size;
	out = acro_create(x, name, err);
	if (!out)
		return err->code;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, out) != (size_t)n)
			break;
	r = n < 0 ? -errno : 0;
	if (acro_sync_close(out, sync) < 0 && r == 0)
		r = -EIO;
	return r < 0 ? trex_err_set(err, r, "acro export: copy %s", src) : 0;
}

/* checksums/<name>.txt: the SHA-256 of the folder's file name, as hex. */
static int acro_checksum(struct acro_export *x, const char *name, bool sync,
			 struct trex_err *err)
{
	char path[4096], sum[TREX_SHA256_HEX_LEN + 1], cname[512];
	_cleanup_close_ int fd = -1;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/%s", x->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "acro export: %s", path);
	r = trex_sha256_fd(fd, sum);
	if (r < 0)
		return trex_err_set(err, r, "acro export: checksum of %s", path);
	snprintf(cname, sizeof(cname), "checksums/%s.txt", name);
	f = acro_create(x, cname, err);
	if (!f)
		return err->code;
	fputs(sum, f);
	r = acro_sync_close(f, sync);
	return r < 0 ? trex_err_set(err, r, "acro export: %s", cname) : 0;
}

/* ACRO's config.json: the rule values under ACRO's names (no survival
 * tables here, so no survival threshold; no file kinds blocked), then
 * which pack they came from. */
static int acro_config(struct acro_export *x, bool sync, struct trex_err *err)
{
	const struct policy *pol = x->pol;
	json_t *c = json_pack(
		"{s:I, s:I, s:I, s:f, s:f, s:b, s:b, s:I, s:b, s:[], s:b, s:s, s:s}",
		"safe_threshold", (json_int_t)pol->safe_threshold, "safe_dof_threshold",
		(json_int_t)pol->safe_dof_threshold, "safe_nk_n", (json_int_t)pol->safe_nk_n,
		"safe_nk_k", pol->safe_nk_k, "safe_pratio_p", pol->safe_pratio_p,
		"check_missing_values", pol->check_missing_values, "zeros_are_disclosive",
		pol->zeros_are_disclosive, "safe_round_base", (json_int_t)pol->rounding_base,
		"federated", 0, "blocked_extensions", "suppress", pol->method == POLICY_SUPPRESS,
		"policy", pol->name, "policy_version", pol->version);
	FILE *f;
	int r;

	if (!c)
		return trex_err_set(err, -ENOMEM, "acro export");
	f = acro_create(x, "config.json", err);
	if (!f) {
		json_decref(c);
		return err->code;
	}
	json_dumpf(c, f, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(c);
	r = acro_sync_close(f, sync);
	return r < 0 ? trex_err_set(err, r, "acro export: config.json") : 0;
}

static void acro_timestamp(char *ts, size_t n)
{
	struct timespec now;
	struct tm tm;
	size_t k;

	/* ACRO's: local time, ISO 8601 with microseconds, no zone */
	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	k = strftime(ts, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + k, n - k, ".%06ld", now.tv_nsec / 1000);
}

int acro_write(struct acro_export *x, bool no_sync, struct trex_err *err)
{
	_cleanup_free_ struct acro_shape *shapes = NULL;
	char ts[48], path[4096];
	FILE *out;
	int r = 0;

	/* nothing else went into the folder meanwhile (a released copy
	 * named into it, say): the viewer would show it */
	r = acro_empty(x->dir, err);
	if (r < 0)
		return r;
	shapes = trex_calloc(x->n ? x->n : 1, sizeof(*shapes));
	if (!shapes)
		return trex_err_set(err, -ENOMEM, "acro export");
	acro_timestamp(ts, sizeof(ts));
	for (size_t i = 0; r == 0 && i < x->n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "output_%zu_0.csv", x->files[i].index);
		acro_rows_sort(&x->files[i]);
		r = acro_copy(x, x->files[i].copy, name, !no_sync, err);
		if (r == 0) {
			snprintf(path, sizeof(path), "%s/%s", x->dir, name);
			r = acro_scan(path, x->files[i].decl, &shapes[i], err);
		}
	}
	out = r == 0 ? acro_create(x, "results.json", err) : NULL;
	if (r == 0 && !out)
		r = err->code;
	if (r == 0) {
		r = acro_results_write(out, x, shapes, ts);
		if (r == -EFBIG)
			acro_over(x, err);
		else if (r < 0)
			trex_err_set(err, r, "acro export: results.json");
		if (acro_sync_close(out, !no_sync) < 0 && r == 0)
			r = trex_err_set(err, -EIO, "acro export: write results.json");
	}
	/* checksums of every file in the folder, results.json included, as
	 * ACRO writes them (config.json comes after) */
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/checksums", x->dir);
		if (mkdir(path, 0755) < 0)
			r = trex_err_set(err, -errno, "acro export: %s", path);
		else
			r = acro_note_written(x, "checksums") < 0
				    ? trex_err_set(err, -ENOMEM, "acro export")
				    : 0;
	}
	for (size_t i = 0; r == 0 && i < x->n; i++) {
		char name[64];
		snprintf(name, sizeof(name), "output_%zu_0.csv", x->files[i].index);
		r = acro_checksum(x, name, !no_sync, err);
	}
	if (r == 0)
		r = acro_checksum(x, "results.json", !no_sync, err);
	if (r == 0)
		r = acro_config(x, !no_sync, err);
	if (r == 0 && !no_sync) {
		_cleanup_close_ int d = open(x->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (d < 0 || fsync(d) < 0)
			r = trex_err_set(err, -errno, "acro export: fsync %s", x->dir);
	}
	for (size_t i = 0; i < x->n; i++)
		acro_shape_free(&shapes[i]);
	return r;
}

void acro_close(struct acro_export *x, bool failed)
{
	/* newest first: the checksums folder once its files are gone */
	for (size_t i = x->nwritten; i-- > 0;) {
		if (failed && x->dir) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/%s", x->dir, x->written[i]);
			if (!strcmp(x->written[i], "checksums"))
				rmdir(path);
			else
				unlink(path);
		}
		trex_free(x->written[i]);
	}
	if (failed && x->created && x->dir)
		rmdir(x->dir);
	for (size_t i = 0; i < x->n; i++) {
		trex_free(x->files[i].file);
		trex_free(x->files[i].copy);
		trex_free(x->files[i].rows);
	}
	trex_free(x->files);
	trex_free(x->written);
	trex_free(x->dir);
	memset(x, 0, sizeof(*x));
}
