/* A table, its declaration and a policy, in memory, for the trex-check
 * unit tests: open from CSV and manifest text, check, close. */
#ifndef TREX_TEST_CHECK_FIXTURE_H
#define TREX_TEST_CHECK_FIXTURE_H

#include <string.h>

#include "policies/check/sdc.h"

struct fixture {
	struct csv_table csv;
	struct output_manifest man;
	struct sdc_table t;
	struct sdc_result res;
	struct policy pol;
	struct sdc_margins m; /* the audit's tests build it (fx_open_margins) */
};

static inline void fx_open(struct fixture *fx, const char *csv, const char *manifest)
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

/* fx_open, and the table's margins and what its largest contributors
 * know (audit.c reads them) */
static inline void fx_open_margins(struct fixture *fx, const char *csv, const char *manifest)
{
	struct trex_err err = {0};
	fx_open(fx, csv, manifest);
	assert_int_equal(margineqs_build(&fx->t, &fx->m, &err), 0);
	assert_int_equal(audit_insiders(&fx->pol, &fx->t, &fx->m, &err), 0);
}

static inline void fx_close(struct fixture *fx)
{
	margineqs_free(&fx->m);
	sdc_result_free(&fx->res);
	manifest_free(&fx->man);
	csv_free(&fx->csv);
}

static inline void fx_check(struct fixture *fx)
{
	struct trex_err err = {0};
	if (sdc_check(&fx->pol, &fx->t, &fx->res, &err) != 0)
		fail_msg("check: %s", err.msg);
}

#endif
