/* The complement pattern is a function of the table, not of how it is
 * written (policies/check/README.md, "Canonical order"): two releases of
 * the same data whose patterns differ together give every primary cell
 * back (issue 14, item 2). Random tables are checked as written, with
 * their rows shuffled, and with the total code spelled otherwise (sorting
 * before or after the other codes); the cells hidden, named by their
 * codes, must be the same every time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/check/mip.h"
#include "policies/check/sdc.h"

#define CANON_MAXROWS 64
#define CANON_LINE 96

static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* A table as lines (header apart), to be shuffled and respelled. */
struct canon_table {
	char head[CANON_LINE];
	char line[CANON_MAXROWS][CANON_LINE];
	size_t nrows;
	bool magnitude;
};

/* na x nb frequency table with both margins (total code "T"): counts
 * mostly small, with many equal values, so the searches meet ties. */
static void canon_freq(uint32_t *seed, size_t na, size_t nb, struct canon_table *c)
{
	long v[8][8];

	/* cppcheck-suppress ctuuninitvar ; c is an output: canon_freq fills it */
	snprintf(c->head, sizeof(c->head), "a,b,n");
	c->magnitude = false;
	c->nrows = 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++) {
			uint32_t k = rnd(seed) % 10;
			v[i][j] = k < 3 ? 1 + (long)(rnd(seed) % 9) : k < 7 ? 12 + (long)(rnd(seed) % 4)
									: 20 + (long)(rnd(seed) % 40);
		}
	for (size_t i = 0; i <= na; i++)
		for (size_t j = 0; j <= nb; j++) {
			long s = 0;
			for (size_t a = 0; a < na; a++)
				for (size_t b = 0; b < nb; b++)
					if ((i == na || a == i) && (j == nb || b == j))
						s += v[a][b];
			snprintf(c->line[c->nrows++], CANON_LINE, "%s%zu,%s%zu,%ld",
				 i < na ? "a" : "T", i < na ? i : 0, j < nb ? "b" : "T",
				 j < nb ? j : 0, s);
		}
}

/* na x nb magnitude table with margins, contributor counts and the two
 * largest contributions: singletons and dominated cells among them, so
 * the contributor attackers (audit.c) take part. */
static void canon_mag(uint32_t *seed, size_t na, size_t nb, struct canon_table *c)
{
	long v[8][8], n[8][8], x1[8][8], x2[8][8];

	/* cppcheck-suppress ctuuninitvar ; c is an output: canon_mag fills it */
	snprintf(c->head, sizeof(c->head), "a,b,v,n,x1,x2");
	c->magnitude = true;
	c->nrows = 0;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++) {
			uint32_t k = rnd(seed) % 10;
			v[i][j] = 50 + 10 * (long)(rnd(seed) % 20);
			n[i][j] = k < 2 ? 1 : k < 3 ? 3 : 15 + (long)(rnd(seed) % 30);
			if (n[i][j] == 1) {
				x1[i][j] = v[i][j];
				x2[i][j] = 0;
			} else if (k == 3) {
				x1[i][j] = v[i][j] * 93 / 100;
				x2[i][j] = v[i][j] * 4 / 100;
			} else {
				x1[i][j] = v[i][j] / 4;
				x2[i][j] = v[i][j] / 5;
			}
		}
	for (size_t i = 0; i <= na; i++)
		for (size_t j = 0; j <= nb; j++) {
			long sv = 0, sn = 0, t1 = 0, t2 = 0;
			for (size_t a = 0; a < na; a++)
				for (size_t b = 0; b < nb; b++) {
					if ((i < na && a != i) || (j < nb && b != j))
						continue;
					sv += v[a][b];
					sn += n[a][b];
					if (x1[a][b] > t1) {
						t2 = t1 > x2[a][b] ? t1 : x2[a][b];
						t1 = x1[a][b];
					} else if (x1[a][b] > t2) {
						t2 = x1[a][b];
					}
				}
			snprintf(c->line[c->nrows++], CANON_LINE, "%s%zu,%s%zu,%ld,%ld,%ld,%ld",
				 i < na ? "a" : "T", i < na ? i : 0, j < nb ? "b" : "T",
				 j < nb ? j : 0, sv, sn, t1, t2);
		}
}

static void canon_shuffle(uint32_t *seed, struct canon_table *c)
{
	char tmp[CANON_LINE];

	for (size_t i = c->nrows; i > 1; i--) {
		size_t j = rnd(seed) % i;
		memcpy(tmp, c->line[i - 1], CANON_LINE);
		memcpy(c->line[i - 1], c->line[j], CANON_LINE);
		memcpy(c->line[j], tmp, CANON_LINE);
	}
}

/* The table as CSV with the total code (written "T0") spelled `total`. */
static void canon_csv(const struct canon_table *c, const char *total, char *out, size_t cap)
{
	size_t len = (size_t)snprintf(out, cap, "%s\n", c->head);

	for (size_t i = 0; i < c->nrows; i++) {
		const char *s = c->line[i];
		while (*s) {
			if (s[0] == 'T' && s[1] == '0' && (s[2] == ',' || !s[2])) {
				len += (size_t)snprintf(out + len, cap - len, "%s", total);
				s += 2;
			} else {
				out[len++] = *s++;
			}
		}
		out[len++] = '\n';
	}
	out[len] = 0;
}

static int canon_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Check the table; *pattern gets one line per row, "codes state", the
 * total code written back as T0, sorted: the pattern by codes. */
static void canon_pattern(const struct canon_table *c, const char *total, char *pattern,
			  size_t cap, bool *suppressed)
{
	static char csv[8192], man[512];
	char rows[CANON_MAXROWS][CANON_LINE];
	char *sorted[CANON_MAXROWS];
	struct trex_err err = {0};
	struct csv_table tab;
	struct output_manifest om;
	struct sdc_table t;
	struct sdc_result res;
	struct policy pol;
	size_t len = 0;

	canon_csv(c, total, csv, sizeof(csv));
	snprintf(man, sizeof(man),
		 c->magnitude
			 ? "{\"outputs\": [{\"path\": \"t.csv\", \"kind\": \"magnitude_table\","
			   " \"dimensions\": [\"a\", \"b\"], \"value\": \"v\", \"contributors\": \"n\","
			   " \"largest\": [\"x1\", \"x2\"], \"total_codes\": {\"a\": [\"%s\"],"
			   " \"b\": [\"%s\"]}}]}"
			 : "{\"outputs\": [{\"path\": \"t.csv\", \"kind\": \"frequency_table\","
			   " \"dimensions\": [\"a\", \"b\"], \"count\": \"n\", \"total_codes\":"
			   " {\"a\": [\"%s\"], \"b\": [\"%s\"]}}]}",
		 total, total);
	policy_defaults(&pol);
	if (csv_parse_mem(csv, strlen(csv), "t.csv", &tab, &err) != 0)
		fail_msg("csv: %s", err.msg);
	if (manifest_parse(man, strlen(man), "m.json", &om, &err) != 0)
		fail_msg("manifest: %s", err.msg);
	if (sdc_table_open(&t, &tab, &om.outputs[0], "t.csv", &err) != 0)
		fail_msg("table: %s", err.msg);
	assert_int_equal(sdc_result_init(&res, tab.nrows), 0);
	memset(res.state, CELL_OK, tab.nrows);
	if (sdc_check(&pol, &t, &res, &err) != 0)
		fail_msg("check: %s", err.msg);
	*suppressed = res.nsecondary > 0;
	for (size_t r = 0; r < tab.nrows; r++) {
		const char *a = csv_field(&tab, r, 0), *b = csv_field(&tab, r, 1);
		snprintf(rows[r], CANON_LINE, "%s,%s %d", strcmp(a, total) ? a : "T0",
			 strcmp(b, total) ? b : "T0", res.state[r]);
		sorted[r] = rows[r];
	}
	qsort(sorted, tab.nrows, sizeof(char *), canon_cmp);
	for (size_t r = 0; r < tab.nrows; r++)
		len += (size_t)snprintf(pattern + len, cap - len, "%s\n", sorted[r]);
	sdc_result_free(&res);
	manifest_free(&om);
	csv_free(&tab);
}

/* Spellings of the total: as generated, before every other code in byte
 * order, after them. */
static const char *const canon_totals[] = {"T0", "0all", "zz_total"};

/* Each table as written, shuffled three times, and under each spelling
 * of its total code; *differ counts the tables whose pattern differed,
 * *with those with complements at all. */
static void canon_run(bool magnitude, uint32_t seed, size_t ntables, size_t *with,
		      size_t *differ)
{
	static char want[8192], got[8192];

	*with = *differ = 0;
	for (size_t k = 0; k < ntables; k++) {
		struct canon_table c;
		size_t na = 3 + k % 3, nb = 3 + (k / 3) % 2;
		bool supp, s2, same = true;

		if (magnitude)
			canon_mag(&seed, na, nb, &c);
		else
			canon_freq(&seed, na, nb, &c);
		canon_pattern(&c, "T0", want, sizeof(want), &supp);
		for (int shuffle = 0; shuffle < 3; shuffle++) {
			canon_shuffle(&seed, &c);
			for (size_t s = 0; s < sizeof(canon_totals) / sizeof(*canon_totals); s++) {
				canon_pattern(&c, canon_totals[s], got, sizeof(got), &s2);
				if (strcmp(want, got)) {
					same = false;
					print_message("table %zu, shuffle %d, total %s:\n%s--- vs ---\n%s",
						      k, shuffle, canon_totals[s], want, got);
				}
			}
		}
		*with += supp;
		*differ += !same;
	}
}

static void test_canon_frequency(void **state)
{
	size_t with, differ;

	canon_run(false, 20261207, 60, &with, &differ);
	assert_int_equal(differ, 0);
	/* the test saw complements to choose */
	assert_true(with >= 40);
}

/* the heuristic alone: its tie-breaks, not the exact search's */
static void test_canon_frequency_greedy(void **state)
{
	size_t with, differ;

	suppress_set_exact(false);
	canon_run(false, 777, 60, &with, &differ);
	suppress_set_exact(true);
	assert_int_equal(differ, 0);
	assert_true(with >= 40);
}

static void test_canon_magnitude(void **state)
{
	size_t with, differ;

	canon_run(true, 4242, 30, &with, &differ);
	assert_int_equal(differ, 0);
	assert_true(with >= 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_frequency),
		cmocka_unit_test(test_canon_frequency_greedy),
		cmocka_unit_test(test_canon_magnitude),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
