/* Differencing: a table that differs from one already released for the
 * same project, over the same dimensions, by fewer units in total than the
 * threshold lets anyone subtract the two and see a group smaller than the
 * threshold (e.g. "all patients" then "all patients but those over 90").
 * Previously released tables are read from --previous DIR (trexd binds the
 * project's release area there); one matches when its header has every
 * declared dimension and the measure column (count, else contributors).
 * Suppressed (empty) cells on either side are unknown and skipped. */
#include "sdc.h"

#include <errno.h>
#include <fts.h>
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

static bool diff_is_total(const struct sdc_table *t, const struct csv_table *c, size_t row,
			  const int *cols)
{
	for (size_t d = 0; d < t->decl->ndims; d++)
		if (manifest_is_total(t->decl, t->decl->dims[d], csv_field(c, row, (size_t)cols[d])))
			return true;
	return false;
}

/* Sum over cells of |new - previous| (absent = 0), skipping totals and
 * unknown (suppressed) cells; -1 when the tables do not compare. */
static double diff_distance(const struct sdc_table *t, int mcol, const struct csv_table *p,
			    const int *pcols, int pm, struct trex_err *err, int *rc)
{
	const struct csv_table *c = t->csv;
	size_t cap = 1, np = p->nrows;
	_cleanup_free_ size_t *slots = NULL;
	_cleanup_free_ bool *matched = NULL;
	double sum = 0;

	*rc = 0;
	while (cap < np * 2 + 2)
		cap <<= 1;
	slots = trex_calloc(cap, sizeof(size_t));
	matched = trex_calloc(np + 1, sizeof(bool));
	if (!slots || !matched) {
		*rc = trex_err_set(err, -ENOMEM, "%s: differencing", t->name);
		return -1;
	}
	for (size_t r = 0; r < np; r++) {
		size_t i = diff_hash(p, r, pcols, t->decl->ndims) & (cap - 1);
		while (slots[i])
			i = (i + 1) & (cap - 1);
		slots[i] = r + 1;
	}
	for (size_t r = 0; r < c->nrows; r++) {
		double nv, pv = 0;
		size_t i;
		long hit = -1;

		if (diff_is_total(t, c, r, t->dim_col))
			continue;
		for (i = diff_hash(c, r, t->dim_col, t->decl->ndims) & (cap - 1); slots[i];
		     i = (i + 1) & (cap - 1))
			if (diff_same(c, r, t->dim_col, p, slots[i] - 1, pcols, t->decl->ndims)) {
				hit = (long)slots[i] - 1;
				break;
			}
		if (sdc_parse_number(csv_field(c, r, (size_t)mcol), &nv) != 0)
			continue;
		if (hit >= 0) {
			matched[hit] = true;
			if (sdc_parse_number(csv_field(p, (size_t)hit, (size_t)pm), &pv) != 0)
				continue;
		}
		sum += fabs(nv - pv);
	}
	for (size_t r = 0; r < np; r++) {
		double pv;
		if (matched[r] || diff_is_total(t, p, r, pcols) ||
		    sdc_parse_number(csv_field(p, r, (size_t)pm), &pv) != 0)
			continue;
		sum += fabs(pv);
	}
	return sum;
}

int diff_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
	       const char *prevdir, struct trex_err *err)
{
	int mcol = t->count_col >= 0 ? t->count_col : t->contrib_col;
	const char *mname = t->count_col >= 0 ? t->decl->count : t->decl->contributors;
	char *paths[] = {(char *)prevdir, NULL};
	FTS *fts;
	FTSENT *e;
	int r = 0;

	if (mcol < 0 || !mname || !t->decl->ndims ||
	    (t->decl->kind != KIND_FREQUENCY && t->decl->kind != KIND_MAGNITUDE))
		return 0;
	fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	if (!fts)
		return 0; /* nothing released yet */
	while (r == 0 && (e = fts_read(fts))) {
		size_t len = strlen(e->fts_path);
		struct csv_table p;
		struct trex_err perr = {0};
		int pcols[MANIFEST_MAX_DIMS], pm, rc;
		bool ok = true;
		double dist;

		if (e->fts_info != FTS_F || len < 5 || strcmp(e->fts_path + len - 4, ".csv"))
			continue;
		/* a previous release that no longer parses is not comparable */
		if (csv_read_file(e->fts_path, &p, &perr) < 0)
			continue;
		for (size_t d = 0; d < t->decl->ndims && ok; d++)
			ok = (pcols[d] = csv_column(&p, t->decl->dims[d])) >= 0;
		pm = csv_column(&p, mname);
		if (ok && pm >= 0) {
			dist = diff_distance(t, mcol, &p, pcols, pm, err, &rc);
			if (rc < 0) {
				r = rc;
			} else if (dist > 0 && dist < (double)pol->safe_threshold) {
				const char *name = e->fts_path + strlen(prevdir);
				while (*name == '/')
					name++;
				sdc_reason(res, "differencing: differs from %.120s, released earlier for this project over the same dimensions, by fewer than %ld units in total: the difference is a group below the threshold",
					   name, pol->safe_threshold);
				sdc_worsen(res, SDC_REVIEW);
				snprintf(res->summary, sizeof(res->summary),
					 "held for review: differencing with an earlier release");
			}
		}
		csv_free(&p);
	}
	fts_close(fts);
	return r;
}
