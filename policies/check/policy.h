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
/* profiles a pack may follow: {"profile": A} -> A names B -> ... */
#define POLICY_MAX_DEPTH 4

enum policy_method {
	POLICY_SUPPRESS, /* primary + secondary cell suppression */
	POLICY_ROUND,    /* redact small counts, round the rest (OpenSAFELY) */
};

/* Whose definitions decide the rules' boundaries (pack key "anchor";
 * policies/disclosure/README.md has the table, boundary by boundary). */
enum policy_anchor {
	POLICY_ANCHOR_ACRO,      /* ACRO 1.0.1: (n,k) at exactly k fails, ... */
	POLICY_ANCHOR_TAU_ARGUS, /* tau-ARGUS: (n,k) only above k, zero rule, additivity */
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
	enum policy_anchor anchor;
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

/* The one reader of the pack format, shared by trex-check and trexd (which
 * validates packs with it at `trexd -n` and hands the checker what it
 * resolved). A pack is either self-contained (every key its own, 'name' and
 * 'version' required) or {"profile": NAME, ...}: the pack DIR/NAME.json,
 * itself resolved (at most POLICY_MAX_DEPTH profiles deep), with this
 * file's other keys over it; a file that overrides anything must carry its
 * own 'name' and 'version'. Every error names the file (and key) at fault.
 *
 * policy_read: FILE resolved with profiles in DIR (NULL: $TREX_POLICY_DIR,
 * else <dir of the binary>/../policies/disclosure) into p; when resolved is
 * not NULL it gets the pack as one self-contained JSON object (no
 * "profile"; it reads back to the same p), the caller's to json_decref. */
int policy_read(const char *dir, const char *file, struct policy *p, json_t **resolved,
		struct trex_err *err);
/* NAME (no '/' and no ".json") resolves to DIR/NAME.json where DIR is
 * $TREX_POLICY_DIR or <dir of the binary>/../policies/disclosure; anything
 * else is a path. */
int policy_load(const char *name_or_path, struct policy *p, struct trex_err *err);
/* TEXT as the pack FILE (profiles resolved as by policy_load). */
int policy_parse(const char *text, size_t len, const char *file, struct policy *p,
		 struct trex_err *err);
/* The pack as it appears in the report. */
json_t *policy_to_json(const struct policy *p);

#endif
