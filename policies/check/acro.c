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
 * a tree nor the tables. results.json is written as it goes: its outcome
 * holds an entry per cell. */
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

/* The ACRO release whose results.json this follows */
#define ACRO_FORMAT_VERSION "1.0.1"

enum acro_check {
	AC_REQUIRED_ZERO,
	AC_ZERO,
	AC_LINKED,
	AC_THRESHOLD,
	AC_NK,
	AC_PPERCENT,
	AC_DOF,
	AC_MISSING,
	AC_SECONDARY,
	AC_FIXED /* bits from here on: x->other[bit - AC_FIXED] */
};

static const char *const acro_check_names[AC_FIXED] = {
	[AC_REQUIRED_ZERO] = "RequiredZeroCheck",
	[AC_ZERO] = "PresenceOfZeroCheck",
	[AC_LINKED] = "PresenceOfLinkedTableCheck",
	[AC_THRESHOLD] = "MinimumThresholdCheck",
	[AC_NK] = "NKCheck",
	[AC_PPERCENT] = "PPercentCheck",
	[AC_DOF] = "MinimumDoFCheck",
	[AC_MISSING] = "MissingCheck",
	[AC_SECONDARY] = "SecondarySuppression",
};

/* What ACRO's ontology says of the analysis a kind of table is: the
 * checks it runs, in its order, and the FAIR description it records. */
struct acro_analysis {
	const char *name, *statbarn;
	const char *risks[4], *mitigations[5];
	enum acro_check checks[4];
	size_t nchecks;
};

static const struct acro_analysis acro_frequency = {
	"FrequencyTable", "Frequencies",
	{ "ClassDisclosure", "Differencing", "LowCount" }, { "Noise", "Suppression" },
	{ AC_REQUIRED_ZERO, AC_ZERO, AC_LINKED, AC_THRESHOLD }, 4,
};
static const struct acro_analysis acro_sum = {
	"Sum", "LinearAggregations",
	{ "Dominance", "Differencing", "LowCount" }, { "Noise", "Suppression" },
	{ AC_NK, AC_PPERCENT, AC_LINKED, AC_THRESHOLD }, 4,
};
static const struct acro_analysis acro_mean = {
	"Mean", "LinearAggregations",
	{ "Dominance", "Differencing", "LowCount" }, { "Noise", "Suppression" },
	{ AC_NK, AC_PPERCENT, AC_LINKED, AC_THRESHOLD }, 4,
};
static const struct acro_analysis acro_regression = {
	"GeneralLinearModel", "CorrelationCoefficients",
	{ "LowDOF" }, { "Aggregation", "Noise", "OutlierRemoval", "Suppression" },
	{ AC_DOF }, 1,
};

static const struct acro_analysis *acro_analysis_of(enum output_kind k)
{
	switch (k) {
	case KIND_FREQUENCY: return &acro_frequency;
	case KIND_MAGNITUDE: return &acro_sum;
	case KIND_SUMMARY: return &acro_mean;
	default: return &acro_regression;
	}
}

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

/* -EFBIG once the export would pass its budget (--acro-max-mb). */
static int acro_budget(const struct acro_export *x, uint64_t more)
{
	return x->max_bytes && x->bytes + more > x->max_bytes ? -EFBIG : 0;
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

/* The bit of a rule that hid a cell; 0 when the export is full of others. */
static uint32_t acro_rule_bits(struct acro_export *x, const char *rule)
{
	const struct policy *pol = x->pol;

	if (!strcmp(rule, "threshold") || !strcmp(rule, "redact"))
		return 1u << AC_THRESHOLD;
	/* ACRO flags a zero count under both checks: 0 is below any threshold */
	if (!strcmp(rule, "zero"))
		return (1u << AC_ZERO) | (pol->safe_threshold > 0 ? 1u << AC_THRESHOLD : 0);
	if (!strcmp(rule, "dominance"))
		return 1u << AC_NK;
	if (!strcmp(rule, "p-ratio"))
		return 1u << AC_PPERCENT;
	if (!strcmp(rule, "secondary"))
		return 1u << AC_SECONDARY;
	if (!strcmp(rule, "dof"))
		return 1u << AC_DOF;
	if (!strcmp(rule, "missing"))
		return 1u << AC_MISSING;
	for (size_t i = 0; i < x->nother; i++)
		if (!strcmp(x->other[i], rule))
			return 1u << (AC_FIXED + i);
	if (x->nother == ACRO_MAX_OTHER)
		return 0;
	/* rule names are the checker's static tokens (sdc.h) */
	x->other[x->nother] = rule;
	return 1u << (AC_FIXED + x->nother++);
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

/* What the export reads back from a released copy: its rows, and the
 * columns it may have hidden (every column but the declared dimensions). */
struct acro_shape {
	size_t nrows;
	size_t nmeasure;
	size_t measure_col[CSV_MAX_COLS];
	char *measure_name[CSV_MAX_COLS];
	bool have_dof;
	double min_dof;
};

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

/* A JSON string (jansson's escaping); text that is not UTF-8 becomes "". */
static void acro_put_str(FILE *f, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(t ? t : "\"\"", f);
	free(t);
	json_decref(j);
}

static void acro_put_json(FILE *f, json_t *j)
{
	json_dumpf(j, f, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

static const char *acro_check_name(const struct acro_export *x, unsigned bit)
{
	return bit < AC_FIXED ? acro_check_names[bit] : x->other[bit - AC_FIXED];
}

/* The checks a file lists, in ACRO's order: its analysis', MissingCheck
 * when the pack checks missing values, SecondarySuppression under
 * suppression, then the rules without a counterpart that hid its cells. */
static size_t acro_file_checks(const struct acro_export *x, const struct acro_file *f,
			       unsigned *out)
{
	const struct policy *pol = x->pol;
	const struct acro_analysis *a = acro_analysis_of(f->decl->kind);
	uint32_t used = 0;
	size_t n = 0;

	for (size_t i = 0; i < a->nchecks; i++)
		out[n++] = a->checks[i];
	if (pol->check_missing_values)
		out[n++] = AC_MISSING;
	if (pol->method == POLICY_SUPPRESS)
		out[n++] = AC_SECONDARY;
	for (size_t i = 0; i < f->nrows; i++)
		used |= f->rows[i].checks;
	/* a rule mapped to an ACRO check the analysis does not run (dof on
	 * a table, say) is listed after the analysis' own */
	for (unsigned b = 0; b < AC_FIXED + x->nother; b++) {
		bool listed = false;
		for (size_t i = 0; i < n; i++)
			listed |= out[i] == b;
		if (!listed && (used & (1u << b)))
			out[n++] = b;
	}
	return n;
}

/* ACRO's summary: "<analysis> : " and a line per check that found cells
 * (and the linked-table note), each "\n", then " " for all but the first
 * check of the analysis, as ACRO joins them; in trex's words. */
static char *acro_summary(const struct acro_export *x, const struct acro_file *f,
			  const unsigned *checks, size_t nchecks, const size_t *count)
{
	const struct acro_analysis *a = acro_analysis_of(f->decl->kind);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return NULL;
	fprintf(m, "%s : ", a->name);
	for (size_t i = 0; i < nchecks; i++) {
		const char *sep = checks[i] == a->checks[0] ? "\n" : "\n ";
		if (checks[i] == AC_LINKED) {
			fprintf(m, "%s%s: to compare by hand with the project's other outputs "
				   "(differencing); dimensions: [",
				sep, acro_check_names[AC_LINKED]);
			for (size_t k = 0; k < f->decl->ndims; k++)
				fprintf(m, "%s'%s'", k ? ", " : "", f->decl->dims[k]);
			fputs("].", m);
		} else if (count[i]) {
			fprintf(m, "%s%s: fail - %zu cells suppressed.", sep,
				acro_check_name(x, checks[i]), count[i]);
		}
	}
	fputs("\n", m);
	if (fclose(m) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static json_t *acro_fair(const struct acro_file *f, const unsigned *checks, size_t nchecks, const size_t *count)
{
	const struct acro_analysis *a = acro_analysis_of(f->decl->kind);
	const struct output_decl *d = f->decl;
	const char *dependent = d->kind == KIND_FREQUENCY ? d->count
				: d->kind == KIND_REGRESSION ? NULL
				: d->value ? d->value : d->count;
	json_t *risks = json_array(), *mit = json_array(), *needed = json_array();
	json_t *status = json_object(), *indep = json_array();

	for (size_t i = 0; i < 4 && a->risks[i]; i++)
		json_array_append_new(risks, json_string(a->risks[i]));
	for (size_t i = 0; i < 5 && a->mitigations[i]; i++)
		json_array_append_new(mit, json_string(a->mitigations[i]));
	/* the ACRO checks only: trex's own names are not in its ontology */
	for (size_t i = 0; i < nchecks; i++) {
		if (checks[i] == AC_SECONDARY || checks[i] >= AC_FIXED)
			continue;
		json_array_append_new(needed, json_string(acro_check_names[checks[i]]));
		json_object_set_new(status, acro_check_names[checks[i]],
				    json_string(count[i] ? "fail" : "pass"));
	}
	for (size_t k = 0; k < d->ndims; k++)
		json_array_append_new(indep, json_string(d->dims[k]));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o}", "context",
			 "https://w3id.org/statbarnsdc#", "statbarn", a->statbarn, "risks", risks,
			 "checks_needed", needed, "common_mitigations", mit, "check_status", status,
			 "dependent", dependent ? dependent : "unknown", "independent", indep);
}

/* One entry of results.json. */
static int acro_put_output(FILE *out, struct acro_export *x, const struct acro_file *f,
			   const struct acro_shape *s, const char *ts)
{
	const struct policy *pol = x->pol;
	const bool table = f->decl->kind != KIND_REGRESSION;
	unsigned checks[AC_FIXED + ACRO_MAX_OTHER];
	size_t count[AC_FIXED + ACRO_MAX_OTHER] = { 0 };
	size_t nchecks = acro_file_checks(x, f, checks);
	char uid[32], name[64], *summary;
	json_t *props, *fair;

	snprintf(uid, sizeof(uid), "output_%zu", f->index);
	snprintf(name, sizeof(name), "output_%zu_0.csv", f->index);
	for (size_t i = 0; i < nchecks; i++)
		for (size_t r = 0; r < f->nrows; r++)
			if (f->rows[r].checks & (1u << checks[i]))
				count[i] += s->nmeasure;
	if (table) {
		props = pol->method == POLICY_ROUND
				? json_pack("{s:s, s:s, s:I}", "method", "pivot_table", "mitigation",
					    "round", "round_base", (json_int_t)pol->rounding_base)
				: json_pack("{s:s, s:s}", "method", "pivot_table", "mitigation",
					    "suppress");
		summary = acro_summary(x, f, checks, nchecks, count);
	} else {
		props = json_pack("{s:s, s:I}", "method", "regression", "dof",
				  (json_int_t)(s->have_dof ? s->min_dof : 0));
		summary = NULL;
		if (asprintf(&summary, "%s: pass dof=%lld >= %ld", acro_check_names[AC_DOF],
			     (long long)(s->have_dof ? s->min_dof : 0), pol->safe_dof_threshold) < 0)
			summary = NULL;
	}
	fair = acro_fair(f, checks, nchecks, count);
	if (!props || !summary || !fair) {
		json_decref(props);
		json_decref(fair);
		free(summary);
		return -ENOMEM;
	}
	fprintf(out, "        \"%s\": {\n            \"uid\": \"%s\",\n", uid, uid);
	/* under a mitigation ACRO marks every table for review and says why
	 * in the exception; a regression has its checks' status */
	fprintf(out, "            \"status\": \"%s\",\n            \"type\": \"%s\",\n",
		table ? "review" : "pass", table ? "table" : "regression");
	fputs("            \"properties\": ", out);
	acro_put_json(out, props);
	fprintf(out, ",\n            \"files\": [{\"name\": \"%s\", \"sdc\": {", name);
	if (table) {
		fputs("\"summary\": {", out);
		for (size_t i = 0; i < nchecks; i++) {
			fprintf(out, "%s", i ? ", " : "");
			acro_put_str(out, acro_check_name(x, checks[i]));
			fprintf(out, ": %zu", count[i]);
		}
		fputs("}, \"cells\": {", out);
		for (size_t i = 0; i < nchecks; i++) {
			bool first = true;
			fprintf(out, "%s", i ? ", " : "");
			acro_put_str(out, acro_check_name(x, checks[i]));
			fputs(": [", out);
			for (size_t r = 0; r < f->nrows; r++) {
				if (!(f->rows[r].checks & (1u << checks[i])))
					continue;
				/* the viewer counts columns from the second */
				for (size_t m = 0; m < s->nmeasure; m++) {
					fprintf(out, "%s[%u, %lld]", first ? "" : ", ", f->rows[r].row,
						(long long)s->measure_col[m] - 1);
					first = false;
				}
			}
			fputs("]", out);
		}
		fputs("}", out);
	}
	fputs("}}],\n            \"outcome\": {", out);
	for (size_t m = 0; table && m < s->nmeasure; m++) {
		size_t next = 0;
		fprintf(out, "%s\n                ", m ? "," : "");
		acro_put_str(out, s->measure_name[m]);
		fputs(": {", out);
		for (size_t row = 0; row < s->nrows; row++) {
			/* an entry per cell: the budget is looked at as it grows */
			if ((row & 0xffff) == 0xffff && acro_budget(x, (uint64_t)ftello(out)) < 0)
				goto over;
			fprintf(out, "%s\"%zu\": \"", row ? ", " : "", row);
			bool flagged = false;
			if (next < f->nrows && f->rows[next].row == row) {
				for (size_t i = 0; i < nchecks; i++)
					if (f->rows[next].checks & (1u << checks[i])) {
						fprintf(out, "%s; ", acro_check_name(x, checks[i]));
						flagged = true;
					}
				next++;
			}
			if (!flagged)
				fputs("ok", out);
			fputs("\"", out);
		}
		fputs("}", out);
	}
	fputs(table && s->nmeasure ? "\n            },\n" : "},\n", out);
	fputs("            \"command\": ", out);
	{
		char *cmd = NULL;
		if (asprintf(&cmd, "trex-check %s", f->file) >= 0) {
			acro_put_str(out, cmd);
			free(cmd);
		} else {
			fputs("\"trex-check\"", out);
		}
	}
	fputs(",\n            \"summary\": ", out);
	acro_put_str(out, summary);
	fprintf(out, ",\n            \"timestamp\": \"%s\",\n            \"comments\": [],\n", ts);
	fputs("            \"exception\": ", out);
	if (!table) {
		fputs("\"\"", out);
	} else if (pol->method == POLICY_ROUND) {
		char why[160];
		snprintf(why, sizeof(why),
			 "trex-check withheld counts of %ld or less and rounded the others "
			 "(base %ld)",
			 pol->redact_at_or_below, pol->rounding_base);
		acro_put_str(out, why);
	} else {
		acro_put_str(out, "trex-check suppressed the cells that failed a check and the "
				  "cells that keep them from being recovered");
	}
	fputs(",\n            \"fair\": ", out);
	acro_put_json(out, fair);
	fputs("\n        }", out);
	json_decref(props);
	json_decref(fair);
	free(summary);
	return acro_budget(x, (uint64_t)ftello(out));
over:
	json_decref(props);
	json_decref(fair);
	free(summary);
	return -EFBIG;
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
		fprintf(out, "{\n    \"version\": \"%s\",\n    \"results\": {", ACRO_FORMAT_VERSION);
		for (size_t i = 0; r == 0 && i < x->n; i++) {
			fputs(i ? ",\n" : "\n", out);
			r = acro_put_output(out, x, &x->files[i], &shapes[i], ts);
		}
		fputs(x->n ? "\n    }\n}\n" : "}\n}\n", out);
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
