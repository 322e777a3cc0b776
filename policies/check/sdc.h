/* Disclosure rules on one output: the table as declared, the per-cell
 * decisions and the file verdict. rules.c applies primary rules,
 * suppress.c chooses complementary cells, audit.c proves the pattern
 * protects, report.c writes the report and the released copy. */
#ifndef TREX_CHECK_SDC_H
#define TREX_CHECK_SDC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "csv.h"
#include "domains.h"
#include "idindex.h"
#include "err.h"
#include "manifest.h"
#include "policy.h"

enum sdc_verdict { SDC_PASS, SDC_SUPPRESSED, SDC_REVIEW, SDC_FAIL };

enum sdc_cell_state {
	CELL_OK = 0,
	CELL_PRIMARY,
	CELL_SECONDARY,
	CELL_REDACTED, /* rounding packs: small count withheld */
	CELL_ROUNDED,  /* rounding packs: released value differs */
};

/* A table under a declaration: column indexes resolved once. */
struct sdc_table {
	const struct csv_table *csv;
	const struct output_decl *decl;
	const char *name;            /* file name for messages */
	int dim_col[MANIFEST_MAX_DIMS];
	int count_col, value_col, contrib_col, dof_col;
	int largest_col[64];
	/* the dataset's category domains, or NULL (summary.c reads them) */
	const struct domains *domains;
	/* joint.c: the pattern the joint system gave this table, or NULL */
	const struct joint_file *joint;
};

/* One cell decision (CONTRACTS.md section 2). Kept compact rather than as
 * a JSON object: a large table can hold hundreds of thousands of them, and
 * building a jansson tree per cell was most of the checker's time.
 * report.c streams them as JSON text. */
struct sdc_cell {
	size_t row;          /* 0-based data row */
	const char *measure; /* owned by the declaration */
	const char *rule;    /* static */
	const char *action;  /* static */
	json_t *params;      /* owned reference, may be shared between cells */
	size_t reason;       /* offset of the NUL-terminated reason in reason_text */
};

/* A file-level decision: the rule of a reason and the action it caused
 * (fail or review); the report's "decisions" merges them with the cells'
 * (rule, action) pairs. Tokens from common/sdcvocab.c. */
struct sdc_file_decision {
	const char *rule, *action;
};
#define SDC_MAX_FILE_DECISIONS 32

struct audit_finding;
struct joint_file;

struct sdc_result {
	enum sdc_verdict verdict;
	json_t *reasons;          /* array of strings */
	struct sdc_file_decision fdec[SDC_MAX_FILE_DECISIONS]; /* distinct pairs */
	size_t nfdec;
	struct sdc_cell *cells;   /* decisions, in the order they were taken */
	size_t ndecisions, cap_decisions;
	char *reason_text;        /* every cell's reason, NUL-terminated */
	size_t reason_len, reason_cap;
	/* streaming checks only (stream.c): per decision, the offset of its
	 * key's codes in key_text (sdc_note_key); NULL otherwise */
	size_t *cell_key, cap_cell_key;
	char *key_text;
	size_t key_len, key_cap;
	char *id_measure;         /* the identifier decision's column (owned) */
	bool keys_hidden;         /* an identifier: cells written with empty keys */
	json_t *shared_params[4]; /* params objects shared by many cells */
	/* group.c: each dimension's codes interned (per row, and the first
	 * row of each code) */
	uint32_t *code[MANIFEST_MAX_DIMS];
	size_t *code_row[MANIFEST_MAX_DIMS];
	size_t ncodes[MANIFEST_MAX_DIMS];
	/* suppress.c -> audit.c: the audit of the final pattern, per row (or NULL) */
	struct audit_finding *audit;
	unsigned char *state;     /* per data row, enum sdc_cell_state */
	uint32_t *group_scratch;  /* per data row, a group id (rules.c): one array
				   * for every rule that groups slices */
	long *counts;             /* frequency tables: per data row, the count, or
				   * -1 when missing or invalid (rules.c) */
	char **replace;           /* per data row: released text of the count, or NULL */
	char **replace_contrib;   /* magnitude tables under a rounding pack: per data
				   * row, released text of the contributors, or NULL */
	bool drop_col[CSV_MAX_COLS]; /* columns that never leave */
	size_t ncells, nprimary, nsecondary, nredacted, nrounded;
	char summary[256];
};

const char *sdc_verdict_name(enum sdc_verdict v);
void sdc_worsen(struct sdc_result *res, enum sdc_verdict v);
int sdc_result_init(struct sdc_result *res, size_t nrows);
void sdc_result_free(struct sdc_result *res);
/* Free the per-row arrays, which only checking and the released copy read,
 * keeping what the report reads (decisions, reasons, summary). */
void sdc_result_trim(struct sdc_result *res);
/* A file-level reason: its text, its rule (a token of sdcvocab.c) and the
 * verdict it causes (SDC_REVIEW or SDC_FAIL), which the file gets. */
void sdc_reason(struct sdc_result *res, const char *rule, enum sdc_verdict v,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Forget every reason and file-level decision (stream.c, when a repeated
 * key makes the file fail on that alone). */
void sdc_reasons_clear(struct sdc_result *res);
/* Record a decision on one cell; params is stolen (may be NULL). A cell
 * whose rule passes is not listed: its decision is summarised per rule. */
void sdc_note(struct sdc_result *res, const struct sdc_table *t, size_t row,
	      const char *measure, const char *rule, json_t *params, const char *action,
	      const char *fmt, ...) __attribute__((format(printf, 8, 9)));

/* The key's codes (nd of them) of the last decision, for checks that do
 * not keep their rows (stream.c); and src's decisions appended to dst. */
int sdc_note_key(struct sdc_result *res, const char *const *codes, size_t nd);
int sdc_note_append(struct sdc_result *dst, const struct sdc_result *src, size_t nd);
/* sdc_note for the reason "<pre><a><mid><b>" without printf (the hot
 * path of the threshold rule), and with a reason formatted once */
void sdc_note_counts(struct sdc_result *res, size_t row, const char *measure,
		     const char *rule, json_t *params, const char *action, const char *pre,
		     long a, const char *mid, long b);
void sdc_note_fixed(struct sdc_result *res, size_t row, const char *measure,
		    const char *rule, json_t *params, const char *action, const char *text);
/* A rule's params object built once per result (slot 0-2) and shared */
json_t *sdc_shared(struct sdc_result *res, size_t slot, json_t *(*make)(const struct policy *),
		   const struct policy *pol);
/* The per-row group array of the slice rules, allocated once per result */
uint32_t *sdc_group_array(struct sdc_result *res, size_t n);

/* Pieces of the frequency rules shared with the streaming check: a count
 * cell's text (-1 when missing or invalid, noted), the threshold and zero
 * rules on a count (true when primary: noted and counted), the class
 * disclosure note, the undeclared-margin reasons and the summary. */
long sdc_count_text_slow(const struct policy *pol, const char *s, size_t row,
			 const char *measure, struct sdc_result *res);
bool sdc_primary_note(const struct policy *pol, size_t row, const char *measure, long n,
		      struct sdc_result *res);
/* inline: asked of every cell of a table of millions */
static inline long sdc_count_text(const struct policy *pol, const char *s, size_t row,
				  const char *measure, struct sdc_result *res)
{
	/* the common case, up to 15 plain digits: a valid count below 1e15,
	 * what the slow path accepts, without going through a double */
	if (*s >= '0' && *s <= '9') {
		long n = 0;
		const char *q = s;
		while (*q >= '0' && *q <= '9' && q - s < 15)
			n = n * 10 + (*q++ - '0');
		if (!*q)
			return n;
	}
	return sdc_count_text_slow(pol, s, row, measure, res);
}

static inline bool sdc_primary_count(const struct policy *pol, size_t row, const char *measure,
				     long n, struct sdc_result *res)
{
	if (n == 0 && !pol->zeros_are_disclosive)
		return false;
	if (n >= pol->safe_threshold && n != 0)
		return false;
	return sdc_primary_note(pol, row, measure, n, res);
}
struct sdc_magnitude {
	char dominance_reason[256], pratio_reason[256];
};
void sdc_magnitude_init(const struct policy *pol, struct sdc_magnitude *m);
void sdc_magnitude_declared(const struct policy *pol, const struct sdc_table *t,
			    struct sdc_result *res, bool *drop_col);
bool sdc_magnitude_row(const struct policy *pol, const struct sdc_table *t,
		       const struct sdc_magnitude *m, const struct csv_table *c, size_t r,
		       size_t row, struct sdc_result *res, double *value);
void sdc_class_note(const struct sdc_table *t, struct sdc_result *res, size_t row, size_t d);
bool sdc_margin_name(const char *code);
bool sdc_margin_label(const char *code); /* also partial labels (Total North) */
bool sdc_margin_holds(double sum, double max, uint32_t nonzero, size_t nslices);
void sdc_margin_named(struct sdc_result *res, const char *code, const char *dim);
void sdc_margin_found(struct sdc_result *res, const char *code, const char *dim);
/* codes that name a total and sums that behave like one (margins.c) */
void sdc_undeclared_margins(const struct sdc_table *t, struct sdc_result *res);
void sdc_summarise(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res);

/* series.c: a margin of part of a slice (a contiguous run whose first
 * or last cell is the sum of the others) and cumulative series (issue 14
 * item 6), fed one cell at a time in row order by both check paths, then
 * judged per dimension over its slices. */
#define SDC_RUN_MAX 8    /* a total and up to 7 parts (a power of 2) */
#define SDC_SERIES_MIN 4 /* cells a slice needs to make a series */
struct sdc_run {
	double v[SDC_RUN_MAX];     /* the slice's latest values, a ring */
	uint32_t code[SDC_RUN_MAX]; /* and their codes */
	uint32_t n;                /* values seen */
	uint32_t first_row;        /* row + 1 of the cell closing its first run */
	uint32_t first_code;       /* code + 1 of that run's total */
	double max;                /* largest value since the last break (>= 0) */
	uint8_t head, len, first_len;
	uint8_t neg;               /* a negative value since the last break */
};
void sdc_run_push(struct sdc_run *r, double v, uint32_t code, uint32_t row);
void sdc_run_break(struct sdc_run *r);
/* the slice has shown it holds no run: neither does its dimension */
bool sdc_run_dead(const struct sdc_run *r);
struct sdc_run_judge {
	size_t slices, row; /* slices of 3 values or more; the first run's row */
	uint32_t code;      /* their runs' total (+ 1) */
	unsigned len;
	bool differ;        /* one has no run, or another total */
};
void sdc_run_judge_init(struct sdc_run_judge *j);
void sdc_run_judge_add(struct sdc_run_judge *j, const struct sdc_run *r);
bool sdc_run_judge_holds(const struct sdc_run_judge *j);
void sdc_run_found(struct sdc_result *res, size_t row, unsigned len, const char *dim);
struct sdc_series {
	long prev;         /* the slice's previous count */
	uint32_t n;        /* counts seen */
	uint32_t step_row; /* first row (+ 1) a small step away from the one before */
	bool down, prev_hidden;
};
void sdc_series_push(struct sdc_series *s, long v, bool hidden, uint32_t row, long threshold);
struct sdc_series_judge {
	size_t row;        /* the first small step's row */
	bool down, long_enough;
};
void sdc_series_judge_init(struct sdc_series_judge *j);
void sdc_series_judge_add(struct sdc_series_judge *j, const struct sdc_series *s);
bool sdc_series_judge_holds(const struct sdc_series_judge *j);
void sdc_series_found(struct sdc_result *res, size_t row, const char *dim);

/* totals.c: totals checked whatever the cells (issue 13 item 1). A total
 * differs from its parts beyond rounding; declared totals apply (to
 * magnitude tables, and frequency tables under a suppression pack); the
 * declared totals' equations checked (*held when the file was held:
 * suppression then cannot be audited and is not run). */
bool sdc_totals_differ(double total, double parts);
bool sdc_totals_apply(const struct policy *pol, const struct sdc_table *t);
int sdc_totals_declared(const struct policy *pol, const struct sdc_table *t,
			struct sdc_result *res, bool *held, struct trex_err *err);
/* The same on column col (decisions on `measure`): additive, it must add
 * up; not (a mean), only its missing parts under a released total are
 * held. */
int sdc_totals_column(const struct policy *pol, const struct sdc_table *t,
		      struct sdc_result *res, int col, const char *measure, bool additive,
		      bool *held, struct trex_err *err);
/* Codes named like a margin that are not declared totals, in a table
 * without a primary cell: each must be the sum of its slice's parts. Both
 * paths gather the same per-slice sums, in row order: what every cell of
 * the slice adds (declared totals left out), and what its named cells
 * add (rare: the streamed check keeps it apart, for the cells it adds to
 * a slice the streamed check touches anyway). The parts are the valid
 * cells less the named ones, plus the missing ones; their sum is sum -
 * nsum, computed the same way by both. */
struct sdc_named_slice {
	double sum;              /* every valid value */
	uint32_t valid, missing; /* valid values; missing values not named */
};
struct sdc_named_cells {
	double nsum, nmin, nmax; /* the named cells' valid values */
	uint32_t named, row, code; /* how many; the first one's row and code */
};
static inline void sdc_named_cell_add(struct sdc_named_cells *c, double v, uint32_t row,
				      uint32_t code)
{
	c->nsum += v;
	if (!c->named++) {
		c->nmin = c->nmax = v;
		c->row = row;
		c->code = code;
	} else {
		c->nmin = v < c->nmin ? v : c->nmin;
		c->nmax = v > c->nmax ? v : c->nmax;
	}
}
bool sdc_named_fails(const struct policy *pol, const struct sdc_named_slice *s,
		     const struct sdc_named_cells *c);
bool sdc_code_is_named_margin(const struct output_decl *d, size_t dim, const char *code);
void sdc_named_margin_fails(struct sdc_result *res, const char *code, const char *dim);
int sdc_totals_named(const struct policy *pol, const struct sdc_table *t,
		     struct sdc_result *res, struct trex_err *err);
/* A column of the table by its declared name; -EINVAL (missing_column,
 * naming the declared column, which comes from the manifest) when absent. */
int sdc_declared_col(const struct sdc_table *t, const char *name, const char *role,
		     struct trex_err *err);
/* The 1-based positions of the columns not named, at most 8 then "...",
 * into list; returns how many are not named. */
size_t sdc_column_list(const bool *named, size_t nc, char *list, size_t size);
/* Frequency and magnitude tables: fail (undeclared_column) when a column
 * is not named by the declaration. Both paths, after the rules. */
void sdc_undeclared_columns(const struct sdc_table *t, struct sdc_result *res);
void sdc_identifier(const struct sdc_table *t, struct sdc_result *res, size_t row, size_t col);

/* Two sets of codes are of one dimension, however its column is named
 * (differencing pairs an earlier table's columns by it, the joint check
 * links tables' dimensions): more than half of the smaller set shared,
 * so a new category, or one dropped, still leaves them alike. */
static inline bool sdc_codes_alike(size_t shared, size_t na, size_t nb)
{
	return shared * 2 > (na < nb ? na : nb);
}

/* A missing-value token: empty, NA, N/A, NaN, nan, NAN, null, NULL, None, "." */
bool sdc_is_missing(const char *s);
/* Number in a cell: 0 and *out, 1 for a missing value (empty, NA, NaN...),
 * -EINVAL when it is not a plain decimal number. */
int sdc_parse_number_slow(const char *s, double *out);
static inline int sdc_parse_number(const char *s, double *out)
{
	/* the common case, a plain non-negative integer of at most 15
	 * digits: exact in a double, so the result is what strtod gives */
	if (*s >= '0' && *s <= '9') {
		unsigned long long v = 0;
		const char *q = s;
		while (*q >= '0' && *q <= '9' && q - s < 15)
			v = v * 10 + (unsigned long long)(*q++ - '0');
		if (!*q) {
			*out = (double)v;
			return 0;
		}
	}
	return sdc_parse_number_slow(s, out);
}

/* Codes are short, and comparing or hashing them byte by byte cost a
 * mispredicted loop exit each. A code of up to 7 bytes is one word: the
 * arena has CSV_PAD readable bytes from any field's start (csv.h), and
 * the bytes past the NUL are masked off. Longer codes take the loops.
 * (group.c, stream.c) */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SDC_WORDS 1
#endif

static inline uint64_t sdc_word_load(const char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* The bytes up to and including the first NUL of a little-endian word,
 * as a mask; 0 when the word has no NUL. The lowest flagged byte of the
 * classic has-zero test is exact (only bytes above it can be false). */
static inline uint64_t sdc_word_mask(uint64_t w)
{
	uint64_t z = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
	return z ? ((z & -z) << 1) - 1 : 0;
}

/* A code of up to 7 bytes as its masked word (never 0: the NUL's byte is
 * in the mask and some byte before it is not 0), or 0 for a longer or
 * empty code. */
static inline uint64_t sdc_word_key(const char *s)
{
#ifdef SDC_WORDS
	uint64_t w = sdc_word_load(s), m = sdc_word_mask(w);
	return w & m;
#else
	(void)s;
	return 0;
#endif
}

/* 64-bit finaliser for hash tables keyed by integers or words */
static inline uint64_t sdc_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* codes.c: the codes of one dimension, interned (zeroed to start): code
 * ids 0..n-1 in order of first appearance, their text and first row. */
struct codes {
	char *text;
	size_t text_len, text_cap;
	uint32_t *off, *len, *first; /* per code */
	uint32_t *next;  /* per code: the code that followed it last (+ 1) */
	uint64_t *word;  /* per code: a code of up to 7 bytes as one word, else 0 */
	size_t n, cap_codes;
	uint32_t *slots; /* open addressing, code + 1; at most half full */
	size_t cap;
	uint32_t prev;   /* the previous row's code: rows come sorted */
	bool have_prev;
};

int codes_intern(struct codes *g, const char *s, uint32_t row, uint32_t *code);
const char *codes_text(const struct codes *g, uint32_t code);
void codes_free(struct codes *g);

/* Resolve the declared columns (-EINVAL naming the missing one). */
int sdc_table_open(struct sdc_table *t, const struct csv_table *csv,
		   const struct output_decl *decl, const char *name, struct trex_err *err);
/* Apply every rule of the declaration's kind. */
int sdc_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
	      struct trex_err *err);
bool sdc_row_is_total_slow(const struct sdc_table *t, size_t row);
/* asked once per row by several rules; most tables declare no totals */
static inline bool sdc_row_is_total(const struct sdc_table *t, size_t row)
{
	return t->decl->total_codes && sdc_row_is_total_slow(t, row);
}

/* group.c: intern the dimension codes (before any grouping), and group
 * rows by their codes except dimension `skip` (none when skip >= ndims):
 * group[r] is the id of r's group, ids numbered 0..*ngroups-1 in the order
 * of their first row, so per-group arrays are as small as the groups. */
int sdc_codes_build(const struct sdc_table *t, struct sdc_result *res);
int sdc_group(const struct sdc_table *t, const struct sdc_result *res, size_t skip,
	      uint32_t *group, size_t *ngroups);
/* The slices of every dimension at once (all dimensions fixed but d), for
 * rules that look at each dimension's slices: one pass over the rows
 * instead of a grouping and a pass per dimension. Ids are numbered in the
 * order of their first row, as sdc_group numbers them; call
 * sdc_slices_row on every row in row order. Dense key spaces only:
 * sdc_slices_init returns 1 when a space is too large (use sdc_group). */
struct sdc_slices {
	size_t nd;
	uint32_t *id[MANIFEST_MAX_DIMS];  /* slice key -> id + 1 */
	uint32_t ng[MANIFEST_MAX_DIMS];   /* slices seen so far */
	uint64_t mul[MANIFEST_MAX_DIMS][MANIFEST_MAX_DIMS];
};
int sdc_slices_init(const struct sdc_table *t, const struct sdc_result *res,
		    struct sdc_slices *s);
void sdc_slices_free(struct sdc_slices *s);
/* Every dimension's slice of a row: g[d]. The row's codes are read once,
 * and kept in locals the stores cannot alias. */
static inline void sdc_slices_row(struct sdc_slices *s, const struct sdc_result *res,
				  size_t row, uint32_t *g)
{
	const size_t nd = s->nd;
	uint64_t c[MANIFEST_MAX_DIMS];

	for (size_t e = 0; e < nd; e++)
		c[e] = res->code[e][row];
	for (size_t d = 0; d < nd; d++) {
		uint64_t k = 0;
		uint32_t *id;
		for (size_t e = 0; e < nd; e++)
			k += c[e] * s->mul[d][e];
		id = s->id[d] + k;
		if (!*id)
			*id = ++s->ng[d];
		g[d] = *id - 1;
	}
}

/* Unique keys of a table whose rows come in runs per prefix of dimensions:
 * 1 unique, 2 *dup_row repeats a key, 0 cannot tell (use sdc_group). */
int sdc_unique_sorted(const struct sdc_table *t, const struct sdc_result *res, size_t *dup_row);

/* The margin equations of a table with declared totals: for every total
 * row and every dimension where its code is a total, the row equals the sum
 * of the rows with that code replaced by each of its children (direct
 * children from `hierarchies`, else every non-total code). */
struct sdc_margins {
	size_t nrows;
	double *value;   /* per row; NAN when missing or invalid */
	bool *total;     /* row carries a total code */
	size_t neq;
	size_t *eq_off;  /* neq + 1 offsets into eq_row / eq_coef */
	size_t *eq_row;
	int *eq_coef;    /* +1 for the total, -1 for each part */
	/* audit_insiders: magnitude tables with largest contributions (else
	 * NULL). Per row: the bounds [own_lo, own_hi] of the cell its largest
	 * contributor knows (NAN: nothing), and the upper end its own largest
	 * contributors require of its interval (0: none) */
	double *own_lo, *own_hi, *need_hi;
	/* the canonical order (policies/check/README.md, "Canonical order"):
	 * the rows sorted by their codes, dimension by dimension, totals
	 * after the other codes and codes in byte order. The equations, the
	 * parts within each, and every search (suppress.c, mip.c, audit.c)
	 * go in this order and break ties by it, never by row index, so the
	 * pattern does not depend on how the table was written. */
	size_t *order;   /* nrows: the rows in canonical order */
	size_t *rank;    /* per row: its place in order */
	/* joint.c: per row, cells hidden already (in an earlier release)
	 * that the pattern must keep hidden; NULL when none (not owned) */
	const unsigned char *locked;
};

/* margineqs.c: a table's margin equations, and their memory (with what
 * audit_insiders added) */
int margineqs_build(const struct sdc_table *t, struct sdc_margins *m, struct trex_err *err);
void margineqs_free(struct sdc_margins *m);

/* The audit (audit.c): what each attacker model learns of a hidden
 * primary cell (policies/check/README.md, "Suppression and its audit"). */
enum audit_attacker {
	AUDIT_OK = 0,      /* protected from every model */
	AUDIT_OUTSIDER,    /* the released table and its margins */
	AUDIT_CONTRIBUTOR, /* the largest contributor of another hidden cell */
	AUDIT_COALITION,   /* the cell's own largest contributors */
};
struct audit_finding {
	enum audit_attacker by; /* the first model the cell is not protected from */
	double lo, hi;          /* the outsider's interval (hi INFINITY: unbounded) */
	size_t attacker;        /* AUDIT_CONTRIBUTOR: the row whose contributor it is */
	double alo, ahi;        /* AUDIT_CONTRIBUTOR: that attacker's interval */
};

/* Fill m's own_lo, own_hi and need_hi from the table's largest
 * contributions and contributor counts (magnitude tables; else they stay
 * NULL and only the outsider is modelled). margineqs_free frees
 * them. */
int audit_insiders(const struct policy *pol, const struct sdc_table *t, struct sdc_margins *m,
		   struct trex_err *err);
void audit_insiders_free(struct sdc_margins *m);
/* Feasible interval [lo, hi] the outsider has of every primary-suppressed
 * cell given the released cells, by linear programming: non-negative
 * cells, margins as equalities; the other unknowns (complements, missing
 * values) are left at [0, INFINITY] without solving. hi is INFINITY when
 * unbounded. */
int audit_intervals(const struct sdc_margins *m, const unsigned char *state, double *lo,
		    double *hi, struct trex_err *err);
/* Every attacker model on every primary cell of the pattern state: f[row]
 * (other rows get their value, or [0, INFINITY] when hidden). Rows with
 * known[row] set (when known is not NULL) are taken as protected -- hiding
 * more cells never narrows an interval, so a cell protected under a
 * subset of the pattern is -- and get only the outsider's interval, or
 * NAN when intervals is false. */
int audit_cells(const struct policy *pol, const struct sdc_table *t,
		const struct sdc_margins *m, const unsigned char *state, const unsigned char *known,
		bool intervals, struct audit_finding *f, struct trex_err *err);
/* Tests: leave the greedy pattern as it is (no release of complements
 * the audit does not need), to show the minimality test can fail. */
void suppress_set_prune(bool on);
/* Tests: solve every contributor attacker's LP, without the convexity
 * shortcut that proves most of them harmless from two known points. */
void audit_set_shortcut(bool on);
/* Does the pattern state protect every primary cell from every attacker
 * model? The rows in first are solved first, and the answer is given at
 * the first cell that is not protected; *solves counts the LPs solved. */
int audit_holds(const struct policy *pol, const struct sdc_table *t,
		const struct sdc_margins *m, const unsigned char *state, const size_t *first,
		size_t nfirst, size_t *solves, bool *holds, struct trex_err *err);
/* The outsider's requirement alone on interval [lo, hi] of a cell of value v. */
bool audit_protected(const struct policy *pol, const struct sdc_table *t, double v, double lo,
		     double hi);
/* Protection a suppressed cell of value v needs: the interval must reach
 * below v - *lower and above v + *upper. */
void audit_protection(const struct policy *pol, const struct sdc_table *t, double v,
		      double *lower, double *upper);

/* summary.c: summary statistics (issue 13 item 4). The kind of statistic
 * a column's header names (pct: its percentile, -1 when none), whether a
 * percentile k of n records rests on the smallest or largest one; the
 * primary rules; the totals of the additive statistics; secondary
 * suppression as a magnitude table (n, then n x mean). */
enum summary_stat {
	STAT_OTHER,      /* median-like or unknown: hidden with its row */
	STAT_EXTREME,    /* a minimum, maximum, range, 0th or 100th percentile */
	STAT_PERCENTILE, /* a percentile strictly between 0 and 100 (median: 50) */
	STAT_SPREAD,     /* standard deviation, variance, standard error */
	STAT_SUM,        /* a sum: adds up as it is */
	STAT_MEAN,       /* a mean or proportion: n x it adds up */
};
/* statname.c: what a summary column's header says it holds (pct: the
 * percentile it names, -1 when none); whether percentile k of n records
 * rests on the smallest or largest; whether column col is a statistic
 * (not n, a dimension or a derived mean's largest contributions) */
enum summary_stat statname_kind(const char *header, double *pct);
bool statname_pct_extreme(double k, long n);
bool statname_is_stat(const struct sdc_table *t, size_t col);
/* a mean (n x it adds up: *times_n) or a sum: totals add it up */
bool statname_additive(const struct sdc_table *t, size_t col, bool *times_n);
int summary_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		  struct trex_err *err);
int summary_totals(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		   bool *held, struct trex_err *err);
int summary_suppress(const struct policy *pol, const struct sdc_table *t,
		     struct sdc_result *res, struct trex_err *err);

/* suppress.c: complementary suppression so no primary cell can be
 * recovered from the declared margins. */
int suppress_secondary(const struct policy *pol, const struct sdc_table *t,
		       struct sdc_result *res, struct trex_err *err);
/* The same on margins built by the caller (joint.c builds them across
 * tables): takes m (freed, zeroed) whatever the outcome. */
int suppress_pattern(const struct policy *pol, const struct sdc_table *t,
		     struct sdc_result *res, struct sdc_margins *m, struct trex_err *err);

/* joint.c: a table of a joint system (t->joint) takes the system's
 * pattern instead of choosing its own complements: every cell the system
 * hides is hidden (rule `linked` when the table's own check kept it), its
 * primary cells audited on its own margins, and the file held when the
 * joint audit could not protect it or it was too large to join. */
int joint_apply(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		bool held, struct trex_err *err);

/* round.c, rounding packs: every count released is redacted or rounded
 * by one function of the true count (round_count). A frequency table's
 * cells, its totals the sums of its released cells; the counts of a
 * summary table and the contributor counts of a magnitude table. */
long round_count(const struct policy *pol, long n);
int round_frequency(const struct policy *pol, const struct sdc_table *t,
		    struct sdc_result *res, struct trex_err *err);
int round_counts(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		 struct trex_err *err);

/* audit.c: LP bounds of every suppressed cell given what is released. */
int audit_suppression(const struct policy *pol, const struct sdc_table *t,
		      struct sdc_result *res, struct trex_err *err);

/* difference.c: hold for review a table that differs, cell by cell, from
 * one released earlier or beside it (its dimensions paired by name or by
 * their codes, its counts by name or by being counts) by fewer than
 * safe_threshold units.
 * Differencing in pieces, for a table read a batch at a time (stream.c):
 * the comparable tables under prevdir loaded and indexed, the checked
 * table's rows added as they come, then the verdict (what diff_check
 * does on a whole table). A table to pair by content waits for the
 * checked table's codes: diff_pair, after the last rows, given each
 * dimension's codes, pairs them and says whether one paired (1: its
 * cells were not compared, check the table whole). */
struct diff_prev;
/* The released copies of the outputs of this run checked before (their
 * paths, and names for the reasons): a job's outputs are compared with
 * one another as with earlier releases. */
struct diff_siblings {
	size_t n;
	const char *const *path;
	const char *const *name;
};
static inline bool diff_wanted(const char *prevdir, const struct diff_siblings *sib)
{
	return prevdir || (sib && sib->n);
}
struct diff_codes;
struct diff_pending;
struct diff_state {
	struct diff_prev *v;
	size_t n;
	struct diff_pending *pending; /* tables to pair by content (streamed) */
	size_t npending;
	struct diff_codes *tcodes;  /* the checked table's codes, per dimension */
	bool whole;                 /* the checked table is all in t->csv */
	int mcol;
	char *too_large; /* a comparable release too large to compare */
	/* rounding packs (whole tables): the checked table's released values
	 * are compared, as earlier releases are (round.c); NULL otherwise */
	const struct sdc_result *released;
};
int diff_open(const struct sdc_table *t, const char *prevdir, const struct diff_siblings *sib,
	      struct diff_state *ds, struct trex_err *err);
void diff_rows(struct diff_state *ds, const struct sdc_table *t, const struct csv_table *c,
	       size_t from, size_t to);
int diff_pair(struct diff_state *ds, const struct sdc_table *t, const struct codes *dims,
	      struct trex_err *err);
void diff_finish(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		 struct diff_state *ds);
void diff_free(struct diff_state *ds);
int diff_check(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
	       const char *prevdir, const struct diff_siblings *sib, struct trex_err *err);

/* report.c: the file entry without its cells, and the cells as a JSON
 * array written straight into a buffer (*text, *len; freed by the caller). */
json_t *report_file(const struct sdc_table *t, const struct sdc_result *res,
		    const char *file, const char *kind, const char *released);
/* The file's "decisions": one {"rule","action","cells"} per distinct pair
 * of its cell decisions (cells counted) and file-level reasons (0 cells
 * when no cell shares the pair), sorted by rule then action. */
json_t *report_decisions(const struct sdc_result *res);
int report_cells_text(const struct sdc_table *t, const struct sdc_result *res, char **text,
		      size_t *len);
/* The same bytes written to f through a small buffer (-EIO, -ENOMEM), and
 * a lower bound of their size. */
int report_cells_write(FILE *f, const struct sdc_table *t, const struct sdc_result *res);
size_t report_cells_size(const struct sdc_table *t, const struct sdc_result *res);
int report_write_released(const struct sdc_table *t, const struct sdc_result *res,
			  const char *marker, const char *path, bool sync, struct trex_err *err);
/* The released copy's pieces, for a table written as it is read
 * (stream.c): a temporary file in dir; rows (the header when asked) with
 * the suppressed cells replaced; then renamed to path, or discarded when
 * path is NULL. */
int report_release_open(const char *dir, char **tmp, FILE **f, struct trex_err *err);
int report_write_rows(FILE *f, const struct sdc_table *t, const struct sdc_result *res,
		      const char *marker, bool header);
int report_release_close(FILE *f, char *tmp, const char *path, bool sync,
			 struct trex_err *err);

/* stream.c: a frequency or magnitude table without declared totals,
 * checked a batch of rows at a time (bounded memory: codes and slices,
 * never the rows). Only
 * for tables whose rows come grouped by their dimensions (sorted, or as
 * any group-by writes them); 1 when they do not, to be checked whole
 * instead (f is rewound). On 0, t (its csv the header only) and res are
 * the check's, identifiers included, and the released copy, when out_dir
 * is set and the verdict lets it leave, is at release_path. */
struct stream_opts {
	const struct idindex *ids;  /* NULL or empty: no identifier scan */
	const char *out_dir;        /* NULL: no released copy */
	const char *release_path;
	const char *marker;
	bool sync;                  /* fsync the released copy (--no-sync: not) */
	const char *previous;       /* NULL, or tables released earlier (differencing) */
	const struct domains *domains; /* NULL, or the dataset's category domains (labels.c) */
	const struct diff_siblings *siblings; /* NULL, or this run's released outputs */
};
bool stream_eligible(const struct policy *pol, const struct output_decl *d);
int stream_check(const struct policy *pol, const struct output_decl *d, const char *name,
		 FILE *f, const struct stream_opts *so, struct csv_stream *cs,
		 struct sdc_table *t, struct sdc_result *res, bool *released,
		 struct trex_err *err);

#endif
