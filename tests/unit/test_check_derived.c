/* Derived statistics (policies/check/derived.c, survival.c): what a
 * printed value is known to, the boundaries of the implied-count rule,
 * the declarations refused, and the tables whose steps or statistics the
 * checker cannot read. Each boundary is tested on both sides. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "policies/check/derived.h"

struct fixture {
	struct csv_table csv;
	struct output_manifest man;
	struct sdc_table t;
	struct sdc_result res;
	struct policy pol;
};

static void fx_open(struct fixture *fx, const char *csv, const char *manifest)
{
	struct trex_err err = {0};
	memset(fx, 0, sizeof(*fx));
	policy_defaults(&fx->pol);
	if (csv_parse_mem(csv, strlen(csv), "t.csv", &fx->csv, &err) != 0)
		fail_msg("csv: %s", err.msg);
	if (manifest_parse(manifest, strlen(manifest), "m.json", &fx->man, &err) != 0)
		fail_msg("manifest: %s", err.msg);
	if (sdc_table_open(&fx->t, &fx->csv, &fx->man.outputs[0], "t.csv", &err) != 0)
		fail_msg("table: %s", err.msg);
	assert_int_equal(sdc_result_init(&fx->res, fx->csv.nrows), 0);
}

static void fx_close(struct fixture *fx)
{
	sdc_result_free(&fx->res);
	manifest_free(&fx->man);
	csv_free(&fx->csv);
}

static void fx_check(struct fixture *fx)
{
	struct trex_err err = {0};
	if (sdc_check(&fx->pol, &fx->t, &fx->res, &err) != 0)
		fail_msg("check: %s", err.msg);
}

/* Does any reason or cell reason of the result contain s? */
static bool fx_says(const struct fixture *fx, const char *s)
{
	size_t i;
	json_t *r;

	json_array_foreach(fx->res.reasons, i, r)
		if (strstr(json_string_value(r), s))
			return true;
	for (i = 0; i < fx->res.ndecisions; i++)
		if (strstr(fx->res.reason_text + fx->res.cells[i].reason, s))
			return true;
	return false;
}

static void test_precision(void **state)
{
	double v, h;

	assert_int_equal(derived_number("4", &v, &h), 0);
	assert_true(v == 4 && h == 0.5);
	assert_int_equal(derived_number("0.983", &v, &h), 0);
	assert_true(fabs(h - 0.0005) < 1e-12);
	assert_int_equal(derived_number("1.5e2", &v, &h), 0);
	assert_true(v == 150 && fabs(h - 5) < 1e-9);
	assert_int_equal(derived_number("2.50E-1", &v, &h), 0);
	assert_true(fabs(h - 0.0005) < 1e-12);
	assert_int_equal(derived_number("NA", &v, &h), 1);
	assert_int_equal(derived_number("5%", &v, &h), -EINVAL);
}

#define PCT "{\"outputs\": [{\"path\": \"t.csv\", \"kind\": \"summary_statistics\"," \
	    " \"dimensions\": [\"g\"], \"count\": \"n\"," \
	    " \"derived\": {\"p\": {\"kind\": \"percentage\", \"denominator\": \"n\"}}}]}"

/* Row states of a one-row percentage table. */
static unsigned char pct_state(const char *n, const char *p, bool zeros)
{
	struct fixture fx;
	char csv[128];
	unsigned char st;

	snprintf(csv, sizeof(csv), "g,n,p\na,%s,%s\n", n, p);
	fx_open(&fx, csv, PCT);
	fx.pol.zeros_are_disclosive = zeros;
	fx_check(&fx);
	st = fx.res.state[0];
	fx_close(&fx);
	return st;
}

static void test_percentage_boundaries(void **state)
{
	/* 5% of 200 printed "5" is 9 to 11 patients: 9 is possible */
	assert_int_equal(pct_state("200", "5", true), CELL_PRIMARY);
	/* "5.0" is 9.9 to 10.1: 10 */
	assert_int_equal(pct_state("200", "5.0", true), CELL_OK);
	assert_int_equal(pct_state("100", "10", true), CELL_OK);
	assert_int_equal(pct_state("100", "9", true), CELL_PRIMARY);
	/* the complement: 91% of 100 leaves 9 */
	assert_int_equal(pct_state("100", "90", true), CELL_OK);
	assert_int_equal(pct_state("100", "91", true), CELL_PRIMARY);
	/* 0% and 100%: the zero rule of the pack */
	assert_int_equal(pct_state("100", "0", true), CELL_PRIMARY);
	assert_int_equal(pct_state("100", "0", false), CELL_OK);
	assert_int_equal(pct_state("100", "100", true), CELL_PRIMARY);
	assert_int_equal(pct_state("100", "100", false), CELL_OK);
}

static void test_percentage_invalid(void **state)
{
	struct fixture fx;

	/* above 100%, and a malformed value: fail, the value never quoted */
	fx_open(&fx, "g,n,p\na,100,101\nb,100,CANARY77\n", PCT);
	fx_check(&fx);
	assert_int_equal(fx.res.verdict, SDC_FAIL);
	assert_false(fx_says(&fx, "CANARY77"));
	assert_false(fx_says(&fx, "101"));
	fx_close(&fx);
}

static void test_summary_default_review(void **state)
{
	static const char man[] = "{\"outputs\": [{\"path\": \"t.csv\", \"kind\":"
				  " \"summary_statistics\", \"dimensions\": [\"g\"], \"count\": \"n\","
				  " \"derived\": {\"q\": {\"kind\": \"quantile\"}}}]}";
	struct fixture fx;

	fx_open(&fx, "g,n,q\na,20,3\n", man);
	fx_check(&fx);
	assert_int_equal(fx.res.verdict, SDC_PASS);
	fx_close(&fx);
	/* a column nobody declared, its header never quoted */
	fx_open(&fx, "g,n,q,SECRETHDR\na,20,3,1\n", man);
	fx_check(&fx);
	assert_int_equal(fx.res.verdict, SDC_REVIEW);
	assert_true(fx_says(&fx, "column 4 of 4"));
	assert_false(fx_says(&fx, "SECRETHDR"));
	fx_close(&fx);
}

static void test_mean_threshold_and_dominance(void **state)
{
	static const char man[] = "{\"outputs\": [{\"path\": \"t.csv\", \"kind\":"
				  " \"summary_statistics\", \"dimensions\": [\"g\"], \"count\": \"n\","
				  " \"derived\": {\"m\": {\"kind\": \"mean\", \"largest\": [\"x1\", \"x2\"]}}}]}";
	struct fixture fx;

	/* mean 10 x 20 = 200: 180 is 90%, not above it; 181 is */
	fx_open(&fx, "g,n,m,x1,x2\na,20,10,170,10\nb,20,10,171,10\n", man);
	fx_check(&fx);
	assert_int_equal(fx.res.state[0], CELL_OK);
	assert_int_equal(fx.res.state[1], CELL_PRIMARY);
	assert_true(fx.res.drop_col[3] && fx.res.drop_col[4]);
	fx_close(&fx);
	/* a negative mean: dominance means nothing, a checker decides */
	fx_open(&fx, "g,n,m,x1,x2\na,20,-10,1,1\n", man);
	fx_check(&fx);
	assert_int_equal(fx.res.verdict, SDC_REVIEW);
	fx_close(&fx);
}

static void test_regression_levels(void **state)
{
	static const char man[] = "{\"outputs\": [{\"path\": \"t.csv\", \"kind\": \"regression\","
				  " \"dof\": \"df\", \"observations\": \"n\"}]}";
	struct fixture fx;

	/* 50 records: levels of 10 and 40 are fine, 9 and 41 are not */
	fx_open(&fx, "term,df,n\ni,40,50\na,40,10\nb,40,40\n", man);
	fx_check(&fx);
	assert_int_equal(fx.res.verdict, SDC_PASS);
	fx_close(&fx);
	fx_open(&fx, "term,df,n\ni,40,50\na,40,9\n", man);
	fx_check(&fx);
	assert_int_equal(fx.res.verdict, SDC_FAIL);
	fx_close(&fx);
	fx_open(&fx, "term,df,n\ni,40,50\nb,40,41\n", man);
	fx_check(&fx);
	assert_int_equal(fx.res.verdict, SDC_FAIL);
	fx_close(&fx);
	/* a term without a usable count cannot be checked */
	fx_open(&fx, "term,df,n\ni,40,50\nb,40,\n", man);
	fx_check(&fx);
	assert_int_equal(fx.res.verdict, SDC_REVIEW);
	fx_close(&fx);
}

#define SURV "{\"outputs\": [{\"path\": \"t.csv\", \"kind\": \"survival_table\"," \
	     " \"dimensions\": [\"g\"], \"time\": \"t\", \"at_risk\": \"n\"}]}"

static enum sdc_verdict surv_verdict(const char *csv)
{
	struct fixture fx;
	enum sdc_verdict v;

	fx_open(&fx, csv, SURV);
	fx_check(&fx);
	v = fx.res.verdict;
	fx_close(&fx);
	return v;
}

static void test_survival_steps(void **state)
{
	/* 10 leave: fine; 9 leave: fails; 0 leave: fine (nobody) */
	assert_int_equal(surv_verdict("g,t,n\na,1,30\na,2,20\na,3,20\n"), SDC_PASS);
	assert_int_equal(surv_verdict("g,t,n\na,1,30\na,2,21\n"), SDC_FAIL);
	/* strata are read separately: b starts afresh */
	assert_int_equal(surv_verdict("g,t,n\na,1,30\na,2,20\nb,1,15\nb,2,15\n"), SDC_PASS);
	/* steps that cannot be read: a stratum split, time going back, the
	 * risk set growing */
	assert_int_equal(surv_verdict("g,t,n\na,1,30\nb,1,30\na,2,20\n"), SDC_REVIEW);
	assert_int_equal(surv_verdict("g,t,n\na,2,30\na,1,20\n"), SDC_REVIEW);
	assert_int_equal(surv_verdict("g,t,n\na,1,20\na,2,30\n"), SDC_REVIEW);
}

static void manifest_error(const char *decl, const char *msg)
{
	struct output_manifest m;
	struct trex_err err = {0};
	char text[1024];

	snprintf(text, sizeof(text), "{\"outputs\": [%s]}", decl);
	assert_int_equal(manifest_parse(text, strlen(text), "m.json", &m, &err), -EINVAL);
	if (!strstr(err.msg, msg))
		fail_msg("expected '%s' in '%s'", msg, err.msg);
}

#define SUM "{\"path\": \"a\", \"kind\": \"summary_statistics\", \"dimensions\": [\"g\"], " \
	    "\"count\": \"n\", "

static void test_manifest_refused(void **state)
{
	manifest_error(SUM "\"derived\": {\"p\": {\"kind\": \"percentage\"}}}",
		       "a percentage needs 'denominator'");
	manifest_error(SUM "\"derived\": {\"p\": {\"kind\": \"rate\", \"denominator\": \"n\"}}}",
		       "a rate needs 'per'");
	manifest_error(SUM "\"derived\": {\"p\": {\"kind\": \"rate\", \"denominator\": \"n\", \"per\": 0}}}",
		       "per must be a positive number");
	manifest_error(SUM "\"derived\": {\"p\": {\"kind\": \"median\"}}}", "kind must be one of");
	manifest_error(SUM "\"derived\": {\"p\": {\"kind\": \"mean\", \"denominator\": \"n\"}}}",
		       "key 'denominator' is not one of a mean column");
	manifest_error(SUM "\"derived\": {\"p\": {\"kind\": \"percentage\", \"denominator\": \"pop\"}}}",
		       "'pop' is not the table's count or a declared count or sum column");
	manifest_error(SUM "\"derived\": {\"g\": {\"kind\": \"count\"}}}", "derived.g is a dimension");
	manifest_error(SUM "\"derived\": {\"n\": {\"kind\": \"count\"}}}", "derived.n is the table's count");
	manifest_error(SUM "\"derived\": {}}", "must be an object of 1 to");
	manifest_error("{\"path\": \"a\", \"kind\": \"summary_statistics\", \"derived\": {\"m\": {\"kind\": \"mean\"}}}",
		       "a mean needs 'count'");
	manifest_error("{\"path\": \"a\", \"kind\": \"frequency_table\", \"dimensions\": [\"g\"], \"count\": \"n\","
		       " \"derived\": {\"p\": {\"kind\": \"count\"}}}",
		       "'derived' is for a summary_statistics table");
	manifest_error(SUM "\"observations\": \"k\"}", "'observations' is for a regression");
	manifest_error("{\"path\": \"a\", \"kind\": \"survival_table\", \"time\": \"t\"}",
		       "a survival_table needs 'time' and 'at_risk'");
	manifest_error(SUM "\"at_risk\": \"k\"}", "are for a survival_table");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_precision),
		cmocka_unit_test(test_percentage_boundaries),
		cmocka_unit_test(test_percentage_invalid),
		cmocka_unit_test(test_summary_default_review),
		cmocka_unit_test(test_mean_threshold_and_dominance),
		cmocka_unit_test(test_regression_levels),
		cmocka_unit_test(test_survival_steps),
		cmocka_unit_test(test_manifest_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
