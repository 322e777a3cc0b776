/* Which dimensions of the joint check's tables are one dimension, by
 * content (jointdims.c): a dimension renamed from one output to another,
 * or in an earlier release, still links the tables (issue 14). */
#ifndef TREX_CHECK_JOINTDIMS_H
#define TREX_CHECK_JOINTDIMS_H

#include <stdbool.h>
#include <stddef.h>

#include "csv.h"
#include "manifest.h"

/* A column's distinct codes, sorted (pointers into its table). */
struct joint_codes {
	const char **v;
	size_t n;
};

void joint_codes_free(struct joint_codes *c);
/* The codes of column col of c, the declared total codes of dimension
 * dim of d left out (d may be NULL). 0 or -ENOMEM. */
int joint_codes_of(const struct csv_table *c, int col, const struct output_decl *d,
		   const char *dim, struct joint_codes *out);
/* Two columns of one dimension: at least two codes each, and more than
 * half of the smaller set of codes shared. */
bool joint_codes_alike(const struct joint_codes *a, const struct joint_codes *b);
/* into gets the codes of add it lacks. 0 or -ENOMEM. */
int joint_codes_union(struct joint_codes *into, const struct joint_codes *add);
/* The name each dimension of the run's tables goes by in the joint
 * check: name[i][k] for file i's dimension k (decls[i] NULL, or tabs[i]
 * unread: its declared names). A dimension takes the name of an earlier
 * one, of another table, whose codes are alike (joint_codes_alike), or
 * whose name it has; never two dimensions of one table one name. codes
 * gets every dimension's codes (freed by the caller). */
int joint_dims_name(const struct output_decl *const *decls, const struct csv_table *tabs,
		    size_t n, const char *(*name)[MANIFEST_MAX_DIMS],
		    struct joint_codes (*codes)[MANIFEST_MAX_DIMS]);

#endif
