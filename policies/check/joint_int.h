/* What the files of the joint check share (joint.c: the plan and its
 * application; joint_group.c: groups and their cells; joint_prev.c:
 * earlier releases; joint_eqs.c: equations). The rest of the checker uses
 * joint.h. Calls go one way: joint.c to the other three, and those to
 * joint_group.c. */
#ifndef TREX_CHECK_JOINT_INT_H
#define TREX_CHECK_JOINT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "csv.h"
#include "joint.h"
#include "jointdims.h"
#include "sdc.h"

#define JOINT_MAX_CELLS 100000          /* the system's cells (a table alone: 20,000, suppress.c) */
#define JOINT_MAX_BYTES (16u << 20)     /* a table read whole to be joined */
#define JOINT_MAX_TABLES 4096

/* One table of a group: this run's (checked by its own rules first) or
 * released earlier. */
struct joint_src {
	struct csv_table csv;
	bool current;
	size_t file;                    /* current: its index in the run */
	const struct output_decl *decl; /* current: its declaration */
	struct sdc_table t;             /* current */
	unsigned char *state;           /* current: its own pattern per row */
	int col[MANIFEST_MAX_DIMS];     /* per group dimension: column, -1 absent */
	const char *tot[MANIFEST_MAX_DIMS]; /* per group dimension: its total code */
	int vcol, ccol;                 /* measure; contributors (-1) */
	size_t *cell;                   /* per row: the group cell */
	bool out;                       /* left out (conflict, error) */
	bool large;                     /* current: too large to join */
};

struct joint_group {
	enum output_kind kind;
	const char *vname;              /* magnitude: the value column's name */
	const char *dims[MANIFEST_MAX_DIMS];
	size_t nd;
	struct joint_codes codes[MANIFEST_MAX_DIMS]; /* per dimension: the run's codes */
	struct joint_src *src;
	size_t nsrc, ncur;
	size_t nlargest;                /* magnitude: the most largest columns declared */
	/* the cells: a code per dimension (NULL: the total) */
	const char **key;
	double *value;                  /* NAN: unknown */
	unsigned char *own;             /* hidden by some table's own check (enum sdc_cell_state) */
	unsigned char *locked;          /* hidden by an earlier release */
	size_t *from_row, *from_src;    /* current cells: a table and row giving its contributions */
	size_t *inst;                   /* 0: the point shared by every table; else the
					 * source (+ 1) whose value there differs */
	size_t *last;                   /* the last source (+ 1) that mapped a row to it */
	size_t *next;                   /* the next cell of the same key (SIZE_MAX: none) */
	size_t ninst;                   /* cells of an instance of their own */
	size_t ncells, capcells;
	size_t *slots, capslots;        /* hash: cell + 1 */
};

/* Equations: a growing list, each a total (+1) and its parts (-1). */
struct joint_eqs {
	size_t *off, *row;
	int *coef;
	size_t neq, nz, capeq, capnz;
	uint64_t *hash; /* per equation, to drop repeats */
	size_t caphash;
	size_t *hslots;
};

/* joint_group.c: a cell's key (nd codes, NULL: the total), its hash and
 * equality */
uint64_t joint_hash(const char *const *key, size_t nd);
bool joint_key_eq(const char *const *a, const char *const *b, size_t nd);
/* The key of row r of s in the group's space. */
void joint_row_key(const struct joint_group *g, const struct joint_src *s, size_t r,
			  const char **key);
/* the group dimension called name (nd when none) */
size_t joint_dim(const struct joint_group *g, const char *name);
/* a new source at the end of g->src (*out), or -ENOMEM */
int joint_src_push(struct joint_group *g, struct joint_src **out);
/* joint_group.c: a group's cells grown, a table's rows added to them (1:
 * left out), a dimension's declared total code, a group freed, and the
 * group a declaration belongs to (made when none fits) */
int joint_grow(struct joint_group *g);
int joint_add(struct joint_group *g, struct joint_src *s, size_t si);
const char *joint_total_code(const struct output_decl *d, const char *dim);
void joint_group_free(struct joint_group *g);
struct joint_group *joint_group_of(struct joint_group **groups, size_t *ngroups,
					  const struct output_decl *d, const char *const *names,
					  int *r);
/* joint_prev.c: the project's earlier releases under prevdir joined to
 * the groups they fit */
int joint_releases(struct joint_group *groups, size_t ngroups, const char *prevdir,
			  struct trex_err *err);
/* joint_eqs.c: the group's equations into m */
int joint_equations(const struct joint_group *g, struct sdc_margins *m,
			   struct joint_eqs *q, struct trex_err *err);

#endif
