/* Differencing: a table released beside one already released for the
 * same project, over the same dimensions, lets anyone subtract the two,
 * cell by cell: "all patients" then "all patients but those over 90"
 * gives the over-90s by every category, and one cell of that difference
 * table below the threshold is a small group, however large the others
 * are (a new "Unknown" row of 50 does not hide a cell that lost 2). So a
 * table is held when some cell, totals included, differs from the same
 * cell of an earlier table by more than 0 and less than the threshold.
 * Tables of unrelated populations over the same dimensions may be held
 * too: that is for the output checker, who sees which tables they are.
 *
 * Previously released tables are read from --previous DIR (trexd binds
 * the project's release area there), and this run's released outputs
 * are compared the same way. An earlier table carries no manifest, so
 * which of its columns are the dimensions and the measure is found:
 *  - a declared dimension pairs with the column of the same name, else,
 *    by content, with a column sharing most of its codes (more than half
 *    of the smaller set of codes: a renamed column, or one with a new
 *    category, still pairs), the most alike first (Jaccard index), ties
 *    to the earlier dimension then the earlier column, so the pairing is
 *    deterministic; a table paired by content must have one row per
 *    combination of the paired codes (an extra dimension is another
 *    table: linked, not differenced);
 *  - the measure is the column named as the checked table's count (else
 *    contributors), else every other column holding only counts
 *    (non-negative integers, or withheld cells), each compared: a count
 *    is a count whatever its header.
 * A summary table is compared on its count: a mean with its count n is
 * the magnitude mean x n (a sum is one already), so two releases whose
 * counts differ by fewer than the threshold give the total of the few
 * records between them (counts 1 apart: that record's value), whatever
 * the means are. A cell absent on one side counts 0; a suppressed (empty)
 * cell on either side is unknown and skipped.
 *
 * Pairing by content needs the checked table's codes: the whole check
 * has them before comparing; the streamed one (stream.c) has them after
 * its last row (its interned codes), pairs then (diff_pair) and, when a
 * table pairs by content, has the table checked whole, so both give the
 * same decisions. */
#include "sdc.h"

#include <errno.h>
#include <fts.h>
#include <stdio.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "fnv.h"

/* the measures compared in one earlier table, at most */
#define DIFF_MAX_MEASURES 8

static uint64_t diff_hash_str(const char *s, uint64_t h)
{
	return trex_fnv64_byte(trex_fnv64_str(h, s), 0x1f);
}

static uint64_t diff_hash(const struct csv_table *c, size_t row, const int *cols, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t d = 0; d < n; d++)
		h = diff_hash_str(csv_field(c, row, (size_t)cols[d]), h);
	return h;
}

static bool diff_same(const struct csv_table *a, size_t ra, const int *ca,
		      const struct csv_table *b, size_t rb, const int *cb, size_t n)
{
	for (size_t d = 0; d < n; d++)
		if (strcmp(csv_field(a, ra, (size_t)ca[d]), csv_field(b, rb, (size_t)cb[d])))
			return false;
	return true;
}

/* A set of codes, kept as their 64-bit hashes (two codes sharing one are
 * taken for one: that only changes how much two columns seem to overlap),
 * open addressing, 0 = empty. */
struct diff_codes {
	uint64_t *h;
	size_t cap, n;
};

static void diff_codes_free(struct diff_codes *s)
{
	trex_free(s->h);
	memset(s, 0, sizeof(*s));
}

static bool diff_codes_has(const struct diff_codes *s, uint64_t h)
{
	h += !h;
	if (!s->cap)
		return false;
	for (size_t i = h & (s->cap - 1); s->h[i]; i = (i + 1) & (s->cap - 1))
		if (s->h[i] == h)
			return true;
	return false;
}

static int diff_codes_add(struct diff_codes *s, uint64_t h)
{
	size_t i;

	h += !h;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *nh = trex_calloc(cap, sizeof(*nh));
		if (!nh)
			return -ENOMEM;
		for (size_t k = 0; k < s->cap; k++) {
			if (!s->h[k])
				continue;
			for (i = s->h[k] & (cap - 1); nh[i]; i = (i + 1) & (cap - 1))
				;
			nh[i] = s->h[k];
		}
		trex_free(s->h);
		s->h = nh;
		s->cap = cap;
	}
	for (i = h & (s->cap - 1); s->h[i]; i = (i + 1) & (s->cap - 1))
		if (s->h[i] == h)
			return 0;
	s->h[i] = h;
	s->n++;
	return 0;
}

/* One table released earlier that compares with the checked one: the
 * columns paired with the declared dimensions and the measures, its rows
 * indexed by their codes, which of them the checked table matched, and
 * the smallest |new - previous| above 0 over the cells so far. */
struct diff_prev {
	struct csv_table p;
	int pcols[MANIFEST_MAX_DIMS]; /* -1: to pair by content */
	int pm[DIFF_MAX_MEASURES];
	size_t npm;
	bool named_measure; /* pm[0] has the checked table's measure name */
	size_t cap;
	size_t *slots;  /* row + 1, 0 = empty */
	bool *matched;
	double min_diff; /* 0: no cell differs yet */
	char *name;     /* below --previous, for the reason */
};

/* A table to pair by content once the checked table's codes are known
 * (streamed check): where it is and how the reason names it. It is read
 * again then, rather than held meanwhile, so that the tables of a
 * project that pair with nothing are never in memory together. */
struct diff_pending {
	char *path, *name;
	const char *what;
};

static void diff_prev_free(struct diff_prev *d)
{
	csv_free(&d->p);
	trex_free(d->slots);
	trex_free(d->matched);
	trex_free(d->name);
	memset(d, 0, sizeof(*d));
}

static void diff_pending_free(struct diff_state *ds)
{
	for (size_t i = 0; i < ds->npending; i++) {
		trex_free(ds->pending[i].path);
		trex_free(ds->pending[i].name);
	}
	trex_free(ds->pending);
	ds->pending = NULL;
	ds->npending = 0;
}

void diff_free(struct diff_state *ds)
{
	for (size_t i = 0; i < ds->n; i++)
		diff_prev_free(&ds->v[i]);
	trex_free(ds->v);
	trex_free(ds->too_large);
	diff_pending_free(ds);
	if (ds->tcodes)
		for (size_t k = 0; k < MANIFEST_MAX_DIMS; k++)
			diff_codes_free(&ds->tcodes[k]);
	trex_free(ds->tcodes);
	memset(ds, 0, sizeof(*ds));
}

/* d's rows indexed by their paired codes: 0, 1 when two rows share them
 * and unique was asked (the paired columns are not all its dimensions),
 * -ENOMEM. */
static int diff_index(struct diff_prev *d, size_t ndims, bool unique)
{
	size_t np = d->p.nrows;

	d->cap = 1;
	while (d->cap < np * 2 + 2)
		d->cap <<= 1;
	d->slots = trex_calloc(d->cap, sizeof(size_t));
	d->matched = trex_calloc(np + 1, sizeof(bool));
	if (!d->slots || !d->matched)
		return -ENOMEM;
	for (size_t r = 0; r < np; r++) {
		size_t i = diff_hash(&d->p, r, d->pcols, ndims) & (d->cap - 1);
		for (; d->slots[i]; i = (i + 1) & (d->cap - 1))
			if (unique && diff_same(&d->p, r, d->pcols, &d->p, d->slots[i] - 1, d->pcols,
						ndims))
				return 1;
		d->slots[i] = r + 1;
	}
	return 0;
}

/* "NAME, what" for the reasons */
static char *diff_name(const char *name, size_t len, const char *what)
{
	size_t n = len + strlen(what) + 3;
	char *s = trex_malloc(n);

	if (s)
		snprintf(s, n, "%.*s, %s", (int)len, name, what);
	return s;
}

static bool diff_is_dim(const struct diff_prev *d, size_t ndims, int col)
{
	for (size_t k = 0; k < ndims; k++)
		if (d->pcols[k] == col)
			return true;
	return false;
}

/* An earlier table paired by name whose rows repeat the paired codes
 * has dimensions the checked table has not: its margin over them is
 * what compares (the checked table may be that margin less a few
 * records). d->p becomes that margin: one row per paired key, its
 * measures summed over the rows of that key (a row whose other columns
 * are all named like a margin, "Total", is the sum itself; a part
 * withheld leaves the sum unknown: empty). 0, or -ENOMEM. */
static int diff_margin(struct diff_prev *d, size_t nd)
{
	const struct csv_table *p = &d->p;
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ size_t *first = trex_calloc(p->nrows + 1, sizeof(size_t));
	_cleanup_free_ double *sum = trex_calloc((p->nrows + 1) * d->npm, sizeof(double));
	_cleanup_free_ unsigned char *total = trex_calloc(p->nrows + 1, 1);
	struct csv_table m = {0};
	struct trex_err e = {0};
	size_t len = 0, nkeys = 0;
	FILE *f;

	if (!first || !sum || !total)
		return -ENOMEM;
	/* group the rows by key through the index (slots: the first row) */
	for (size_t r = 0; r < p->nrows; r++) {
		size_t i = diff_hash(p, r, d->pcols, nd) & (d->cap - 1), k;
		bool margin = true;
		for (size_t c = 0; c < p->ncols; c++)
			if (!diff_is_dim(d, nd, (int)c) && (size_t)d->pm[0] != c) {
				bool measure = false;
				for (size_t x = 0; x < d->npm; x++)
					measure |= (size_t)d->pm[x] == c;
				margin &= measure || sdc_margin_name(csv_field(p, r, c));
			}
		while (!diff_same(p, r, d->pcols, p, d->slots[i] - 1, d->pcols, nd))
			i = (i + 1) & (d->cap - 1);
		k = d->slots[i] - 1; /* the key's first row */
		if (k == r)
			first[nkeys++] = r;
		if (total[k] == 2)
			continue; /* its sum is given */
		for (size_t x = 0; x < d->npm; x++) {
			double v;
			if (margin && !total[k])
				sum[k * d->npm + x] = 0;
			if (sdc_parse_number(csv_field(p, r, (size_t)d->pm[x]), &v) != 0)
				v = NAN;
			sum[k * d->npm + x] = margin ? v : sum[k * d->npm + x] + v;
		}
		if (margin)
			total[k] = 2;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	for (size_t k = 0; k < nd; k++)
		fprintf(f, "d%zu,", k);
	for (size_t x = 0; x < d->npm; x++)
		fprintf(f, "%sm%zu", x ? "," : "", x);
	fputc('\n', f);
	for (size_t i = 0; i < nkeys; i++) {
		size_t r = first[i];
		for (size_t k = 0; k < nd; k++) {
			csv_write_field(f, csv_field(p, r, (size_t)d->pcols[k]));
			fputc(',', f);
		}
		for (size_t x = 0; x < d->npm; x++) {
			double v = sum[r * d->npm + x];
			if (x)
				fputc(',', f);
			if (!isnan(v))
				fprintf(f, "%.17g", v);
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0 || csv_parse_mem(text, len, "margin", &m, &e) < 0)
		return -ENOMEM;
	csv_free(&d->p);
	d->p = m;
	for (size_t k = 0; k < nd; k++)
		d->pcols[k] = (int)k;
	for (size_t x = 0; x < d->npm; x++)
		d->pm[x] = (int)(nd + x);
	trex_free(d->slots);
	trex_free(d->matched);
	d->slots = NULL;
	d->matched = NULL;
	return 0;
}

/* The columns of p, dimensions aside, holding only counts (non-negative
 * integers, or missing: withheld) and at least one: the measures when
 * none has the checked table's measure name. */
static void diff_counts(struct diff_prev *d, size_t ndims)
{
	for (size_t j = 0; j < d->p.ncols && d->npm < DIFF_MAX_MEASURES; j++) {
		bool count = true, any = false;

		if (diff_is_dim(d, ndims, (int)j))
			continue;
		for (size_t r = 0; r < d->p.nrows && count; r++) {
			const char *s = csv_field(&d->p, r, j);
			double v;

			if (sdc_is_missing(s))
				continue;
			any = true;
			count = sdc_parse_number(s, &v) == 0 && v >= 0 && v == floor(v);
		}
		if (count && any)
			d->pm[d->npm++] = (int)j;
	}
}

/* The checked table's codes of rows from..to-1, per dimension. */
static int diff_collect(struct diff_state *ds, const struct sdc_table *t,
			const struct csv_table *c, size_t from, size_t to)
{
	for (size_t r = from; r < to; r++)
		for (size_t k = 0; k < t->decl->ndims; k++)
			if (diff_codes_add(&ds->tcodes[k],
					   diff_hash_str(csv_field(c, r, (size_t)t->dim_col[k]),
							 1469598103934665603ull)) < 0)
				return -ENOMEM;
	return 0;
}

/* How alike two sets of codes are: |a & b| / |a | b| (Jaccard), or -1
 * when they do not share most codes of the smaller one (more than half:
 * a new category, or a code dropped, still leaves most of them). */
static double diff_alike(const struct diff_codes *a, const struct diff_codes *b)
{
	const struct diff_codes *s = a->n <= b->n ? a : b, *l = s == a ? b : a;
	size_t both = 0;

	for (size_t i = 0; i < s->cap; i++)
		both += s->h[i] && diff_codes_has(l, s->h[i]);
	return sdc_codes_alike(both, a->n, b->n) ? (double)both / (double)(a->n + b->n - both) : -1;
}

/* Pair d's unnamed dimensions by content (the top comment) with the
 * checked table's codes: 1 paired and indexed, 0 not comparable,
 * -ENOMEM. */
static int diff_pair_one(const struct diff_state *ds, const struct sdc_table *t,
			 struct diff_prev *d)
{
	size_t nd = t->decl->ndims, nc = d->p.ncols;
	static const double none = -1;
	double jac[MANIFEST_MAX_DIMS][CSV_MAX_COLS];
	struct diff_codes col = {0};
	int r = 0;

	for (size_t k = 0; k < nd; k++)
		for (size_t j = 0; j < nc; j++)
			jac[k][j] = none;
	for (size_t j = 0; j < nc && r == 0; j++) {
		if (diff_is_dim(d, nd, (int)j) || (d->named_measure && d->pm[0] == (int)j))
			continue;
		col.n = 0;
		if (col.h)
			memset(col.h, 0, col.cap * sizeof(*col.h));
		for (size_t row = 0; row < d->p.nrows && r == 0; row++)
			r = diff_codes_add(&col, diff_hash_str(csv_field(&d->p, row, j),
							       1469598103934665603ull));
		for (size_t k = 0; k < nd && r == 0; k++)
			if (d->pcols[k] < 0)
				jac[k][j] = diff_alike(&ds->tcodes[k], &col);
	}
	diff_codes_free(&col);
	if (r < 0)
		return r;
	/* the most alike pair first; ties to the earlier dimension, then
	 * the earlier column */
	for (;;) {
		size_t bk = 0, bj = 0;
		double best = none;

		for (size_t k = 0; k < nd; k++)
			for (size_t j = 0; j < nc; j++)
				if (d->pcols[k] < 0 && jac[k][j] > best) {
					best = jac[k][j];
					bk = k;
					bj = j;
				}
		if (best == none)
			break;
		d->pcols[bk] = (int)bj;
		for (size_t k = 0; k < nd; k++)
			jac[k][bj] = none;
	}
	for (size_t k = 0; k < nd; k++)
		if (d->pcols[k] < 0)
			return 0;
	if (!d->named_measure) {
		size_t w = 0;
		for (size_t m = 0; m < d->npm; m++)
			if (!diff_is_dim(d, nd, d->pm[m]))
				d->pm[w++] = d->pm[m];
		if (!(d->npm = w))
			return 0;
	}
	r = diff_index(d, nd, true);
	return r < 0 ? r : r == 0;
}

/* The checked table's codes: in the whole check, read from its rows
 * once, when the first table to pair by content comes; in the streamed
 * one, from the stream's codes at the end (diff_pair). */
static int diff_codes_start(struct diff_state *ds, const struct sdc_table *t)
{
	if (ds->tcodes)
		return 0;
	ds->tcodes = trex_calloc(MANIFEST_MAX_DIMS, sizeof(*ds->tcodes));
	if (!ds->tcodes)
		return -ENOMEM;
	return ds->whole ? diff_collect(ds, t, t->csv, 0, t->csv->nrows) : 0;
}

/* One released table at path: kept when it compares (its dimensions
 * paired by name or by content, and a measure); a header alone (large)
 * over the declared dimensions makes the checked table one for the
 * output checker. what = how the reason names it. In a streamed check,
 * a table to pair by content is left for diff_pair. */
static int diff_load(struct diff_state *ds, const struct sdc_table *t, const char *path,
		     const char *name, size_t name_len, const char *what, bool large,
		     struct trex_err *err)
{
	const char *mname = t->count_col >= 0 ? t->decl->count : t->decl->contributors;
	struct diff_prev d = {0};
	struct trex_err perr = {0};
	size_t nd = t->decl->ndims, unnamed = 0;
	struct diff_prev *v;
	int pm, r = 0;

	/* a previous release that no longer parses is not comparable */
	if (csv_read_file(path, &d.p, &perr) < 0)
		return 0;
	for (size_t k = 0; k < nd; k++)
		unnamed += (d.pcols[k] = csv_column(&d.p, t->decl->dims[k])) < 0;
	pm = csv_column(&d.p, mname);
	if (large) {
		/* its codes and counts are not here: only names can tell it
		 * is over the same dimensions, with some column beside them */
		bool same = !unnamed && d.p.ncols > nd;
		csv_free(&d.p);
		if (same && !ds->too_large && !(ds->too_large = diff_name(name, name_len, what)))
			return trex_err_set(err, -ENOMEM, "%s: differencing", t->name);
		return 0;
	}
	if (pm >= 0 && !diff_is_dim(&d, nd, pm)) {
		d.pm[d.npm++] = pm;
		d.named_measure = true;
	} else {
		diff_counts(&d, nd);
	}
	/* no measure, or too few columns left for the dimensions to pair */
	if (!d.npm || d.p.ncols < nd + 1) {
		csv_free(&d.p);
		return 0;
	}
	if (unnamed && !ds->whole) {
		struct diff_pending *pv = trex_reallocarray(ds->pending, ds->npending + 1,
							    sizeof(*pv));
		csv_free(&d.p);
		if (pv)
			ds->pending = pv;
		if (!pv || diff_codes_start(ds, t) < 0 ||
		    !(pv[ds->npending].path = trex_strdup(path)))
			return trex_err_set(err, -ENOMEM, "%s: differencing", t->name);
		if (!(pv[ds->npending].name = trex_strndup(name, name_len))) {
			trex_free(pv[ds->npending].path);
			return trex_err_set(err, -ENOMEM, "%s: differencing", t->name);
		}
		pv[ds->npending++].what = what;
		return 0;
	}
	if (unnamed) {
		r = diff_codes_start(ds, t);
		if (r == 0)
			r = diff_pair_one(ds, t, &d);
		if (r == 0) { /* not comparable */
			diff_prev_free(&d);
			return 0;
		}
	} else {
		/* keys that repeat: an extra dimension, compared by its margin */
		r = diff_index(&d, nd, true);
		if (r == 1) {
			trex_free(d.slots);
			trex_free(d.matched);
			r = diff_index(&d, nd, false);
			if (r == 0)
				r = diff_margin(&d, nd);
			if (r == 0)
				r = diff_index(&d, nd, false);
		}
	}
	d.name = diff_name(name, name_len, what);
	v = r >= 0 && d.name ? trex_reallocarray(ds->v, ds->n + 1, sizeof(*v)) : NULL;
	if (!v) {
		diff_prev_free(&d);
		return trex_err_set(err, -ENOMEM, "%s: differencing", t->name);
	}
	ds->v = v;
	ds->v[ds->n++] = d;
	return 0;
}

static int diff_start(const struct sdc_table *t, const char *prevdir,
		      const struct diff_siblings *sib, bool whole, struct diff_state *ds,
		      struct trex_err *err)
{
	const char *mname = t->count_col >= 0 ? t->decl->count : t->decl->contributors;
	char *paths[] = {(char *)prevdir, NULL};
	FTS *fts;
	FTSENT *e;
	int r = 0;

	memset(ds, 0, sizeof(*ds));
	ds->whole = whole;
	ds->mcol = t->count_col >= 0 ? t->count_col : t->contrib_col;
	if (ds->mcol < 0 || !mname || !t->decl->ndims ||
	    (t->decl->kind != KIND_FREQUENCY && t->decl->kind != KIND_MAGNITUDE &&
	     (t->decl->kind != KIND_SUMMARY || t->count_col < 0)))
		return 0;
	for (size_t k = 0; sib && k < sib->n && r == 0; k++)
		r = diff_load(ds, t, sib->path[k], sib->name[k], strlen(sib->name[k]),
			      "another output of this job", false, err);
	fts = r == 0 && prevdir ? fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL) : NULL;
	while (fts && r == 0 && (e = fts_read(fts))) {
		size_t len = strlen(e->fts_path);
		/* runner/previous.c: a release too large to copy comes as its
		 * header line alone, named NAME.csv.toolarge */
		bool large = len > 14 && !strcmp(e->fts_path + len - 13, ".csv.toolarge");
		const char *name;

		if (e->fts_info != FTS_F || len < 5 || (strcmp(e->fts_path + len - 4, ".csv") && !large))
			continue;
		name = e->fts_path + strlen(prevdir);
		while (*name == '/')
			name++;
		r = diff_load(ds, t, e->fts_path, name,
			      len - (size_t)(name - e->fts_path) - (large ? 9 : 0),
			      "released earlier for this project", large, err);
	}
	if (fts)
		fts_close(fts);
	if (r < 0)
		diff_free(ds);
	return r;
}

int diff_open(const struct sdc_table *t, const char *prevdir, const struct diff_siblings *sib,
	      struct diff_state *ds, struct trex_err *err)
{
	return diff_start(t, prevdir, sib, false, ds, err);
}

int diff_pair(struct diff_state *ds, const struct sdc_table *t, const struct codes *dims,
	      struct trex_err *err)
{
	size_t before = ds->n;
	int r = 0;

	if (!ds->npending)
		return 0;
	/* the checked table's codes, from the stream's own: no row hashed
	 * twice */
	for (size_t k = 0; k < t->decl->ndims && r == 0; k++)
		for (uint32_t c = 0; c < dims[k].n && r == 0; c++)
			r = diff_codes_add(&ds->tcodes[k], diff_hash_str(codes_text(&dims[k], c),
									 1469598103934665603ull));
	/* then pair as the whole check does */
	ds->whole = true;
	for (size_t i = 0; i < ds->npending && r == 0; i++)
		r = diff_load(ds, t, ds->pending[i].path, ds->pending[i].name,
			      strlen(ds->pending[i].name), ds->pending[i].what, false, err);
	diff_pending_free(ds);
	if (r == -ENOMEM)
		trex_err_set(err, r, "%s: differencing", t->name);
	return r < 0 ? r : ds->n > before;
}

static void diff_note(struct diff_prev *d, double delta)
{
	delta = fabs(delta);
	if (delta > 0 && (d->min_diff == 0 || delta < d->min_diff))
		d->min_diff = delta;
}

/* The checked table's measure on row r: what leaves (a rounded count,
 * round.c) under a rounding pack, else the file's text. */
static const char *diff_value(const struct diff_state *ds, const struct sdc_table *t,
			      const struct csv_table *c, size_t r)
{
	const struct sdc_result *res = ds->released;
	const char *s = NULL;

	if (res)
		s = ds->mcol == t->count_col ? res->replace[r]
		    : res->replace_contrib   ? res->replace_contrib[r]
					     : NULL;
	return s ? s : csv_field(c, r, (size_t)ds->mcol);
}

/* Rows from..to-1 of c (the checked table, or a batch of it): each
 * cell's |new - previous| against every paired previous table and each
 * of its measures, skipping unknown (suppressed) cells. */
void diff_rows(struct diff_state *ds, const struct sdc_table *t, const struct csv_table *c,
	       size_t from, size_t to)
{
	for (size_t k = 0; k < ds->n; k++) {
		struct diff_prev *d = &ds->v[k];
		for (size_t r = from; r < to; r++) {
			double nv, pv;
			size_t i;
			long hit = -1;

			for (i = diff_hash(c, r, t->dim_col, t->decl->ndims) & (d->cap - 1);
			     d->slots[i]; i = (i + 1) & (d->cap - 1))
				if (diff_same(c, r, t->dim_col, &d->p, d->slots[i] - 1, d->pcols,
					      t->decl->ndims)) {
					hit = (long)d->slots[i] - 1;
					break;
				}
			if (ds->released && ds->released->state[r] != CELL_OK &&
			    ds->released->state[r] != CELL_ROUNDED) {
				/* withheld here: skipped, as a withheld earlier cell is */
				if (hit >= 0)
					d->matched[hit] = true;
				continue;
			}
			if (sdc_parse_number(diff_value(ds, t, c, r), &nv) != 0)
				continue;
			if (hit < 0) {
				diff_note(d, nv);
				continue;
			}
			d->matched[hit] = true;
			for (size_t m = 0; m < d->npm; m++)
				if (sdc_parse_number(csv_field(&d->p, (size_t)hit, (size_t)d->pm[m]),
						     &pv) == 0)
					diff_note(d, nv - pv);
		}
	}
}

/* The previous tables' cells the checked one did not have (absent = 0),
 * then the verdict: held when a cell of some table differs by less than
 * the threshold. */
void diff_finish(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		 struct diff_state *ds)
{
	if (ds->too_large) {
		sdc_reason(res, "differencing", SDC_REVIEW,
			   "differencing: %.160s, over the same dimensions, is too large to compare with",
			   ds->too_large);
		snprintf(res->summary, sizeof(res->summary),
			 "held for review: differencing with an earlier release");
	}
	for (size_t k = 0; k < ds->n; k++) {
		struct diff_prev *d = &ds->v[k];

		for (size_t r = 0; r < d->p.nrows; r++) {
			double pv;
			if (d->matched[r])
				continue;
			for (size_t m = 0; m < d->npm; m++)
				if (sdc_parse_number(csv_field(&d->p, r, (size_t)d->pm[m]), &pv) == 0)
					diff_note(d, pv);
		}
		if (d->min_diff > 0 && d->min_diff < (double)pol->safe_threshold) {
			sdc_reason(res, "differencing", SDC_REVIEW,
				   "differencing: a cell differs from the same cell of %.160s, over the same dimensions, by fewer than %ld units: the difference is a group below the threshold",
				   d->name, pol->safe_threshold);
			snprintf(res->summary, sizeof(res->summary),
				 "held for review: differencing with an earlier release");
		}
	}
}

int diff_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
	       const char *prevdir, const struct diff_siblings *sib, struct trex_err *err)
{
	struct diff_state ds;
	int r = diff_start(t, prevdir, sib, true, &ds, err);

	if (r < 0)
		return r;
	if (pol->method == POLICY_ROUND)
		ds.released = res;
	diff_rows(&ds, t, t->csv, 0, t->csv->nrows);
	diff_finish(pol, t, res, &ds);
	diff_free(&ds);
	return 0;
}
