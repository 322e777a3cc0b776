/* Output declarations (docs/DESIGN.md "The job manifest"): what each
 * output file is and which columns mean what. trex-check reads
 * {"outputs": [...]} strictly; the same declaration can be given on the
 * command line. */
#ifndef TREX_CHECK_MANIFEST_H
#define TREX_CHECK_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "err.h"

#define MANIFEST_MAX_BYTES (1024 * 1024)
#define MANIFEST_MAX_DIMS  8

enum output_kind {
	KIND_FREQUENCY,
	KIND_MAGNITUDE,
	KIND_SUMMARY,
	KIND_REGRESSION,
	KIND_SURVIVAL,
	KIND_FIGURE,
	KIND_TEXT,
	KIND_LOG,
	KIND_UNKNOWN,
};

/* A statistic column of a summary table and what it implies (derived.c):
 * a percentage, proportion or rate implies a count (value x denominator),
 * a mean or sum a magnitude (mean x count), a quantile rests on its count,
 * a count is one. */
enum derived_kind {
	DERIVED_COUNT,
	DERIVED_PERCENTAGE,
	DERIVED_PROPORTION,
	DERIVED_RATE,
	DERIVED_MEAN,
	DERIVED_SUM,
	DERIVED_QUANTILE,
};
#define MANIFEST_MAX_DERIVED 64

struct derived_decl {
	char *column;
	enum derived_kind kind;
	char *base;     /* percentage, proportion, rate: the denominator column;
			 * mean, sum, quantile: the count column (or NULL: the table's) */
	double per;     /* rate: units of the denominator the rate is per */
	char **largest; /* mean, sum: largest contributions, descending */
	size_t nlargest;
};

struct output_decl {
	char *path;
	enum output_kind kind;
	char *dims[MANIFEST_MAX_DIMS];
	size_t ndims;
	char *count;         /* frequency: count column; magnitude: optional */
	char *value;         /* magnitude: the summed value column */
	char *contributors;  /* magnitude: number of contributors column */
	char **largest;      /* magnitude: largest contributions, descending */
	size_t nlargest;
	char *dof;           /* regression: residual degrees of freedom column */
	json_t *total_codes; /* {dim: [codes]} or NULL (owned reference) */
	json_t *hierarchies; /* {dim: {parent: [children]}} or NULL (owned) */
	/* a dimension's labels fixed before the job ran (labels.c): listed,
	 * {dim: [label, ...]}, or the breaks of a binned numeric column,
	 * {dim: [b0, b1, ...]} strictly increasing; NULL when none (owned) */
	json_t *labels;
	json_t *bins;
	/* summary_statistics: its statistic columns (derived.c), or NULL */
	struct derived_decl *derived;
	size_t nderived;
	/* regression: per term, the observations its level rests on */
	char *observations;
	/* survival_table: time steps, n at risk, and the optional events,
	 * censored and survival estimate columns */
	char *time, *at_risk, *events, *censored, *survival;
};
#define MANIFEST_MAX_LABELS 10000
#define MANIFEST_MAX_BINS 1000

struct output_manifest {
	struct output_decl *outputs;
	size_t n;
};

const char *manifest_kind_name(enum output_kind k);
const char *manifest_derived_name(enum derived_kind k);
/* The derived column named col, or NULL; whether col is the largest
 * contribution of a derived mean or sum (never leaves, never a statistic). */
const struct derived_decl *manifest_derived(const struct output_decl *d, const char *col);
bool manifest_derived_largest(const struct output_decl *d, const char *col);
int manifest_kind_parse(const char *s, enum output_kind *k);

int manifest_load(const char *path, struct output_manifest *m, struct trex_err *err);
int manifest_parse(const char *text, size_t len, const char *file,
		   struct output_manifest *m, struct trex_err *err);
/* One declaration parsed from a JSON object (file is for messages). */
int manifest_decl_from_json(json_t *o, const char *file, size_t index,
			    struct output_decl *d, struct trex_err *err);
void manifest_decl_free(struct output_decl *d);
void manifest_free(struct output_manifest *m);

/* The declaration for a file given as `arg`: exact path, else basename. */
const struct output_decl *manifest_match(const struct output_manifest *m, const char *arg);

/* Whether code is a declared total code of dimension dim. */
int manifest_is_total(const struct output_decl *d, const char *dim, const char *code);

#endif
