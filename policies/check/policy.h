/* Disclosure rule packs: versioned JSON files of rule parameters (ACRO's
 * names), never code. Parsing is strict: a duplicate or unknown key is an
 * error naming the file and the key, because a misspelt threshold silently
 * falling back to a default is exactly the failure a TRE cannot afford. */
#ifndef TREX_CHECK_POLICY_H
#define TREX_CHECK_POLICY_H

#include <stdbool.h>

#include <jansson.h>

#include "err.h"

#define POLICY_MAX_BYTES (64 * 1024)

enum policy_method {
	POLICY_SUPPRESS, /* primary + secondary cell suppression */
	POLICY_ROUND,    /* redact small counts, round the rest (OpenSAFELY) */
};

struct policy {
	char name[64];
	char version[32];
	long safe_threshold;
	long safe_dof_threshold;
	long safe_nk_n;
	double safe_nk_k;
	double safe_pratio_p;
	bool zeros_are_disclosive;
	bool check_missing_values;
	enum policy_method method;
	long redact_at_or_below;  /* rounding: counts 1..this are redacted */
	long rounding_base;       /* rounding: round to the nearest multiple */
	bool rounding_midpoint;   /* rounding: midpoint-N (1..N -> N/2, N+1..2N -> 3N/2) */
	long protection_percent;  /* suppression audit: required interval width, % of the cell */
	/* record-level labels (labels.c): a dimension whose distinct labels
	 * are unknown to the dataset in a larger share than this is held */
	double max_unknown_label_share;
	/* and one with a distinct label per row (another dimension varying)
	 * from this many rows on */
	long record_level_min_rows;
};

void policy_defaults(struct policy *p);

/* NAME (no '/' and no ".json") resolves to DIR/NAME.json where DIR is
 * $TREX_POLICY_DIR or <dir of the binary>/../policies/disclosure; anything
 * else is a path. */
int policy_load(const char *name_or_path, struct policy *p, struct trex_err *err);
int policy_parse(const char *text, size_t len, const char *file, struct policy *p,
		 struct trex_err *err);
/* The pack as it appears in the report. */
json_t *policy_to_json(const struct policy *p);

#endif
