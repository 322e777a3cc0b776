/* Overlapping groupings under rounding packs (bands.h).
 *
 * A dimension is banded when its codes are numeric ranges ("0-9", "10 to
 * 19", "<5", "80+", "[10,20)", ...: at least two of them, and at least
 * half of its codes other than declared totals and missing values), or
 * when the declaration gives its `bins`. A banding is its cut points (the
 * bounds of its bands) and the range it covers. Two bandings of one
 * variable overlap when, inside the range both cover, their cut points
 * differ: each band of one is then a sum of pieces the other splits
 * differently, and the rounded counts of both, with the redacted ones,
 * are equations an attacker can solve together (issue 14: 57 of 3,000
 * random tables pinned a redacted cell). The same banding twice, or
 * bandings of disjoint ranges, are not held.
 *
 * Which two dimensions are one variable: in one table, two banded
 * dimensions whose bands intersect on every row with a positive count (a
 * person's age is in both of its bands; two variables have rows whose
 * bands do not meet, such as age 60-69 by BMI 20-24); across outputs, a
 * dimension of the same name, or of the same first three letters
 * (age_band, age_group), since nothing else links them. */
#include "bands.h"

#include <ctype.h>
#include <errno.h>
#include <fts.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "cleanup.h"
#include "csv.h"

/* distinct bands of one dimension: more is not an age banding (and keeps
 * the search of a release's column bounded) */
#define BANDS_MAX 256
/* a released column is given up on when most of its first values are not
 * ranges */
#define BANDS_PROBE 64

struct band_dim {
	char *file;   /* the output or release it is from (owned) */
	char *dim;    /* its declared name, or a release's header (owned) */
	const char *what; /* static: "another output of this job", ... */
	double *cut;  /* sorted, distinct */
	size_t ncut;
	double lo, hi; /* range covered; -INFINITY / INFINITY for open bands */
	bool unknown; /* a release too large to read: its bands are not known */
};

/* One code as a band: [a, b), b as written for "a-b" (inclusive or not,
 * decided per dimension: bands_finish). */
struct band {
	double a, b;
	bool open_lo, open_hi, written; /* written: "a-b" / "a to b" form */
};

static const char *bands_num(const char *s, double *x)
{
	const char *p = s;
	char *end;

	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	*x = strtod(s, &end);
	return end == p && isfinite(*x) ? p : NULL;
}

static const char *bands_sp(const char *s)
{
	return *s == ' ' ? s + 1 : s;
}

static bool bands_is_int(double x)
{
	return x == floor(x);
}

/* Is code s a numeric range? */
static bool bands_parse(const char *s, struct band *o)
{
	static const char *const open_top[] = {"+", " +", " and over", " or over", " or more",
					       " and above", " and older", " plus"};
	const char *p;
	double x, y;

	memset(o, 0, sizeof(*o));
	if (s[0] == '<' || !strncasecmp(s, "under ", 6) || !strncasecmp(s, "below ", 6)) {
		bool incl = s[0] == '<' && s[1] == '=';
		p = s[0] == '<' ? bands_sp(s + 1 + incl) : s + 6;
		if (!(p = bands_num(p, &x)) || *p)
			return false;
		o->open_lo = true;
		o->b = incl ? x + (bands_is_int(x) ? 1 : 0) : x;
		return true;
	}
	if (s[0] == '>') {
		bool incl = s[1] == '=';
		if (!(p = bands_num(bands_sp(s + 1 + incl), &x)) || *p)
			return false;
		o->open_hi = true;
		o->a = incl || !bands_is_int(x) ? x : x + 1;
		return true;
	}
	if (s[0] == '[' || s[0] == '(') {
		if (!(p = bands_num(s + 1, &x)) || *p != ',' || !(p = bands_num(bands_sp(p + 1), &y)) ||
		    (*p != ')' && *p != ']') || p[1] || !(x < y))
			return false;
		o->a = x;
		o->b = y;
		return true;
	}
	if (!(p = bands_num(s, &x)))
		return false;
	for (size_t i = 0; i < TREX_ARRAY_LEN(open_top); i++)
		if (!strcasecmp(p, open_top[i])) {
			o->a = x;
			o->open_hi = true;
			return true;
		}
	if (!strncmp(p, " to ", 4))
		p += 4;
	else if (!strncmp(p, " - ", 3))
		p += 3;
	else if (*p == '-')
		p += 1;
	else if (!strncmp(p, "\xe2\x80\x93", 3)) /* en dash */
		p += 3;
	else
		return false;
	if (!(p = bands_num(p, &y)) || *p || !(x <= y))
		return false;
	o->a = x;
	o->b = y;
	o->written = true;
	return true;
}

/* A dimension's bands as they are found, then its banding. */
struct bands_build {
	struct band v[BANDS_MAX];
	size_t n, other, seen;
	bool full;
};

static void bands_add_code(struct bands_build *bb, const char *s, bool dedupe)
{
	struct band x;

	bb->seen++;
	if (sdc_is_missing(s))
		return;
	if (!bands_parse(s, &x)) {
		bb->other++;
		return;
	}
	for (size_t i = 0; dedupe && i < bb->n; i++)
		if (!memcmp(&bb->v[i], &x, sizeof(x)))
			return;
	if (bb->n == BANDS_MAX) {
		bb->full = true;
		return;
	}
	bb->v[bb->n++] = x;
}

static int bands_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* "a-b" bands: b is the next band's start when some band starts at it
 * ("0-10, 10-20"), else inclusive ("0-9, 10-19": up to b + 1). */
static bool bands_shared_ends(const struct bands_build *bb)
{
	for (size_t i = 0; i < bb->n; i++)
		for (size_t j = 0; bb->v[i].written && j < bb->n; j++)
			if (!bb->v[j].open_lo && bb->v[j].a == bb->v[i].b && i != j)
				return true;
	return false;
}

static double bands_end(const struct band *x, bool shared)
{
	return x->written && !shared && bands_is_int(x->b) ? x->b + 1 : x->b;
}

/* 1 with d's cuts and range set when the codes seen are a banding, 0
 * when not, -ENOMEM. */
static int bands_finish(struct bands_build *bb, struct band_dim *d)
{
	bool shared = bands_shared_ends(bb);
	size_t k = 0;

	if (bb->full || bb->n < 2 || bb->n < bb->other)
		return 0;
	d->cut = trex_calloc(2 * bb->n + 1, sizeof(double));
	if (!d->cut)
		return -ENOMEM;
	d->lo = INFINITY;
	d->hi = -INFINITY;
	for (size_t i = 0; i < bb->n; i++) {
		const struct band *x = &bb->v[i];
		double e = bands_end(x, shared);
		if (x->open_lo)
			d->lo = -INFINITY;
		else
			d->cut[k++] = x->a;
		if (x->open_hi)
			d->hi = INFINITY;
		else
			d->cut[k++] = e;
		if (!x->open_lo && x->a < d->lo)
			d->lo = x->a;
		if (!x->open_hi && e > d->hi)
			d->hi = e;
	}
	qsort(d->cut, k, sizeof(double), bands_cmp);
	d->ncut = 0;
	for (size_t i = 0; i < k; i++)
		if (!d->ncut || d->cut[d->ncut - 1] != d->cut[i])
			d->cut[d->ncut++] = d->cut[i];
	return 1;
}

/* Do two bandings of one variable split the range both cover
 * differently? */
static bool bands_overlap(const struct band_dim *x, const struct band_dim *y)
{
	double lo = fmax(x->lo, y->lo), hi = fmin(x->hi, y->hi);
	size_t i = 0, j = 0;

	if (!(lo < hi))
		return false;
	for (;;) {
		while (i < x->ncut && !(x->cut[i] > lo && x->cut[i] < hi))
			i++;
		while (j < y->ncut && !(y->cut[j] > lo && y->cut[j] < hi))
			j++;
		if (i == x->ncut || j == y->ncut)
			return i != x->ncut || j != y->ncut;
		if (x->cut[i] != y->cut[j])
			return true;
		i++;
		j++;
	}
}

/* Dimensions of two outputs taken for one variable: the same name, or
 * the same first three letters. */
static bool bands_same_name(const char *a, const char *b)
{
	for (int i = 0; i < 3; i++)
		if (!isalpha((unsigned char)a[i]) || !isalpha((unsigned char)b[i]))
			return !strcasecmp(a, b);
	return !strncasecmp(a, b, 3);
}

static void bands_dim_free(struct band_dim *d)
{
	trex_free(d->file);
	trex_free(d->dim);
	trex_free(d->cut);
	memset(d, 0, sizeof(*d));
}

static struct band_dim *bands_push(struct bands *b)
{
	size_t used = b->n + b->pending;

	if (used == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		struct band_dim *v = trex_realloc(b->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		b->v = v;
		b->cap = cap;
	}
	memset(&b->v[used], 0, sizeof(b->v[used]));
	return &b->v[used];
}

/* Keep d (its cut taken) as an entry of b: pending when pending. */
static int bands_keep(struct bands *b, struct band_dim *d, const char *file, const char *dim,
		      const char *what, bool pending)
{
	struct band_dim *e = bands_push(b);

	if (!e)
		return -ENOMEM;
	*e = *d;
	memset(d, 0, sizeof(*d));
	e->file = trex_strdup(file);
	e->dim = trex_strdup(dim);
	e->what = what;
	if (!e->file || !e->dim) {
		bands_dim_free(e);
		return -ENOMEM;
	}
	if (pending)
		b->pending++;
	else
		b->n++;
	return 0;
}

/* The bandings of one earlier release: each column whose values are
 * ranges (a release has no declaration: its header names the column);
 * of a release too large to copy, every column of its header, as
 * unknown: a banded dimension of its name is held rather than passed. */
static int bands_read_release(struct bands *b, const char *path, const char *name, bool large)
{
	struct csv_table c;
	struct trex_err err = {0};
	_cleanup_free_ struct bands_build *bb = trex_calloc(1, sizeof(*bb));
	int r = 0;

	if (!bb)
		return -ENOMEM;
	/* an unreadable release is difference.c's to report */
	if (csv_read_file(path, &c, &err) < 0)
		return err.code == -ENOMEM ? -ENOMEM : 0;
	for (size_t col = 0; col < c.ncols && r == 0; col++) {
		const char *h = csv_header(&c, col);
		struct band_dim d = {0};

		if (large) {
			d.unknown = true;
			r = bands_keep(b, &d, name, h, "released earlier for this project", false);
			continue;
		}
		memset(bb, 0, sizeof(*bb));
		for (size_t row = 0; row < c.nrows && !bb->full; row++) {
			bands_add_code(bb, csv_field(&c, row, col), true);
			if (bb->seen == BANDS_PROBE && bb->other * 2 > bb->seen)
				break;
		}
		r = bands_finish(bb, &d);
		if (r == 1)
			r = bands_keep(b, &d, name, h, "released earlier for this project", false);
		bands_dim_free(&d);
	}
	csv_free(&c);
	return r < 0 ? r : 0;
}

/* Every release under prevdir (runner/previous.c: a flat folder; a
 * release too large to copy is its header, NAME.csv.toolarge). */
static int bands_read_previous(struct bands *b, const char *prevdir)
{
	char *paths[] = {(char *)prevdir, NULL};
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	FTSENT *e;
	int r = 0;

	if (!fts)
		return 0;
	while (r == 0 && (e = fts_read(fts))) {
		size_t len = strlen(e->fts_path);
		bool large = len > 14 && !strcmp(e->fts_path + len - 13, ".csv.toolarge");
		const char *name = e->fts_path + strlen(prevdir);

		if (e->fts_info != FTS_F || len < 5 || (strcmp(e->fts_path + len - 4, ".csv") && !large))
			continue;
		while (*name == '/')
			name++;
		r = bands_read_release(b, e->fts_path, name, large);
	}
	fts_close(fts);
	return r;
}

/* A dimension of the checked table: its banding (when it is one) and
 * each code's band, for the row test. */
struct bands_col {
	struct band_dim d;
	bool banded;
	double *lo, *hi; /* per code; NAN when the code is not a range */
};

static int bands_table_dim(const struct sdc_table *t, const struct sdc_result *res, size_t dim,
			   struct bands_build *bb, struct bands_col *bc)
{
	const struct output_decl *decl = t->decl;
	json_t *bins = decl->bins ? json_object_get(decl->bins, decl->dims[dim]) : NULL;
	size_t n = res->ncodes[dim];
	bool shared;
	int r;

	memset(bb, 0, sizeof(*bb));
	bc->lo = trex_calloc(n + 1, sizeof(double));
	bc->hi = trex_calloc(n + 1, sizeof(double));
	if (!bc->lo || !bc->hi)
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		const char *s = csv_field(t->csv, res->code_row[dim][k], (size_t)t->dim_col[dim]);
		if (!manifest_is_total(decl, decl->dims[dim], s))
			bands_add_code(bb, s, false);
	}
	shared = bands_shared_ends(bb);
	for (size_t k = 0; k < n; k++) {
		const char *s = csv_field(t->csv, res->code_row[dim][k], (size_t)t->dim_col[dim]);
		struct band x;
		bc->lo[k] = bc->hi[k] = NAN;
		if (manifest_is_total(decl, decl->dims[dim], s) || !bands_parse(s, &x))
			continue;
		bc->lo[k] = x.open_lo ? -INFINITY : x.a;
		bc->hi[k] = x.open_hi ? INFINITY : bands_end(&x, shared);
	}
	if (bins && json_array_size(bins) >= 2) {
		/* declared breaks: the banding, whatever the labels say */
		size_t i;
		json_t *e;
		bc->d.cut = trex_calloc(json_array_size(bins), sizeof(double));
		if (!bc->d.cut)
			return -ENOMEM;
		json_array_foreach(bins, i, e)
			bc->d.cut[i] = json_number_value(e);
		bc->d.ncut = json_array_size(bins);
		bc->d.lo = -INFINITY;
		bc->d.hi = INFINITY;
		bc->banded = true;
		return 0;
	}
	r = bands_finish(bb, &bc->d);
	bc->banded = r == 1;
	return r < 0 ? r : 0;
}

/* Two banded dimensions of one table are one variable when their bands
 * meet on every row with a positive count (at least two such rows). */
static bool bands_one_variable(const struct sdc_table *t, const struct sdc_result *res,
			       size_t d1, const struct bands_col *x, size_t d2,
			       const struct bands_col *y)
{
	int col = t->count_col >= 0 ? t->count_col : t->contrib_col;
	size_t rows = 0;

	for (size_t r = 0; r < t->csv->nrows; r++) {
		uint32_t k1 = res->code[d1][r], k2 = res->code[d2][r];
		double v = 1;

		if (isnan(x->lo[k1]) || isnan(y->lo[k2]))
			continue;
		if (col >= 0 && (sdc_parse_number(csv_field(t->csv, r, (size_t)col), &v) != 0 || !(v > 0)))
			continue;
		if (!(x->lo[k1] < y->hi[k2] && y->lo[k2] < x->hi[k1]))
			return false;
		rows++;
	}
	return rows >= 2;
}

int bands_check(struct bands *b, const struct policy *pol, const struct sdc_table *t,
		struct sdc_result *res, const char *prevdir, struct trex_err *err)
{
	const struct output_decl *decl = t->decl;
	const size_t nd = decl->ndims;
	struct bands_col bc[MANIFEST_MAX_DIMS];
	_cleanup_free_ struct bands_build *bb = NULL;
	size_t nbanded = 0;
	bool held = false;
	int r = 0;

	bands_commit(b, false); /* a table the caller did not commit */
	if (pol->method != POLICY_ROUND || !nd ||
	    (decl->kind != KIND_FREQUENCY && decl->kind != KIND_SUMMARY &&
	     decl->kind != KIND_MAGNITUDE))
		return 0;
	memset(bc, 0, sizeof(bc));
	if (!(bb = trex_calloc(1, sizeof(*bb))))
		return trex_err_set(err, -ENOMEM, "%s", t->name);
	for (size_t d = 0; d < nd && r == 0; d++) {
		r = bands_table_dim(t, res, d, bb, &bc[d]);
		nbanded += bc[d].banded;
	}
	/* two dimensions of this table */
	for (size_t d1 = 0; r == 0 && !held && d1 < nd; d1++)
		for (size_t d2 = d1 + 1; !held && d2 < nd; d2++) {
			if (!bc[d1].banded || !bc[d2].banded ||
			    !bands_one_variable(t, res, d1, &bc[d1], d2, &bc[d2]) ||
			    !bands_overlap(&bc[d1].d, &bc[d2].d))
				continue;
			sdc_reason(res, "overlapping_groupings", SDC_REVIEW,
				   "overlapping groupings: %s and %s band one variable differently; rounding alone does not protect them",
				   decl->dims[d1], decl->dims[d2]);
			held = true;
		}
	/* the project's earlier releases: every banded column, read once,
	 * when a table of the run first has a banded dimension */
	if (r == 0 && nbanded && prevdir && !b->previous_read) {
		b->previous_read = true;
		r = bands_read_previous(b, prevdir);
	}
	/* the run's earlier released outputs and the project's releases */
	for (size_t d = 0; r == 0 && !held && d < nd; d++)
		for (size_t k = 0; bc[d].banded && !held && k < b->n; k++) {
			const struct band_dim *e = &b->v[k];
			if (!bands_same_name(decl->dims[d], e->dim))
				continue;
			if (e->unknown) {
				sdc_reason(res, "overlapping_groupings", SDC_REVIEW,
					   "overlapping groupings: %.64s of %.128s, %s, is too large to compare the banding of %s with",
					   e->dim, e->file, e->what, decl->dims[d]);
				held = true;
			} else if (bands_overlap(&bc[d].d, e)) {
				sdc_reason(res, "overlapping_groupings", SDC_REVIEW,
					   "overlapping groupings: %s is banded differently from %.64s of %.128s, %s; rounding alone does not protect them",
					   decl->dims[d], e->dim, e->file, e->what);
				held = true;
			}
		}
	/* kept pending until the caller knows whether the table leaves */
	for (size_t d = 0; r == 0 && d < nd; d++)
		if (bc[d].banded)
			r = bands_keep(b, &bc[d].d, t->name, decl->dims[d], "another output of this job",
				       true);
	for (size_t d = 0; d < nd; d++) {
		bands_dim_free(&bc[d].d);
		trex_free(bc[d].lo);
		trex_free(bc[d].hi);
	}
	return r < 0 ? trex_err_set(err, r, "%s", t->name) : 0;
}

void bands_commit(struct bands *b, bool released)
{
	if (released) {
		b->n += b->pending;
	} else {
		for (size_t i = 0; i < b->pending; i++)
			bands_dim_free(&b->v[b->n + i]);
	}
	b->pending = 0;
}

void bands_free(struct bands *b)
{
	bands_commit(b, false);
	for (size_t i = 0; i < b->n; i++)
		bands_dim_free(&b->v[i]);
	trex_free(b->v);
	memset(b, 0, sizeof(*b));
}
