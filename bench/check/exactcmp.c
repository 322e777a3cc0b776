/* exactcmp: how far trex-check's heuristic complement search is from the
 * least-loss pattern (mip.c), and what the exact search costs, on the
 * tables bench/bench-check.sh generates. For each FILE (with its manifest
 * MANIFEST, the default pack): the check with the heuristic alone, then
 * with the exact search where the table is small enough, each run RUNS
 * times (median wall time); then the exact search alone from the
 * heuristic's pattern, to tell whether the heuristic's pattern was
 * already optimal. One JSON line per table:
 *   {"file", "cells", "primary", "candidates",
 *    "heuristic": {"value", "secondary", "totals", "ms", "verdict"},
 *    "exact": {"value", "secondary", "ms", "verdict"},
 *    "search": "optimal" | "heuristic optimal" | "limit" | "too large" | "none",
 *    "search_ms", "rounds", "nodes", "cuts"}
 * usage: exactcmp RUNS MANIFEST FILE [MANIFEST FILE ...] (cwd: the files'). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policies/check/mip.h"
#include "policies/check/sdc.h"

struct run {
	double value, ms;
	size_t secondary, primary;
	enum sdc_verdict verdict;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One check of the table; the hidden value of its complements. */
static int check_once(const struct policy *pol, const struct sdc_table *t, struct run *out)
{
	struct sdc_result res;
	struct sdc_margins m;
	struct trex_err err = {0};
	double t0;

	if (sdc_result_init(&res, t->csv->nrows) < 0)
		return -1;
	t0 = now_ms();
	if (sdc_check(pol, t, &res, &err) < 0) {
		fprintf(stderr, "exactcmp: %s\n", err.msg);
		sdc_result_free(&res);
		return -1;
	}
	out->ms = now_ms() - t0;
	if (margineqs_build(t, &m, &err) < 0) {
		sdc_result_free(&res);
		return -1;
	}
	out->value = 0;
	out->secondary = res.nsecondary;
	out->primary = res.nprimary;
	out->verdict = res.verdict;
	for (size_t r = 0; r < t->csv->nrows; r++)
		if (res.state[r] == CELL_SECONDARY)
			out->value += m.value[r];
	margineqs_free(&m);
	sdc_result_free(&res);
	return 0;
}

static int check_runs(const struct policy *pol, const struct sdc_table *t, int runs,
		      struct run *out)
{
	double ms[64];

	for (int i = 0; i < runs; i++) {
		if (check_once(pol, t, out) < 0)
			return -1;
		ms[i] = out->ms;
	}
	qsort(ms, (size_t)runs, sizeof(double), cmp_double);
	out->ms = ms[runs / 2];
	return 0;
}

/* The exact search from the heuristic's pattern, cutoff just below it
 * (as suppress.c sets it: none when that pattern fails or hides a total):
 * NONE says the heuristic's pattern was optimal. */
static int search_alone(const struct policy *pol, const struct sdc_table *t, double value,
			const char **status, size_t *candidates, size_t *totals, double *ms,
			struct suppress_exact_stats *st)
{
	double cutoff = value - 0.5;
	struct sdc_result res;
	struct sdc_margins m;
	struct trex_err err = {0};
	enum suppress_exact_result out = SUPPRESS_EXACT_LIMIT;
	unsigned char *state;
	double t0;

	*status = "none";
	*candidates = 0;
	*ms = 0;
	if (sdc_result_init(&res, t->csv->nrows) < 0)
		return -1;
	suppress_set_exact(false);
	if (sdc_check(pol, t, &res, &err) < 0 || margineqs_build(t, &m, &err) < 0) {
		suppress_set_exact(true);
		sdc_result_free(&res);
		return -1;
	}
	suppress_set_exact(true);
	*totals = 0;
	for (size_t r = 0; r < t->csv->nrows; r++) {
		*candidates += !m.total[r] && res.state[r] != CELL_PRIMARY && !isnan(m.value[r]);
		*totals += m.total[r] && res.state[r] == CELL_SECONDARY;
	}
	if (*totals || res.verdict != SDC_SUPPRESSED)
		cutoff = INFINITY;
	state = malloc(t->csv->nrows + 1);
	if (!state || audit_insiders(pol, t, &m, &err) < 0) {
		free(state);
		margineqs_free(&m);
		sdc_result_free(&res);
		return -1;
	}
	memcpy(state, res.state, t->csv->nrows);
	if (res.nsecondary) {
		t0 = now_ms();
		if (suppress_exact(pol, t, &m, state, cutoff, st, &out, &err) < 0) {
			fprintf(stderr, "exactcmp: %s\n", err.msg);
			out = SUPPRESS_EXACT_LIMIT;
		}
		*ms = now_ms() - t0;
		*status = *candidates > SUPPRESS_EXACT_SIZE ? "too large"
			  : out == SUPPRESS_EXACT_FOUND	      ? "optimal"
			  : out == SUPPRESS_EXACT_NONE	      ? "heuristic optimal"
							      : "limit";
	}
	free(state);
	margineqs_free(&m);
	sdc_result_free(&res);
	return 0;
}

int main(int argc, char **argv)
{
	struct policy pol;
	int runs;

	if (argc < 4 || (argc - 2) % 2) {
		fputs("usage: exactcmp RUNS MANIFEST FILE [MANIFEST FILE ...]\n", stderr);
		return 2;
	}
	char *end;
	errno = 0;
	long n = strtol(argv[1], &end, 10);
	if (errno || end == argv[1] || *end || n < 1 || n > 64) {
		fputs("exactcmp: RUNS must be a number from 1 to 64\n", stderr);
		return 2;
	}
	runs = (int)n;
	policy_defaults(&pol);
	for (int a = 2; a + 1 < argc; a += 2) {
		struct csv_table csv;
		struct output_manifest man;
		struct sdc_table t;
		struct trex_err err = {0};
		struct run h, e;
		struct suppress_exact_stats st = {0};
		const char *status;
		size_t cand, totals;
		double sms;

		if (manifest_load(argv[a], &man, &err) < 0 || csv_read_file(argv[a + 1], &csv, &err) < 0 ||
		    sdc_table_open(&t, &csv, &man.outputs[0], argv[a + 1], &err) < 0) {
			fprintf(stderr, "exactcmp: %s\n", err.msg);
			return 1;
		}
		suppress_set_exact(false);
		if (check_runs(&pol, &t, runs, &h) < 0)
			return 1;
		suppress_set_exact(true);
		if (check_runs(&pol, &t, runs, &e) < 0 ||
		    search_alone(&pol, &t, h.value, &status, &cand, &totals, &sms, &st) < 0)
			return 1;
		printf("{\"file\": \"%s\", \"cells\": %zu, \"primary\": %zu, \"candidates\": %zu, "
		       "\"heuristic\": {\"value\": %.17g, \"secondary\": %zu, \"totals\": %zu, \"ms\": %.3f, \"verdict\": \"%s\"}, "
		       "\"exact\": {\"value\": %.17g, \"secondary\": %zu, \"ms\": %.3f, \"verdict\": \"%s\"}, "
		       "\"search\": \"%s\", \"search_ms\": %.3f, \"rounds\": %zu, \"nodes\": %zu, "
		       "\"cuts\": %zu}\n",
		       argv[a + 1], csv.nrows, h.primary, cand, h.value, h.secondary, totals, h.ms,
		       sdc_verdict_name(h.verdict), e.value, e.secondary, e.ms,
		       sdc_verdict_name(e.verdict), status, sms, st.solves, st.nodes, st.attacks);
		fflush(stdout);
		manifest_free(&man);
		csv_free(&csv);
	}
	return 0;
}
