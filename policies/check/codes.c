/* The codes of one dimension of a table, interned: small integers in the
 * order they first appear, with their text (owned, so a table read a batch
 * at a time can drop its rows) and the first row of each. Rules compare and
 * group rows by these integers instead of strings (group.c, stream.c). A
 * table's rows come in order, so a dimension's codes come back in the same
 * sequence: the previous code, and the code that followed it last time,
 * are tried before any hashing; a code of up to 7 bytes is compared as one
 * word (sdc_word_key). */
#include "sdc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "fnv.h"

static uint64_t codes_hash(const char *s, size_t n)
{
	return sdc_mix(trex_fnv64_mem(TREX_FNV64_INIT, s, n));
}

static int codes_grow(struct codes *g)
{
	size_t ncap = g->cap ? g->cap * 2 : 1024;
	uint32_t *ns = trex_calloc(ncap, sizeof(uint32_t));

	if (!ns)
		return -ENOMEM;
	for (size_t k = 0; k < g->n; k++) {
		size_t j = codes_hash(g->text + g->off[k], g->len[k]) & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = (uint32_t)(k + 1);
	}
	trex_free(g->slots);
	g->slots = ns;
	g->cap = ncap;
	return 0;
}

static int codes_add(struct codes *g, const char *s, size_t n, uint32_t row)
{
	if (g->n == g->cap_codes) {
		size_t c = g->cap_codes ? g->cap_codes * 2 : 256;
		if (trex_resize_array(&g->off, c, sizeof(*g->off)) < 0 ||
		    trex_resize_array(&g->len, c, sizeof(*g->len)) < 0 ||
		    trex_resize_array(&g->first, c, sizeof(*g->first)) < 0 ||
		    trex_resize_array(&g->next, c, sizeof(*g->next)) < 0 ||
		    trex_resize_array(&g->word, c, sizeof(*g->word)) < 0)
			return -ENOMEM;
		g->cap_codes = c;
	}
	if (g->text_cap - g->text_len < n + 1) {
		size_t c = g->text_cap ? g->text_cap : 4096;
		char *t;
		while (c - g->text_len < n + 1)
			c *= 2;
		if (c > UINT32_MAX)
			return -ENOMEM;
		t = trex_realloc(g->text, c);
		if (!t)
			return -ENOMEM;
		g->text = t;
		g->text_cap = c;
	}
	memcpy(g->text + g->text_len, s, n + 1);
	g->off[g->n] = (uint32_t)g->text_len;
	g->len[g->n] = (uint32_t)n;
	g->first[g->n] = row;
	g->next[g->n] = 0;
	g->word[g->n] = sdc_word_key(s);
	g->text_len += n + 1;
	g->n++;
	return 0;
}

static inline bool codes_memeq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* a stored code (NUL-terminated) against a field */
static inline bool codes_streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The code of s (NUL-terminated) in dimension g, new codes added. A
 * table's rows come in order, so a dimension's codes come back in the
 * same sequence: the code that followed the previous one last time is
 * tried first (and the previous one itself), before any hashing. */
int codes_intern(struct codes *g, const char *s, uint32_t row, uint32_t *code)
{
	const uint64_t w = sdc_word_key(s);
	size_t n, mask, i;

	if (g->have_prev) {
		uint32_t nx = g->next[g->prev];
		if (w ? g->word[g->prev] == w : codes_streq(g->text + g->off[g->prev], s)) {
			*code = g->prev;
			return 0;
		}
		if (nx && (w ? g->word[nx - 1] == w : codes_streq(g->text + g->off[nx - 1], s))) {
			*code = g->prev = nx - 1;
			return 0;
		}
	}
	n = strlen(s);
	if (g->n * 2 >= g->cap && codes_grow(g) < 0)
		return -ENOMEM;
	mask = g->cap - 1;
	for (i = codes_hash(s, n) & mask;; i = (i + 1) & mask) {
		uint32_t k = g->slots[i];
		if (!k) {
			if (codes_add(g, s, n, row) < 0)
				return -ENOMEM;
			g->slots[i] = (uint32_t)g->n;
			*code = (uint32_t)(g->n - 1);
			break;
		}
		if (w ? g->word[k - 1] == w
		      : g->len[k - 1] == n && codes_memeq(g->text + g->off[k - 1], s, n)) {
			*code = k - 1;
			break;
		}
	}
	if (g->have_prev)
		g->next[g->prev] = *code + 1;
	g->prev = *code;
	g->have_prev = true;
	return 0;
}

const char *codes_text(const struct codes *g, uint32_t code)
{
	return g->text + g->off[code];
}

void codes_free(struct codes *g)
{
	trex_free(g->text);
	trex_free(g->off);
	trex_free(g->len);
	trex_free(g->first);
	trex_free(g->next);
	trex_free(g->word);
	trex_free(g->slots);
	memset(g, 0, sizeof(*g));
}
