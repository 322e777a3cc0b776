/* Audit of a suppression pattern by linear programming (GLPK). */
#include "sdc.h"

int audit_suppression(const struct policy *pol, const struct sdc_table *t,
		      struct sdc_result *res, struct trex_err *err)
{
	return 0;
}
