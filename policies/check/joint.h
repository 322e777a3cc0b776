/* Joint disclosure control (issue 14 item 1): a job's frequency and
 * magnitude tables and the project's earlier releases are one system of
 * equations. joint.c builds it before the files are checked one by one,
 * chooses the complements over it and audits it by LP; each file is then
 * checked with the pattern the joint system gave it. */
#ifndef TREX_CHECK_JOINT_H
#define TREX_CHECK_JOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "manifest.h"
#include "policy.h"

/* What the joint system decided for one file of the run. */
struct joint_file {
	unsigned char *hide; /* per data row: hidden by the joint pattern; NULL: not joined */
	unsigned char *own;  /* per data row: hidden by the table's own check */
	size_t nrows;
	bool review;         /* the joint audit cannot protect every hidden cell */
	bool too_large;      /* linkable, but too large to join: review when it hides */
};

struct joint_plan {
	struct joint_file *f; /* one per file, in the order given */
	size_t n;
	size_t groups, tables, cells, equations; /* what was built (tests, bench) */
};

struct sdc_table;
struct sdc_result;
/* A table's own check (sdc_check), given by the caller: the joint check is
 * part of it, so joint.c does not call back into rules.c by name. */
typedef int (*joint_own_check_fn)(const struct policy *pol, const struct sdc_table *t,
				  struct sdc_result *res, struct trex_err *err);

/* Build the plan for files (their declarations in decls, NULL when
 * undeclared) under pol, with the tables released earlier for the
 * project under prevdir (may be NULL); each table's own pattern comes
 * from own_check. A file that cannot be read or parsed is left out:
 * checking it alone reports why. */
int joint_plan_build(const struct policy *pol, const struct output_decl *const *decls,
		     char *const *files, size_t nfiles, const char *prevdir,
		     joint_own_check_fn own_check, struct joint_plan *plan,
		     struct trex_err *err);
void joint_plan_free(struct joint_plan *plan);

#endif
