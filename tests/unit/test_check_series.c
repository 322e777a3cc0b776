/* series.c: the nested-margin runs and cumulative series the check paths
 * feed a cell at a time (issue 14 item 6), and partial margin labels. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "policies/check/sdc.h"

/* A slice's values pushed in order, codes 0.. in order: its run. */
static struct sdc_run run_of(const double *v, size_t n)
{
	struct sdc_run r;

	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < n; i++)
		sdc_run_push(&r, v[i], (uint32_t)i, (uint32_t)i);
	return r;
}

static void test_run_total_first(void **state)
{
	/* North = N-a + N-b: closes at the third value, total code 0 */
	const double v[] = {30, 4, 26, 50, 20, 30};
	struct sdc_run r = run_of(v, 6);

	(void)state;
	assert_int_equal(r.first_row, 3);
	assert_int_equal(r.first_code, 1);
	assert_int_equal(r.first_len, 3);
}

static void test_run_total_last(void **state)
{
	/* D = d1 + d2 + d3 after them: closes at D (row 3), 4 cells */
	const double v[] = {4, 16, 30, 50, 12, 25};
	struct sdc_run r = run_of(v, 6);

	(void)state;
	assert_int_equal(r.first_row, 4);
	assert_int_equal(r.first_code, 4);
	assert_int_equal(r.first_len, 4);
}

static void test_run_needs_two_nonzero_parts(void **state)
{
	/* 5 = 5 + 0 is one part, not a margin */
	const double v[] = {5, 5, 0, 7};
	struct sdc_run r = run_of(v, 4);

	(void)state;
	assert_int_equal(r.first_row, 0);
}

static void test_run_bound(void **state)
{
	/* a run closing past the slice's first SDC_RUN_MAX values is not
	 * looked for: the slice is dead, and so its dimension */
	const double v[] = {1, 3, 9, 27, 81, 243, 729, 2187, 100, 60, 40};
	struct sdc_run r = run_of(v, 11);

	(void)state;
	assert_int_equal(r.first_row, 0);
	assert_true(sdc_run_dead(&r));
}

static void test_run_break(void **state)
{
	/* a missing value between a total and its parts breaks the run */
	struct sdc_run r;

	(void)state;
	memset(&r, 0, sizeof(r));
	sdc_run_push(&r, 30, 0, 0);
	sdc_run_push(&r, 4, 1, 1);
	sdc_run_break(&r);
	sdc_run_push(&r, 26, 2, 2);
	assert_int_equal(r.first_row, 0);
}

static void test_run_judge(void **state)
{
	const double a[] = {30, 4, 26, 50}, b[] = {40, 15, 25, 60}, c[] = {40, 16, 25, 60};
	const double pair[] = {4, 26, 30}, triple[] = {4, 16, 30, 50};
	struct sdc_run ra = run_of(a, 4), rb = run_of(b, 4), rc = run_of(c, 4);
	struct sdc_run rp = run_of(pair, 3), rt = run_of(triple, 4);
	struct sdc_run_judge j;

	(void)state;
	/* the same total in every slice: a margin; reported at the first */
	sdc_run_judge_init(&j);
	sdc_run_judge_add(&j, &rb);
	sdc_run_judge_add(&j, &ra);
	assert_true(sdc_run_judge_holds(&j));
	assert_int_equal(j.row, 2);
	/* one slice without: a coincidence */
	sdc_run_judge_add(&j, &rc);
	assert_false(sdc_run_judge_holds(&j));
	/* one slice alone needs three parts */
	sdc_run_judge_init(&j);
	sdc_run_judge_add(&j, &rp);
	assert_false(sdc_run_judge_holds(&j));
	sdc_run_judge_init(&j);
	sdc_run_judge_add(&j, &rt);
	assert_true(sdc_run_judge_holds(&j));
}

static void test_series(void **state)
{
	const long up[] = {12, 15, 30, 31}, down[] = {20, 18, 40, 45}, wide[] = {12, 30, 50, 80};
	struct sdc_series s[3];
	struct sdc_series_judge j;

	(void)state;
	memset(s, 0, sizeof(s));
	for (int i = 0; i < 4; i++) {
		sdc_series_push(&s[0], up[i], false, (uint32_t)i, 10);
		sdc_series_push(&s[1], down[i], false, (uint32_t)(10 + i), 10);
		sdc_series_push(&s[2], wide[i], false, (uint32_t)(20 + i), 10);
	}
	sdc_series_judge_init(&j);
	sdc_series_judge_add(&j, &s[0]);
	assert_true(sdc_series_judge_holds(&j));
	assert_int_equal(j.row, 1); /* 15 - 12 */
	sdc_series_judge_add(&j, &s[1]);
	assert_false(sdc_series_judge_holds(&j));
	/* growing by steps of the threshold or more: nothing small given away */
	sdc_series_judge_init(&j);
	sdc_series_judge_add(&j, &s[2]);
	assert_false(sdc_series_judge_holds(&j));
}

static void test_series_hidden_step(void **state)
{
	/* a step from or to a hidden cell is no released difference */
	const long v[] = {3, 12, 30, 45};
	struct sdc_series s;
	struct sdc_series_judge j;

	(void)state;
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 4; i++)
		sdc_series_push(&s, v[i], i == 0, (uint32_t)i, 10);
	sdc_series_judge_init(&j);
	sdc_series_judge_add(&j, &s);
	assert_false(sdc_series_judge_holds(&j));
}

static void test_margin_label(void **state)
{
	(void)state;
	assert_true(sdc_margin_label("Total"));
	assert_true(sdc_margin_label("Total North"));
	assert_true(sdc_margin_label("Grand total"));
	assert_true(sdc_margin_label("Sub-total"));
	assert_true(sdc_margin_label("All ages"));
	assert_true(sdc_margin_label("(All)"));
	assert_true(sdc_margin_label("Overall"));
	assert_false(sdc_margin_label("Not at all"));
	assert_false(sdc_margin_label("Small"));
	assert_false(sdc_margin_label("Totalitarian"));
	assert_false(sdc_margin_label("Summer"));
	assert_false(sdc_margin_label("North"));
	assert_false(sdc_margin_label(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_total_first),
		cmocka_unit_test(test_run_total_last),
		cmocka_unit_test(test_run_needs_two_nonzero_parts),
		cmocka_unit_test(test_run_bound),
		cmocka_unit_test(test_run_break),
		cmocka_unit_test(test_run_judge),
		cmocka_unit_test(test_series),
		cmocka_unit_test(test_series_hidden_step),
		cmocka_unit_test(test_margin_label),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
