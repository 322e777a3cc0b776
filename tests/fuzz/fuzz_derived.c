/* Fuzz target: derived statistics (policies/check/derived.c, survival.c).
 * The input drives a generator of a summary table (a percentage and a
 * rate with their denominator, a mean with its largest contributions, a
 * second count), a regression with observations per term, or a survival
 * table (strata, steps, events, censored, estimates), with cells written
 * in every form a job may print (integers, decimals of any precision,
 * exponents, missing values, garbage, negatives). The check must not
 * crash, and what it releases must not give a small count back:
 *  - a summary row whose percentage was computed from a true count k of
 *    n, printed to any precision, is hidden when k or n - k is from 1 to
 *    the threshold - 1;
 *  - a survival table whose n at risk drops by 1 to threshold - 1 between
 *    two steps of a stratum never passes. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/check/manifest.h"
#include "policies/check/policy.h"
#include "policies/check/sdc.h"

struct gen {
	const uint8_t *data;
	size_t size, pos;
	uint64_t x;
};

static uint32_t gen_next(struct gen *g)
{
	if (g->pos < g->size)
		g->x = g->x * 6364136223846793005ull + g->data[g->pos++] + 1;
	g->x ^= g->x << 13;
	g->x ^= g->x >> 7;
	g->x ^= g->x << 17;
	return (uint32_t)(g->x >> 16);
}

static uint32_t gen_below(struct gen *g, uint32_t n)
{
	return n ? gen_next(g) % n : 0;
}

struct text {
	char s[16384];
	size_t len;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->s + t->len, sizeof(t->s) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->s) - t->len)
		abort(); /* the generator stays far below */
	t->len += (size_t)n;
}

/* A number as a job may print it, or (in a messy table) something that
 * is not one. */
static bool messy;

static void put_value(struct gen *g, struct text *t, double v)
{
	switch (messy ? gen_below(g, 12) : 2 + gen_below(g, 10)) {
	case 0:
		put(t, "NA");
		break;
	case 1:
		put(t, "x%u", gen_below(g, 100));
		break;
	case 2:
		put(t, "%.3e", v);
		break;
	case 3:
		if (messy)
			put(t, "-%g", v);
		else
			put(t, "%g", v);
		break;
	default:
		put(t, "%.*f", (int)gen_below(g, 5), v);
		break;
	}
}

#define ROWS 12

static void gen_summary(struct gen *g, struct text *m, struct text *t, long *k, long *n,
			int *dec)
{
	put(m, "{\"path\":\"t.csv\",\"kind\":\"summary_statistics\",\"dimensions\":[\"g\"],"
	       "\"count\":\"n\",\"derived\":{\"p\":{\"kind\":\"percentage\",\"denominator\":\"n\"},"
	       "\"r\":{\"kind\":\"rate\",\"denominator\":\"n\",\"per\":1000},"
	       "\"m\":{\"kind\":\"mean\",\"largest\":[\"x1\",\"x2\"]},\"c\":{\"kind\":\"count\"}}}");
	put(t, "g,n,p,r,m,x1,x2,c\n");
	for (size_t r = 0; r < ROWS; r++) {
		n[r] = 10 + gen_below(g, 3000);
		k[r] = gen_below(g, 4) == 0 ? gen_below(g, 12)
		       : gen_below(g, 8) == 0 ? n[r] - gen_below(g, 12)
		       : n[r] / 2;
		dec[r] = (int)gen_below(g, 5);
		/* the percentage from a true count, to some precision */
		put(t, "g%zu,%ld,%.*f,", r, n[r], dec[r], 100.0 * (double)k[r] / (double)n[r]);
		put_value(g, t, 1000.0 * gen_below(g, 50) / (double)n[r]);
		put(t, ",");
		put_value(g, t, gen_below(g, 100000) / 100.0);
		put(t, ",%u,%u,", gen_below(g, 3000), gen_below(g, 300));
		put_value(g, t, gen_below(g, 6) ? 10 + gen_below(g, 40) : gen_below(g, 10));
		put(t, "\n");
	}
}

static void gen_regression(struct gen *g, struct text *m, struct text *t)
{
	uint32_t nobs = 1 + gen_below(g, 200);

	put(m, "{\"path\":\"t.csv\",\"kind\":\"regression\",\"dof\":\"df\",\"observations\":\"k\"}");
	put(t, "term,coef,df,k\ni,1,%u,%u\n", nobs, nobs);
	for (size_t r = 0; r < ROWS; r++) {
		put(t, "t%zu,0.5,%u,", r, nobs);
		put_value(g, t, gen_below(g, 4) ? nobs / 2 : gen_below(g, nobs + 2));
		put(t, "\n");
	}
}

/* Survival: *drop is set when some step drops by 1 .. threshold - 1. */
static void gen_survival(struct gen *g, const struct policy *pol, struct text *m,
			 struct text *t, bool *drop)
{
	bool ev = gen_below(g, 2), ce = gen_below(g, 2), su = gen_below(g, 2);
	size_t strata = 1 + gen_below(g, 3);

	put(m, "{\"path\":\"t.csv\",\"kind\":\"survival_table\",\"dimensions\":[\"g\"],"
	       "\"time\":\"t\",\"at_risk\":\"n\"%s%s%s}",
	    ev ? ",\"events\":\"e\"" : "", ce ? ",\"censored\":\"c\"" : "",
	    su ? ",\"survival\":\"s\"" : "");
	put(t, "g,t,n%s%s%s\n", ev ? ",e" : "", ce ? ",c" : "", su ? ",s" : "");
	*drop = false;
	for (size_t s = 0; s < strata; s++) {
		long n = 200 + gen_below(g, 2000);
		double surv = 1;
		for (size_t r = 0; r < ROWS / strata; r++) {
			/* mostly 0 or at least the threshold, now and then small */
			long e = gen_below(g, 10) ? pol->safe_threshold + gen_below(g, (uint32_t)n / 3 + 1)
						  : gen_below(g, (uint32_t)pol->safe_threshold);
			long c = gen_below(g, 2) ? 0 : gen_below(g, 10) ? pol->safe_threshold + gen_below(g, 20)
									: gen_below(g, (uint32_t)pol->safe_threshold);
			surv *= 1 - (double)e / (double)n;
			put(t, "g%zu,%zu,%ld", s, r + 1, n);
			if (ev)
				put(t, ",%ld", e);
			if (ce)
				put(t, ",%ld", c);
			if (su)
				put(t, ",%.*f", gen_below(g, 8) ? 6 : 1 + (int)gen_below(g, 5), surv);
			put(t, "\n");
			if (r + 1 < ROWS / strata && e + c > 0 && e + c < pol->safe_threshold &&
			    n - e - c > 0)
				*drop = true;
			n -= e + c;
			if (n <= 0)
				break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gen g = {data, size, 0, 0x9e3779b97f4a7c15ull};
	static struct text mt, tt;
	struct output_decl decl;
	struct trex_err err;
	struct policy pol;
	struct csv_table csv;
	struct sdc_table t;
	struct sdc_result res;
	long k[ROWS], n[ROWS];
	int dec[ROWS];
	bool drop = false;
	uint32_t kind = gen_below(&g, 3);
	json_t *dj;

	mt.len = tt.len = 0;
	messy = gen_below(&g, 4) == 0;
	policy_defaults(&pol);
	if (gen_below(&g, 2))
		pol.safe_threshold = 3 + gen_below(&g, 10);
	pol.zeros_are_disclosive = gen_below(&g, 2);
	if (kind == 0)
		gen_summary(&g, &mt, &tt, k, n, dec);
	else if (kind == 1)
		gen_regression(&g, &mt, &tt);
	else
		gen_survival(&g, &pol, &mt, &tt, &drop);
	dj = json_loadb(mt.s, mt.len, 0, NULL);
	if (!dj || manifest_decl_from_json(dj, "fuzz", 0, &decl, &err) < 0) {
		/* the generator only writes valid declarations */
		fprintf(stderr, "%s\n%.*s\n", dj ? err.msg : "json", (int)mt.len, mt.s);
		abort();
	}
	json_decref(dj);
	if (csv_parse_mem(tt.s, tt.len, "t.csv", &csv, &err) == 0) {
		if (sdc_table_open(&t, &csv, &decl, "t.csv", &err) == 0) {
			if (sdc_result_init(&res, csv.nrows) < 0)
				abort();
			if (sdc_check(&pol, &t, &res, &err) == 0 &&
			    (res.verdict == SDC_PASS || res.verdict == SDC_SUPPRESSED)) {
				if (kind == 2 && drop)
					abort(); /* a survival step below the threshold left */
				for (size_t r = 0; kind == 0 && r < csv.nrows; r++) {
					long T = pol.safe_threshold;
					bool small = (k[r] > 0 && k[r] < T) ||
						     (n[r] - k[r] > 0 && n[r] - k[r] < T);
					if (small && res.state[r] != CELL_PRIMARY)
						abort(); /* pct x n gives a small count back */
				}
			}
			sdc_result_free(&res);
		}
		csv_free(&csv);
	}
	manifest_decl_free(&decl);
	return 0;
}
