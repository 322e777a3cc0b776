/* "Did you mean": the closest of a set of valid names to a word that is
 * not one of them (a manifest key, a dataset, a verb), by edit distance
 * (insertions, deletions, substitutions and swaps of neighbours), so a
 * typo gets an answer instead of only a refusal. */
#ifndef TREX_SUGGEST_H
#define TREX_SUGGEST_H

#include <stddef.h>

/* The nearest of choices[0..n) to word, or NULL when none is near enough
 * (at most 1 edit for words up to 4 bytes, 2 up to 8, else 3) or two are
 * equally near. Words longer than 64 bytes get no suggestion. */
const char *trex_suggest(const char *word, const char *const *choices, size_t n);

/* Append the choices to out (outsz bytes) as "a, b, c", cut with ", ..."
 * when they do not fit. Returns the length written. */
size_t trex_suggest_list(const char *const *choices, size_t n, char *out, size_t outsz);

#endif
