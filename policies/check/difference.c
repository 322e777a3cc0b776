/* Differencing: a table released beside one already released for the
 * same project, over the same dimensions, lets anyone subtract the two,
 * cell by cell: "all patients" then "all patients but those over 90"
 * gives the over-90s by every category, and one cell of that difference
 * table below the threshold is a small group, however large the others
 * are (a new "Unknown" row of 50 does not hide a cell that lost 2). So a
 * table is held when some cell, totals included, differs from the same
 * cell of an earlier table by more than 0 and less than the threshold.
 * Tables of unrelated populations over the same dimension columns may be
 * held too: that is for the output checker, who sees which tables they
 * are. Previously released tables are read from --previous DIR (trexd
 * binds the project's release area there); one matches when its header
 * has every declared dimension and the measure column (count, else
 * contributors). A cell absent on one side counts 0; a suppressed (empty)
 * cell on either side is unknown and skipped. */
#include "sdc.h"

#include <errno.h>
#include <fts.h>
#include <stdio.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

static uint64_t diff_hash(const struct csv_table *c, size_t row, const int *cols, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t d = 0; d < n; d++) {
		for (const char *s = csv_field(c, row, (size_t)cols[d]); *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ull;
		h = (h ^ 0x1f) * 1099511628211ull;
	}
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

/* One table released earlier that compares with the checked one: its
 * rows indexed by their codes, which of them the checked table matched,
 * and the smallest |new - previous| above 0 over the cells so far. */
struct diff_prev {
	struct csv_table p;
	int pcols[MANIFEST_MAX_DIMS], pm;
	size_t cap;
	size_t *slots;  /* row + 1, 0 = empty */
	bool *matched;
	double min_diff; /* 0: no cell differs yet */
	char *name;     /* below --previous, for the reason */
};

void diff_free(struct diff_state *ds)
{
	for (size_t i = 0; i < ds->n; i++) {
		csv_free(&ds->v[i].p);
		trex_free(ds->v[i].slots);
		trex_free(ds->v[i].matched);
		trex_free(ds->v[i].name);
	}
	trex_free(ds->v);
	trex_free(ds->too_large);
	memset(ds, 0, sizeof(*ds));
}

static int diff_add(struct diff_state *ds, const struct sdc_table *t, struct diff_prev *d,
		    struct trex_err *err)
{
	size_t np = d->p.nrows;
	struct diff_prev *v;

	d->cap = 1;
	while (d->cap < np * 2 + 2)
		d->cap <<= 1;
	d->slots = trex_calloc(d->cap, sizeof(size_t));
	d->matched = trex_calloc(np + 1, sizeof(bool));
	v = trex_reallocarray(ds->v, ds->n + 1, sizeof(*v));
	if (!d->slots || !d->matched || !d->name || !v) {
		if (v)
			ds->v = v;
		csv_free(&d->p);
		trex_free(d->slots);
		trex_free(d->matched);
		trex_free(d->name);
		return trex_err_set(err, -ENOMEM, "%s: differencing", t->name);
	}
	for (size_t r = 0; r < np; r++) {
		size_t i = diff_hash(&d->p, r, d->pcols, t->decl->ndims) & (d->cap - 1);
		while (d->slots[i])
			i = (i + 1) & (d->cap - 1);
		d->slots[i] = r + 1;
	}
	ds->v = v;
	ds->v[ds->n++] = *d;
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

/* One released table at path: added when its header has every declared
 * dimension and the measure (a header alone, large, makes the checked
 * table one for the output checker); what = how the reason names it. */
static int diff_load(struct diff_state *ds, const struct sdc_table *t, const char *mname,
		     const char *path, const char *name, size_t name_len, const char *what,
		     bool large, struct trex_err *err)
{
	struct diff_prev d = {0};
	struct trex_err perr = {0};
	bool ok = true;

	/* a previous release that no longer parses is not comparable */
	if (csv_read_file(path, &d.p, &perr) < 0)
		return 0;
	for (size_t k = 0; k < t->decl->ndims && ok; k++)
		ok = (d.pcols[k] = csv_column(&d.p, t->decl->dims[k])) >= 0;
	d.pm = csv_column(&d.p, mname);
	if (!ok || d.pm < 0 || large) {
		csv_free(&d.p);
		if (ok && d.pm >= 0 && !ds->too_large &&
		    !(ds->too_large = diff_name(name, name_len, what)))
			return trex_err_set(err, -ENOMEM, "%s: differencing", t->name);
		return 0;
	}
	d.name = diff_name(name, name_len, what); /* NULL: diff_add says ENOMEM */
	return diff_add(ds, t, &d, err);
}

int diff_open(const struct sdc_table *t, const char *prevdir, const struct diff_siblings *sib,
	      struct diff_state *ds, struct trex_err *err)
{
	const char *mname = t->count_col >= 0 ? t->decl->count : t->decl->contributors;
	char *paths[] = {(char *)prevdir, NULL};
	FTS *fts;
	FTSENT *e;
	int r = 0;

	memset(ds, 0, sizeof(*ds));
	ds->mcol = t->count_col >= 0 ? t->count_col : t->contrib_col;
	if (ds->mcol < 0 || !mname || !t->decl->ndims ||
	    (t->decl->kind != KIND_FREQUENCY && t->decl->kind != KIND_MAGNITUDE &&
	     (t->decl->kind != KIND_SUMMARY || t->count_col < 0)))
		return 0;
	for (size_t k = 0; sib && k < sib->n && r == 0; k++)
		r = diff_load(ds, t, mname, sib->path[k], sib->name[k], strlen(sib->name[k]),
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
		r = diff_load(ds, t, mname, e->fts_path, name,
			      len - (size_t)(name - e->fts_path) - (large ? 9 : 0),
			      "released earlier for this project", large, err);
	}
	if (fts)
		fts_close(fts);
	if (r < 0)
		diff_free(ds);
	return r;
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
 * cell's |new - previous| against every previous table, skipping unknown
 * (suppressed) cells. */
void diff_rows(struct diff_state *ds, const struct sdc_table *t, const struct csv_table *c,
	       size_t from, size_t to)
{
	for (size_t k = 0; k < ds->n; k++) {
		struct diff_prev *d = &ds->v[k];
		for (size_t r = from; r < to; r++) {
			double nv, pv = 0;
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
			if (hit >= 0) {
				d->matched[hit] = true;
				if (sdc_parse_number(csv_field(&d->p, (size_t)hit, (size_t)d->pm), &pv) !=
				    0)
					continue;
			}
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
			if (d->matched[r] || sdc_parse_number(csv_field(&d->p, r, (size_t)d->pm), &pv) != 0)
				continue;
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
	int r = diff_open(t, prevdir, sib, &ds, err);

	if (r < 0)
		return r;
	if (pol->method == POLICY_ROUND)
		ds.released = res;
	diff_rows(&ds, t, t->csv, 0, t->csv->nrows);
	diff_finish(pol, t, res, &ds);
	diff_free(&ds);
	return 0;
}
