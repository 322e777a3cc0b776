/* Record-level labels (issue #11 item 7c): the renderings of declared
 * bins, the dataset's category domains (which columns are categories,
 * dates, id columns left out) and the rule on a table. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policies/check/domains.h"
#include "policies/check/labels.h"
#include "tdir.h"

static void test_bins(void **state)
{
	static const double b[] = {0, 18, 40, 60, 75};
	static const double f[] = {0.5, 1.5, 2.5};
	static const char *const yes[] = {
		"0-17", "18-39", "60-74", "0-18", "40-60", "[0,18)", "[18, 40)", "(40,60]",
		"(60, 75]", "60 to 75", "<0", "< 0", "75+", ">=75", ">= 75", "18.0-40.0",
	};
	static const char *const no[] = {
		"0-16", "18-40 ", " 18-39", "17-39", "0-40", "[0,40)", "[18,40]", "<18", "60+",
		">=60", "75", "18", "75-99", "18-39-60", "x-y", "", "-", "+", "[0,18", "40 - 59",
		"0-17a", "1e1-18",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!labels_bin_known(b, 5, yes[i]))
			fail_msg("'%s' is a rendering of the bins", yes[i]);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (labels_bin_known(b, 5, no[i]))
			fail_msg("'%s' is not a rendering of the bins", no[i]);
	/* non-integer breaks: no "a-(b-1)" */
	assert_true(labels_bin_known(f, 3, "0.5-1.5"));
	assert_true(labels_bin_known(f, 3, "[1.5, 2.5)"));
	assert_false(labels_bin_known(f, 3, "0.5-0.5"));
	assert_false(labels_bin_known(b, 0, "0-17"));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A dataset built row by row: which columns are categories. */
static void test_domains_build(void **state)
{
	char *ids[] = {"pid"};
	char path[128];
	struct domains_builder b;
	struct domains d;
	struct trex_err err = {0};
	size_t n = 0;

	assert_int_equal(domains_builder_init(&b, ids, 1), 0);
	{
		char *h[] = {"pid", "sex", "name", "big", "when", "rare"};
		assert_int_equal(domains_builder_header(&b, h, 6), 0);
	}
	for (int i = 0; i < 2000; i++) {
		char pid[16], sex[4], name[16], big[16], when[32], rare[16];
		char *row[] = {pid, sex, name, big, when, rare};
		snprintf(pid, sizeof(pid), "P%05d", i);
		snprintf(sex, sizeof(sex), "%d", 1 + i % 2);
		snprintf(name, sizeof(name), "name%d", i);         /* unique: not categories */
		snprintf(big, sizeof(big), "v%d", i % 1001);       /* 1001 values: over the cap */
		snprintf(when, sizeof(when), "2021-%02d-%02dT10:00", 1 + i / 28 % 12, 1 + i % 28);
		snprintf(rare, sizeof(rare), "r%d", i % 150);      /* 150 x 10 <= 2000 */
		assert_int_equal(domains_builder_row(&b, row, 6), 0);
	}
	snprintf(path, sizeof(path), "%s/dom.json", tdir_path);
	if (domains_builder_write(&b, path, &n, &err) != 0)
		fail_msg("write: %s", err.msg);
	domains_builder_free(&b);
	if (domains_load(path, &d, &err) != 0)
		fail_msg("load: %s", err.msg);
	assert_true(domains_has(&d, "1"));
	assert_true(domains_has(&d, "2"));
	assert_true(domains_has(&d, "r149"));
	assert_true(domains_has(&d, "2021"));
	assert_true(domains_has(&d, "2021-12"));
	assert_true(domains_has(&d, "name"));     /* column names are known */
	assert_false(domains_has(&d, "P00001"));  /* an id column is never a domain */
	assert_false(domains_has(&d, "name7"));   /* mostly unique */
	assert_false(domains_has(&d, "v7"));      /* too many distinct values */
	assert_false(domains_has(&d, "2021-01-01T10:00"));
	assert_false(domains_has(&d, "2022"));
	assert_int_equal(n, 2 + 150 + 1 + 12);
	domains_free(&d);
	/* the mean frequency bound: 150 values need 1500 non-empty rows */
	assert_int_equal(domains_builder_init(&b, ids, 1), 0);
	{
		char *h[] = {"rare"};
		assert_int_equal(domains_builder_header(&b, h, 1), 0);
	}
	for (int i = 0; i < 1499; i++) {
		char rare[16];
		char *row[] = {rare};
		snprintf(rare, sizeof(rare), "r%d", i % 150);
		assert_int_equal(domains_builder_row(&b, row, 1), 0);
	}
	assert_int_equal(domains_builder_write(&b, path, &n, &err), 0);
	domains_builder_free(&b);
	assert_int_equal(domains_load(path, &d, &err), 0);
	assert_false(domains_has(&d, "r1"));
	domains_free(&d);
	/* a file of another format is refused */
	write_file(path, "{\"format\": \"TREXDOM0\"}");
	assert_int_equal(domains_load(path, &d, &err), -EINVAL);
}

struct fx_codes {
	const char *const *labels[MANIFEST_MAX_DIMS];
};

static const char *fx_text(const void *ctx, size_t d, uint32_t code)
{
	const struct fx_codes *c = ctx;
	return c->labels[d][code];
}

/* The rule on its own: the share of unknown labels, and a label per row. */
static void test_rule(void **state)
{
	static const char man[] =
		"{\"outputs\": [{\"path\": \"t.csv\", \"kind\": \"frequency_table\","
		" \"dimensions\": [\"a\", \"b\"], \"count\": \"n\", \"labels\": {\"a\": [\"x\"], \"b\": [\"p\", \"q\"]},"
		" \"total_codes\": {\"a\": [\"All\"]}}]}";
	static const char *const a[] = {"x", "known", "u1", "All", "NA", "u2"};
	static const char *const b[] = {"p", "q"};
	struct fx_codes codes = {{a, b}};
	struct output_manifest m;
	struct sdc_table t = {0};
	struct sdc_result res;
	struct policy pol;
	struct domains d = {.set = {0}};
	struct trex_err err = {0};
	size_t nc[2] = {6, 2};

	policy_defaults(&pol);
	assert_int_equal(manifest_parse(man, strlen(man), "m.json", &m, &err), 0);
	t.decl = &m.outputs[0];
	assert_int_equal(strset_add(&d.set, "known", 5), 1);
	/* a: x declared, known in the dataset, All a total, NA missing:
	 * 2 unknown of 5 distinct (All left out) is not more than half */
	assert_int_equal(sdc_result_init(&res, 0), 0);
	labels_check(&pol, &t, &d, 8, nc, fx_text, &codes, &res);
	assert_int_equal(res.verdict, SDC_PASS);
	/* stricter: 2 of 5 > 0.3 */
	pol.max_unknown_label_share = 0.3;
	labels_check(&pol, &t, &d, 8, nc, fx_text, &codes, &res);
	assert_int_equal(res.verdict, SDC_REVIEW);
	assert_string_equal(res.fdec[0].rule, "record_level");
	sdc_result_free(&res);
	/* without the domains that test is not made */
	assert_int_equal(sdc_result_init(&res, 0), 0);
	labels_check(&pol, &t, NULL, 8, nc, fx_text, &codes, &res);
	assert_int_equal(res.verdict, SDC_PASS);
	/* a label per row while b varies, from record_level_min_rows rows */
	pol.record_level_min_rows = 6;
	labels_check(&pol, &t, NULL, 6, nc, fx_text, &codes, &res);
	assert_int_equal(res.verdict, SDC_REVIEW);
	sdc_result_free(&res);
	/* not when b does not vary, nor below the minimum */
	assert_int_equal(sdc_result_init(&res, 0), 0);
	nc[1] = 1;
	labels_check(&pol, &t, NULL, 6, nc, fx_text, &codes, &res);
	assert_int_equal(res.verdict, SDC_PASS);
	nc[1] = 2;
	pol.record_level_min_rows = 7;
	labels_check(&pol, &t, NULL, 6, nc, fx_text, &codes, &res);
	assert_int_equal(res.verdict, SDC_PASS);
	sdc_result_free(&res);
	strset_free(&d.set);
	manifest_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bins),
		cmocka_unit_test_setup_teardown(test_domains_build, tdir_setup, tdir_teardown),
		cmocka_unit_test(test_rule),
	};
	return cmocka_run_group_tests_name("check_labels", tests, NULL, NULL);
}
