#include "suggest.h"

#include <stdio.h>
#include <string.h>

#define SUGGEST_MAX_LEN 64

/* Optimal string alignment distance (Damerau-Levenshtein without
 * repeated edits of one substring), cut off above `limit`. */
static size_t suggest_distance(const char *a, size_t la, const char *b, size_t lb, size_t limit)
{
	size_t d[3][SUGGEST_MAX_LEN + 1];
	size_t *prev2 = d[0], *prev = d[1], *cur = d[2];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		size_t best = cur[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = prev[j - 1] + cost;
			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

const char *trex_suggest(const char *word, const char *const *choices, size_t n)
{
	size_t lw = strlen(word);
	if (lw == 0 || lw > SUGGEST_MAX_LEN)
		return NULL;
	size_t limit = lw <= 4 ? 1 : lw <= 8 ? 2 : 3;
	const char *best = NULL;
	size_t best_d = limit + 1;
	int tie = 0;
	for (size_t i = 0; i < n; i++) {
		size_t lc = strlen(choices[i]);
		if (lc > SUGGEST_MAX_LEN || (lc > lw ? lc - lw : lw - lc) > limit)
			continue;
		size_t dist = suggest_distance(word, lw, choices[i], lc, limit);
		if (dist < best_d) {
			best = choices[i];
			best_d = dist;
			tie = 0;
		} else if (dist == best_d && best && strcmp(best, choices[i]) != 0) {
			tie = 1;
		}
	}
	return best && !tie && best_d > 0 ? best : NULL;
}

size_t trex_suggest_list(const char *const *choices, size_t n, char *out, size_t outsz)
{
	size_t o = 0;
	if (outsz == 0)
		return 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t need = strlen(choices[i]) + (i ? 2 : 0);
		if (o + need + 6 >= outsz) {
			if (o + 6 < outsz)
				o += (size_t)snprintf(out + o, outsz - o, "%s...", i ? ", " : "");
			break;
		}
		o += (size_t)snprintf(out + o, outsz - o, "%s%s", i ? ", " : "", choices[i]);
	}
	return o;
}
