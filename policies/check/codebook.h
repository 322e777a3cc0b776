/* A dataset's derived codebook: what a researcher may know of its shape
 * (files, columns, types, value domains, ranges, identifier columns),
 * built in the same one pass as the identifier index and the category
 * domains (dsindex.c, `--codebook-out FILE`), with the disclosure rules
 * applied here, before anything is written: the file is egress
 * (docs/datasets.md, common/codebook.h for the format, TREXCB1).
 *
 * What it shows of a column, with k the policy's safe_threshold:
 *   - an id column: its type "identifier", the shape of its values
 *     (hex, digits or text, and their length when all share one), never
 *     a value;
 *   - a category column (domains.h's rule: at most DOMAINS_MAX_VALUES
 *     distinct values, DOMAINS_MIN_MEAN rows a value on average): the
 *     values seen in at least k rows; the others are withheld, said by
 *     "suppressed": "threshold" (the rule of common/sdcvocab.c);
 *   - a numeric column: a range from the k-th smallest value rounded
 *     down to the k-th largest rounded up, to 2 significant digits, so
 *     that at least k rows lie at or beyond each bound and no single
 *     extreme value shows; fewer than 2k values: no range, "suppressed";
 *   - a date column (YYYY-MM-DD, optionally a time): the same range of
 *     months ("2022-01"), never a day (not as category values either);
 *   - rows of a file rounded to 2 significant digits, and whether some
 *     values are empty.
 * Per cell the work is a classification and, for numbers, a comparison
 * with the top of two heaps of k values: no allocation but for a new
 * distinct value of a column still below DOMAINS_MAX_VALUES. */
#ifndef TREX_CHECK_CODEBOOK_H
#define TREX_CHECK_CODEBOOK_H

#include <stddef.h>

#include "err.h"

/* thresholds above this are refused (two heaps of k doubles a column) */
#define CODEBOOK_MAX_THRESHOLD 100000

struct codebook_builder;

int codebook_builder_new(struct codebook_builder **b, char *const *ids, size_t nids,
			 long threshold);
/* A file's header; name is the file's path below the dataset folder. */
int codebook_builder_header(struct codebook_builder *b, const char *name, char *const *fields,
			    size_t n);
int codebook_builder_row(struct codebook_builder *b, char *const *fields, size_t n);
/* Atomically to out; *ncols columns described. */
int codebook_builder_write(struct codebook_builder *b, const char *out, size_t *ncols,
			   struct trex_err *err);
void codebook_builder_free(struct codebook_builder *b);

/* x rounded to 2 significant digits, down (dir < 0) or up (dir > 0). */
double codebook_round2(double x, int dir);

#endif
