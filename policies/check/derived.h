/* Derived statistics checked as what they imply (derived.c, survival.c):
 * called by rules.c's sdc_check for summary tables, regressions and
 * survival tables, after the table's own rules. */
#ifndef TREX_CHECK_DERIVED_H
#define TREX_CHECK_DERIVED_H

#include "sdc.h"

/* A number as written and half a unit of its last printed digit ("4" is
 * 4 +- 0.5, "0.983" 0.983 +- 0.0005): 0, 1 when missing, -EINVAL when not
 * a number (sdc_parse_number's rules). */
int derived_number(const char *s, double *v, double *half);

int derived_check_summary(const struct policy *pol, const struct sdc_table *t,
			  struct sdc_result *res, struct trex_err *err);
int derived_check_regression(const struct policy *pol, const struct sdc_table *t,
			     struct sdc_result *res, struct trex_err *err);
int survival_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		   struct trex_err *err);

#endif
