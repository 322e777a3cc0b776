/* The report's per-file "decisions" (docs/CONTRACTS.md section 2): one
 * entry per (rule, action) pair, cells counted, file-level reasons with
 * their own entry, sorted, and every token from the vocabulary trexd
 * shows (common/sdcvocab.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/sdcvocab.h"
#include "policies/check/sdc.h"

static void test_vocab(void **state)
{
	assert_true(sdc_vocab_rule_known("threshold"));
	assert_true(sdc_vocab_rule_known("record_level"));
	assert_true(sdc_vocab_rule_known("undeclared_column"));
	assert_false(sdc_vocab_rule_known("Threshold"));
	assert_false(sdc_vocab_rule_known("threshold "));
	assert_false(sdc_vocab_rule_known(""));
	assert_false(sdc_vocab_rule_known(NULL));
	assert_true(sdc_vocab_action_known("primary"));
	assert_true(sdc_vocab_action_known("fail"));
	assert_false(sdc_vocab_action_known("pass"));
	assert_true(sdc_vocab_code_known("duplicate_header"));
	assert_false(sdc_vocab_code_known("threshold"));
	assert_int_equal(sdc_vocab_nactions, 6);
	/* no token twice in a list */
	for (size_t i = 0; i < sdc_vocab_nrules; i++) {
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(sdc_vocab_rules[i], sdc_vocab_rules[j]);
	}
}

static const char *dec_text(json_t *a)
{
	static char buf[1024];
	char *s = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER);
	snprintf(buf, sizeof(buf), "%s", s ? s : "(null)");
	free(s);
	json_decref(a);
	return buf;
}

static void test_decisions(void **state)
{
	struct sdc_result res;

	assert_int_equal(sdc_result_init(&res, 8), 0);
	assert_string_equal(dec_text(report_decisions(&res)), "[]");
	/* cells in any order, pairs merged and counted */
	sdc_note(&res, NULL, 0, "n", "threshold", NULL, "primary", "a");
	sdc_note(&res, NULL, 1, "n", "class_disclosure", NULL, "review", "b");
	sdc_note(&res, NULL, 2, "n", "threshold", NULL, "primary", "c");
	sdc_note(&res, NULL, 3, "n", "secondary", NULL, "secondary", "d");
	sdc_note(&res, NULL, 4, "n", "threshold", NULL, "primary", "e");
	/* a reason sharing a pair with cells is that pair; another its own */
	sdc_reason(&res, "class_disclosure", SDC_REVIEW, "class");
	sdc_reason(&res, "differencing", SDC_REVIEW, "diff");
	sdc_reason(&res, "differencing", SDC_REVIEW, "diff again");
	assert_int_equal(res.verdict, SDC_REVIEW);
	assert_int_equal(json_array_size(res.reasons), 3);
	assert_string_equal(dec_text(report_decisions(&res)),
			    "[{\"rule\":\"class_disclosure\",\"action\":\"review\",\"cells\":1},"
			    "{\"rule\":\"differencing\",\"action\":\"review\",\"cells\":0},"
			    "{\"rule\":\"secondary\",\"action\":\"secondary\",\"cells\":1},"
			    "{\"rule\":\"threshold\",\"action\":\"primary\",\"cells\":3}]");
	sdc_reason(&res, "microdata", SDC_FAIL, "dup");
	assert_int_equal(res.verdict, SDC_FAIL);
	sdc_reasons_clear(&res);
	assert_int_equal(json_array_size(res.reasons), 0);
	assert_string_equal(dec_text(report_decisions(&res)),
			    "[{\"rule\":\"class_disclosure\",\"action\":\"review\",\"cells\":1},"
			    "{\"rule\":\"secondary\",\"action\":\"secondary\",\"cells\":1},"
			    "{\"rule\":\"threshold\",\"action\":\"primary\",\"cells\":3}]");
	sdc_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocab),
		cmocka_unit_test(test_decisions),
	};
	return cmocka_run_group_tests_name("check_report", tests, NULL, NULL);
}
