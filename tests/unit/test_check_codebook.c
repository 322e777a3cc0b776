/* The derived codebook (policies/check/codebook.c) and its format's one
 * reader (common/codebook_fmt.c): rounding outward to 2 significant
 * digits, the threshold on categories and on the ends of a range exactly
 * at k, identifiers never valued, and a codebook refused by key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/codebook_fmt.h"
#include "policies/check/codebook.h"
#include "tdir.h"

static void test_round2(void **state)
{
	(void)state;
	assert_true(codebook_round2(21345, -1) == 21000);
	assert_true(codebook_round2(21345, 1) == 22000);
	assert_true(codebook_round2(21345, 0) == 21000);
	assert_true(codebook_round2(-123, -1) == -130);
	assert_true(codebook_round2(-123, 1) == -120);
	assert_true(codebook_round2(0.01234, -1) == 0.012);
	assert_true(codebook_round2(0.01234, 1) == 0.013);
	assert_true(codebook_round2(7, 1) == 7);
	assert_true(codebook_round2(0, 1) == 0);
	assert_true(codebook_round2(987654321, 1) == 990000000);
}

/* The codebook of one file `name` with one column "c" (and id column
 * "id" when with_id), the values given, k = 3; the column's JSON. */
static json_t *cb_of(const char *const *vals, size_t n, bool with_id)
{
	static char *ids[] = {"id"};
	struct codebook_builder *b;
	struct trex_err err = {0};
	char out[200], idv[32];
	size_t ncols;
	char *hdr[] = {"c", "id"};

	assert_int_equal(codebook_builder_new(&b, ids, 1, 3), 0);
	assert_int_equal(codebook_builder_header(b, "f.csv", hdr, with_id ? 2 : 1), 0);
	for (size_t i = 0; i < n; i++) {
		char *row[2] = {(char *)vals[i], idv};
		snprintf(idv, sizeof(idv), "%08zu", i);
		assert_int_equal(codebook_builder_row(b, row, with_id ? 2 : 1), 0);
	}
	snprintf(out, sizeof(out), "%s/cb.json", tdir_path);
	assert_int_equal(codebook_builder_write(b, out, &ncols, &err), 0);
	codebook_builder_free(b);
	json_t *root = json_load_file(out, 0, NULL);
	assert_non_null(root);
	assert_int_equal(codebook_fmt_check(root, "cb.json", &err), 0);
	json_t *c = json_incref(json_array_get(
		json_object_get(json_array_get(json_object_get(root, "files"), 0), "columns"), 0));
	json_decref(root);
	return c;
}

static char *cb_dump(json_t *c)
{
	char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(c);
	return s;
}

static void test_categories_at_k(void **state)
{
	(void)state;
	/* "a" 3 times (= k: shown), "b" 2 times (< k: withheld), "c" 25 */
	const char *v[30];
	size_t n = 0;
	for (int i = 0; i < 3; i++)
		v[n++] = "a";
	for (int i = 0; i < 2; i++)
		v[n++] = "b";
	for (int i = 0; i < 25; i++)
		v[n++] = "c";
	char *s = cb_dump(cb_of(v, n, true));
	assert_string_equal(s, "{\"missing\":false,\"name\":\"c\",\"suppressed\":\"threshold\","
			       "\"type\":\"string\",\"values\":[\"a\",\"c\"]}");
	free(s);
}

static void test_range_at_k(void **state)
{
	(void)state;
	/* 1..20 and an outlier: the 3rd smallest (3) and 3rd largest (19) */
	char buf[21][16];
	const char *v[21];
	for (int i = 0; i < 20; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%d", i + 1);
		v[i] = buf[i];
	}
	v[20] = "123456789";
	char *s = cb_dump(cb_of(v, 21, false));
	assert_string_equal(s, "{\"missing\":false,\"name\":\"c\",\"range\":[3,19],\"type\":\"integer\"}");
	free(s);
	/* fewer than 2k values: no range at all */
	s = cb_dump(cb_of(v + 15, 5, false));
	assert_string_equal(s, "{\"missing\":false,\"name\":\"c\",\"suppressed\":\"threshold\",\"type\":\"integer\"}");
	free(s);
}

static void test_dates_months(void **state)
{
	(void)state;
	const char *v[8] = {"2020-01-05", "2020-03-09", "2020-05-01", "2021-02-02T10:00",
			    "2021-07-30", "2021-11-11", "2022-01-01", "1999-12-31"};
	char *s = cb_dump(cb_of(v, 8, false));
	assert_string_equal(s, "{\"missing\":false,\"name\":\"c\",\"range\":[\"2020-03\",\"2021-07\"],"
			       "\"type\":\"date\"}");
	free(s);
	/* days shared by many rows are still not shown: months only */
	const char *w[40];
	for (int i = 0; i < 40; i++)
		w[i] = i % 2 ? "2021-03-04" : "2021-05-06";
	s = cb_dump(cb_of(w, 40, false));
	assert_string_equal(s, "{\"missing\":false,\"name\":\"c\",\"range\":[\"2021-03\",\"2021-05\"],"
			       "\"type\":\"date\"}");
	free(s);
}

static void test_mixed_and_missing(void **state)
{
	(void)state;
	const char *v[8] = {"1", "2.5", "", "3", "4", "5", "6", "x"};
	char *s = cb_dump(cb_of(v, 8, false));
	/* "x" makes it text; mostly distinct values: no domain */
	assert_string_equal(s, "{\"missing\":true,\"name\":\"c\",\"type\":\"string\"}");
	free(s);
	/* 6 numbers: the 3rd from each end */
	s = cb_dump(cb_of(v, 7, false));
	assert_string_equal(s, "{\"missing\":true,\"name\":\"c\",\"range\":[3.0,4.0],\"type\":\"number\"}");
	free(s);
	/* 4 numbers, under 2k: no range */
	s = cb_dump(cb_of(v, 5, false));
	assert_string_equal(s, "{\"missing\":true,\"name\":\"c\",\"suppressed\":\"threshold\",\"type\":\"number\"}");
	free(s);
}

static void test_fmt_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{"[]", "x: a codebook is a JSON object"},
		{"{\"format\":\"TREXCB2\",\"files\":[]}", "x: format: must be \"TREXCB1\""},
		{"{\"format\":\"TREXCB1\",\"files\":[],\"fils\":1}", "x: unknown key \"fils\" (did you mean \"files\"?)"},
		{"{\"format\":\"TREXCB1\",\"files\":[{\"name\":\"../a.csv\",\"columns\":[]}]}",
		 "x: files[0].name: must be a relative path of NAME.csv (no '.' or '..' component)"},
		{"{\"format\":\"TREXCB1\",\"files\":[{\"name\":\"a.csv\",\"columns\":[{\"name\":\"p\",\"type\":\"identifier\",\"values\":[\"1\"]}]}]}",
		 "x: files[0].columns[0].values: never on an identifier column"},
		{"{\"format\":\"TREXCB1\",\"files\":[{\"name\":\"a.csv\",\"columns\":[{\"name\":\"a,b\",\"type\":\"string\"}]}]}",
		 "x: files[0].columns[0].name: must be 1-255 bytes, no comma, quote or control character"},
		{"{\"format\":\"TREXCB1\",\"files\":[{\"name\":\"a.csv\",\"columns\":[{\"name\":\"n\",\"type\":\"integer\",\"range\":[5,1]}]}]}",
		 "x: files[0].columns[0].range: low is above high"},
		{"{\"format\":\"TREXCB1\",\"files\":[{\"name\":\"a.csv\",\"columns\":[{\"name\":\"n\",\"type\":\"integer\",\"suppressed\":\"dominance\"}]}]}",
		 "x: files[0].columns[0].suppressed: must be \"threshold\""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct trex_err err = {0};
		json_t *j = json_loads(cases[i].text, 0, NULL);
		assert_non_null(j);
		assert_int_equal(codebook_fmt_check(j, "x", &err), -EINVAL);
		assert_string_equal(err.msg, cases[i].msg);
		json_decref(j);
	}
	json_t *ok = json_loads("{\"format\":\"TREXCB1\",\"files\":[{\"name\":\"d/a.csv\",\"columns\":"
				"[{\"name\":\"d\",\"type\":\"date\",\"range\":[\"2020-01\",\"2020-12\"]}]}]}",
				0, NULL);
	struct trex_err err = {0};
	assert_int_equal(codebook_fmt_check(ok, "x", &err), 0);
	json_decref(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round2),
		cmocka_unit_test_setup_teardown(test_categories_at_k, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_range_at_k, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_dates_months, tdir_setup, tdir_teardown),
		cmocka_unit_test_setup_teardown(test_mixed_and_missing, tdir_setup, tdir_teardown),
		cmocka_unit_test(test_fmt_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
