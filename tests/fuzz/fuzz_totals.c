/* Fuzz target: tables with declared totals and hierarchies (suppress.c,
 * audit.c). The input drives a generator of a manifest entry -- total
 * codes per dimension that occur, that never occur, or for one dimension
 * only; hierarchies whose parents or children are absent -- and of a
 * table over those codes: true margins, wrong ones, missing cells and
 * counts, small cells. The whole check runs on it; it must not crash
 * (issue 14: declared totals that never occur crashed the audit), and
 * when the table leaves, no primary-suppressed cell may be pinned to one
 * value by the margins released beside it (the LP audit, rerun here on
 * the final pattern, gives every primary cell an interval wider than a
 * point). */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/check/manifest.h"
#include "policies/check/policy.h"
#include "policies/check/sdc.h"

#include "tests/fuzz/fuzz_gen.h"

struct text {
	char *s;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		if (!t->s)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

#define MAXD 3
#define MAXC 6

struct shape {
	size_t nd, card[MAXD]; /* codes per dimension, the total included */
	bool has_total[MAXD];  /* the last code is a declared total */
	bool total_absent[MAXD]; /* declared, but no row carries it */
	bool hier[MAXD];       /* a hierarchy: Total -> the first two codes */
	bool ghost_kid[MAXD];  /* ... and a child no row carries */
};

static void code_name(const struct shape *s, size_t d, size_t i, char *out, size_t n)
{
	if (s->has_total[d] && i == s->card[d] - 1)
		snprintf(out, n, "Total");
	else
		snprintf(out, n, "%c%zu", 'a' + (int)d, i);
}

static void gen_manifest(struct gen *g, const struct shape *s, struct text *m)
{
	static const char *const dims[] = {"region", "age", "sex"};
	bool any = false;

	put(m, "{\"path\":\"t.csv\",\"kind\":\"frequency_table\",\"count\":\"n\",\"dimensions\":[");
	for (size_t d = 0; d < s->nd; d++)
		put(m, "%s\"%s\"", d ? "," : "", dims[d]);
	put(m, "]");
	for (size_t d = 0; d < s->nd; d++)
		if (s->has_total[d]) {
			put(m, "%s\"%s\":[\"Total\"%s]", any ? "," : ",\"total_codes\":{", dims[d],
			    gen_below(g, 4) == 0 ? ",\"All\"" : "");
			any = true;
		}
	if (any)
		put(m, "}");
	any = false;
	for (size_t d = 0; d < s->nd; d++)
		if (s->hier[d]) {
			char a[8], b[8];
			code_name(s, d, 0, a, sizeof(a));
			code_name(s, d, 1, b, sizeof(b));
			put(m, "%s\"%s\":{\"Total\":[\"%s\",\"%s\"%s]}", any ? "," : ",\"hierarchies\":{",
			    dims[d], a, b, s->ghost_kid[d] ? ",\"zz\"" : "");
			any = true;
		}
	if (any)
		put(m, "}");
	put(m, "}");
}

/* The grid's counts: small and large inner cells, totals the sums of
 * their parts (sometimes off, sometimes missing), a few cells absent. */
static void gen_table(struct gen *g, const struct shape *s, struct text *t)
{
	static const char *const dims[] = {"region", "age", "sex"};
	size_t nrows = 1, idx[MAXD];
	long *v;

	for (size_t d = 0; d < s->nd; d++) {
		put(t, "%s,", dims[d]);
		nrows *= s->card[d];
	}
	put(t, "n\n");
	v = calloc(nrows, sizeof(*v));
	if (!v)
		abort();
	/* inner cells first, then totals in order of how many dimensions
	 * they total (a row index's digits, last dimension fastest) */
	for (size_t pass = 0; pass <= s->nd; pass++)
		for (size_t r = 0; r < nrows; r++) {
			size_t q = r, ntot = 0, td = 0;
			for (size_t d = s->nd; d-- > 0;) {
				idx[d] = q % s->card[d];
				q /= s->card[d];
				if (s->has_total[d] && idx[d] == s->card[d] - 1) {
					ntot++;
					td = d;
				}
			}
			if (ntot != pass)
				continue;
			if (ntot == 0) {
				uint32_t k = gen_below(g, 10);
				v[r] = k < 3 ? (long)gen_below(g, 10) : 10 + (long)gen_below(g, 200);
				continue;
			}
			/* the sum over the first total dimension's other codes
			 * (or the hierarchy's children) */
			size_t stride = 1;
			for (size_t d = s->nd; --d > td;)
				stride *= s->card[d];
			long sum = 0;
			size_t nk = s->hier[td] ? 2 : s->card[td] - 1;
			for (size_t k = 0; k < nk; k++)
				sum += v[r - (idx[td] - k) * stride];
			v[r] = sum + (gen_below(g, 12) == 0 ? 1 + (long)gen_below(g, 3) : 0);
		}
	for (size_t r = 0; r < nrows; r++) {
		size_t q = r;
		bool absent = false;
		char code[MAXD][8];
		for (size_t d = s->nd; d-- > 0;) {
			idx[d] = q % s->card[d];
			q /= s->card[d];
			code_name(s, d, idx[d], code[d], sizeof(code[d]));
			absent |= s->total_absent[d] && s->has_total[d] && idx[d] == s->card[d] - 1;
		}
		if (absent || (gen_below(g, 14) == 0 && nrows > 2))
			continue;
		for (size_t d = 0; d < s->nd; d++)
			put(t, "%s,", code[d]);
		if (gen_below(g, 30) == 0)
			put(t, "NA\n");
		else
			put(t, "%ld\n", v[r]);
	}
	free(v);
}

/* A released table: the LP audit of the final pattern, every primary
 * cell an interval wider than a point. */
static void check_released(const struct sdc_table *t, const struct sdc_result *res,
			   const char *text)
{
	struct sdc_margins m;
	struct trex_err err = {0};
	double *lo, *hi;
	size_t n = t->csv->nrows;

	if (margineqs_build(t, &m, &err) < 0)
		abort();
	lo = calloc(n + 1, sizeof(*lo));
	hi = calloc(n + 1, sizeof(*hi));
	if (!lo || !hi || audit_intervals(&m, res->state, lo, hi, &err) < 0)
		abort();
	for (size_t r = 0; r < n; r++)
		if (res->state[r] == CELL_PRIMARY && !isnan(m.value[r]) && hi[r] - lo[r] < 0.5) {
			fprintf(stderr, "released with row %zu pinned to [%g, %g]\n--- table\n%s",
				r + 1, lo[r], hi[r], text);
			abort();
		}
	free(lo);
	free(hi);
	margineqs_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gen g = {data, size, 0, 0x9e3779b97f4a7c15ull};
	struct shape s = {0};
	struct text mt = {0}, tt = {0};
	struct policy pol;
	struct output_decl decl;
	struct trex_err err = {0};
	struct csv_table csv;
	struct sdc_table t;
	struct sdc_result res;
	json_t *dj;
	FILE *f;

	s.nd = 1 + gen_below(&g, MAXD);
	for (size_t d = 0; d < s.nd; d++) {
		s.has_total[d] = gen_below(&g, 3) != 0;
		s.card[d] = 2 + gen_below(&g, MAXC - 1);
		s.total_absent[d] = s.has_total[d] && gen_below(&g, 4) == 0;
		s.hier[d] = s.has_total[d] && s.card[d] >= 4 && gen_below(&g, 4) == 0;
		s.ghost_kid[d] = s.hier[d] && gen_below(&g, 2);
	}
	gen_manifest(&g, &s, &mt);
	gen_table(&g, &s, &tt);
	policy_defaults(&pol);
	if (gen_below(&g, 2))
		pol.safe_threshold = 3 + gen_below(&g, 10);
	dj = json_loads(mt.s, 0, NULL);
	if (!dj)
		abort();
	if (manifest_decl_from_json(dj, "fuzz", 0, &decl, &err) < 0) {
		/* the generator only writes valid declarations */
		fprintf(stderr, "%s\n%s\n", err.msg, mt.s);
		abort();
	}
	json_decref(dj);
	f = fmemopen(tt.s, tt.len, "rb");
	if (!f)
		abort();
	if (csv_read_stream(f, "t.csv", &csv, &err) == 0) {
		if (sdc_table_open(&t, &csv, &decl, "t.csv", &err) == 0) {
			if (sdc_result_init(&res, csv.nrows) < 0)
				abort();
			if (sdc_check(&pol, &t, &res, &err) == 0 &&
			    (res.verdict == SDC_PASS || res.verdict == SDC_SUPPRESSED))
				check_released(&t, &res, tt.s);
			sdc_result_free(&res);
		}
		csv_free(&csv);
	}
	fclose(f);
	manifest_decl_free(&decl);
	free(mt.s);
	free(tt.s);
	return 0;
}
