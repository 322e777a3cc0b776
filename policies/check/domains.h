/* A dataset's category domains: the values its columns can take as
 * categories, built once per dataset with its identifier index
 * (`--build-id-index ... --domains-out FILE`) and read by the record-level
 * label rule (labels.c, `--domains FILE`). It holds every category
 * value, however rare: it is the checker's, never shown to researchers
 * (their codebook is codebook.c's, under the disclosure rules):
 *
 *   {"format": "TREXDOM1", "max_values": 1000, "min_mean": 10,
 *    "names": [every column name of every file],
 *    "columns": {"sex": ["1", "2"], ...},   (category columns only)
 *    "dates": ["2022", "2022-06", ...]}
 *
 * A column (merged by name over the dataset's files, id columns left
 * out) is a category column when it has at most DOMAINS_MAX_VALUES
 * distinct non-empty values and each is seen DOMAINS_MIN_MEAN times on
 * average (distinct x DOMAINS_MIN_MEAN <= non-empty values): a column
 * whose values are mostly unique (names, amounts, free text) is not a set
 * of categories, however small the dataset. Every value of any non-id
 * column that is an ISO date (YYYY-MM-DD, optionally followed by 'T' or
 * ' ' and a time) adds its year and year-month to "dates" (at most
 * DOMAINS_MAX_DATES of them). Values that are not UTF-8 are left out
 * (no output label can equal them). */
#ifndef TREX_CHECK_DOMAINS_H
#define TREX_CHECK_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"

#define DOMAINS_FORMAT "TREXDOM1"
#define DOMAINS_MAX_VALUES 1000
#define DOMAINS_MIN_MEAN 10
#define DOMAINS_MAX_DATES 100000
#define DOMAINS_MAX_BYTES (64u * 1024 * 1024)

/* A set of strings, compared exactly; open addressing on a 64-bit hash.
 * Copies what it is given when own, else keeps the pointers. */
struct strset {
	const char **s;
	uint64_t *h;
	size_t n, cap;
	bool own;
};
/* 1 added, 0 already there, -ENOMEM */
int strset_add(struct strset *set, const char *s, size_t len);
bool strset_has(const struct strset *set, const char *s, size_t len);
void strset_free(struct strset *set);

struct domains_col;
struct domains_builder {
	struct domains_col *cols;
	size_t ncols, cap;
	struct strset names, dates;
	size_t map[256];      /* this file's field -> column + 1 (0: not kept) */
	size_t nmap;
	char *const *ids;     /* id columns: never a domain */
	size_t nids;
};
int domains_builder_init(struct domains_builder *b, char *const *ids, size_t nids);
int domains_builder_header(struct domains_builder *b, char *const *fields, size_t n);
int domains_builder_row(struct domains_builder *b, char *const *fields, size_t n);
/* Atomically to out; *nvalues: category values and dates written. */
int domains_builder_write(struct domains_builder *b, const char *out, size_t *nvalues,
			  struct trex_err *err);
void domains_builder_free(struct domains_builder *b);

/* YYYY-MM-DD (a real month and day), then nothing, or 'T' or ' ' and a
 * time: a date of the dataset (also codebook.c's date columns). */
bool domains_is_date(const char *s, size_t len);

/* Loaded: every name, category value and date in one set. */
struct domains {
	struct strset set;
	json_t *root;
};
int domains_load(const char *path, struct domains *d, struct trex_err *err);
bool domains_has(const struct domains *d, const char *s);
void domains_free(struct domains *d);

#endif
