/* The kind of statistic a summary table's column holds, from its header
 * alone (summary.c's top comment: min, max, percentiles 0 and 100 never
 * leave; means and sums add up). Also read by derived.c and totals.c. */
#include "sdc.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

#define STATNAME_MAX_TOKENS 16

struct statname_tokens {
	char t[STATNAME_MAX_TOKENS][32];
	size_t n;
};

static bool summary_tok_char(const char *h, size_t i)
{
	unsigned char c = (unsigned char)h[i];

	if (isalnum(c) || c == '%')
		return true;
	/* a decimal point between digits: p2.5, quantile_0.95 */
	return c == '.' && i > 0 && isdigit((unsigned char)h[i - 1]) &&
	       isdigit((unsigned char)h[i + 1]);
}

static void statname_tokenize(const char *h, struct statname_tokens *tk)
{
	size_t len = 0;

	tk->n = 0;
	for (size_t i = 0;; i++) {
		bool in = h[i] && summary_tok_char(h, i);
		/* ageMax -> age, max */
		bool camel = in && len && islower((unsigned char)h[i - 1]) &&
			     isupper((unsigned char)h[i]);
		if ((!in || camel) && len) {
			tk->t[tk->n][len] = '\0';
			if (++tk->n == STATNAME_MAX_TOKENS)
				return;
			len = 0;
		}
		if (!h[i])
			return;
		if (in && len + 1 < sizeof(tk->t[0]))
			tk->t[tk->n][len++] = (char)tolower((unsigned char)h[i]);
	}
}

static bool statname_in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* A plain number (digits, one optional '.'): its value and whether it has
 * a decimal point. */
static bool statname_number(const char *s, double *v, bool *frac)
{
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return false;
	*v = strtod(s, &end);
	*frac = strchr(s, '.') != NULL;
	return !*end && isfinite(*v);
}

/* The percentile a prefix and a number name: "p" 95, "q" 4 (a quartile),
 * "quantile" 0.95 (a fraction), ... -1 when none. */
static double statname_pct_of(const char *prefix, double v, bool frac)
{
	static const char *const pct[] = {"p", "pct", "perc", "percentile", "centile"};

	if (statname_in(prefix, pct, sizeof(pct) / sizeof(pct[0])))
		return v <= 100 ? v : -1;
	if (!strcmp(prefix, "q") || !strcmp(prefix, "quantile")) {
		if (frac)
			return v <= 1 ? 100 * v : -1;
		if (!strcmp(prefix, "q") && v <= 4)
			return 25 * v; /* quartiles: q0 .. q4 */
		return v <= 100 ? v : -1;
	}
	return -1;
}

enum summary_stat statname_kind(const char *header, double *pct)
{
	static const char *const extreme[] = {
		"min", "max", "minimum", "maximum", "range", "smallest", "largest", "lowest",
		"highest", "mini", "maxi", "minval", "maxval", "extreme", "extremes",
	};
	static const char *const spread[] = {
		"sd", "std", "stdev", "stddev", "var", "variance", "se", "sem", "stderr",
	};
	static const char *const sums[] = {"sum", "total", "sums", "totals"};
	static const char *const means[] = {
		"mean", "avg", "average", "proportion", "prop", "percent", "percentage",
		"share", "frac", "fraction", "pct", "%",
	};
	static const char *const prefixes[] = {
		"p", "pct", "perc", "percentile", "centile", "quantile", "q",
	};
	struct statname_tokens tk;
	enum summary_stat kind = STAT_OTHER;

	*pct = -1;
	statname_tokenize(header, &tk);
	for (size_t i = 0; i < tk.n; i++)
		if (statname_in(tk.t[i], extreme, sizeof(extreme) / sizeof(extreme[0])))
			return STAT_EXTREME;
	for (size_t i = 0; i < tk.n; i++) {
		const char *s = tk.t[i];
		size_t l = strlen(s), p = 0;
		double v, k = -1;
		bool frac;

		if (!strcmp(s, "median")) {
			k = 50;
		} else if (l > 1 && s[l - 1] == '%') {
			char num[32];
			memcpy(num, s, l - 1);
			num[l - 1] = '\0';
			if (statname_number(num, &v, &frac) && v <= 100)
				k = v;
		} else if ((!strcmp(s, "1st") || !strcmp(s, "3rd")) && i + 1 < tk.n &&
			   !strcmp(tk.t[i + 1], "qu")) {
			k = s[0] == '1' ? 25 : 75; /* R's summary(): 1st Qu., 3rd Qu. */
		} else {
			/* a prefix and its number, in one token or two */
			while (p < l && isalpha((unsigned char)s[p]))
				p++;
			if (p && p < l) {
				char prefix[32];
				memcpy(prefix, s, p);
				prefix[p] = '\0';
				if (statname_number(s + p, &v, &frac))
					k = statname_pct_of(prefix, v, frac);
			} else if (p == l && i + 1 < tk.n &&
				   statname_in(s, prefixes, sizeof(prefixes) / sizeof(prefixes[0])) &&
				   statname_number(tk.t[i + 1], &v, &frac)) {
				k = statname_pct_of(s, v, frac);
			}
		}
		if (k >= 0) {
			*pct = k;
			return k == 0 || k == 100 ? STAT_EXTREME : STAT_PERCENTILE;
		}
	}
	for (size_t i = 0; i < tk.n && kind == STAT_OTHER; i++)
		if (statname_in(tk.t[i], spread, sizeof(spread) / sizeof(spread[0])))
			kind = STAT_SPREAD;
	for (size_t i = 0; i < tk.n && kind == STAT_OTHER; i++)
		if (statname_in(tk.t[i], sums, sizeof(sums) / sizeof(sums[0])))
			kind = STAT_SUM;
	for (size_t i = 0; i < tk.n && kind == STAT_OTHER; i++)
		if (statname_in(tk.t[i], means, sizeof(means) / sizeof(means[0])))
			kind = STAT_MEAN;
	return kind;
}

bool statname_pct_extreme(double k, long n)
{
	double h = (double)(n - 1) * k / 100.0;

	return n < 2 || h < 1 || h > (double)(n - 2);
}


bool statname_is_stat(const struct sdc_table *t, size_t col)
{
	if ((int)col == t->count_col)
		return false;
	/* a derived mean's largest contributions never leave (derived.c) */
	if (t->decl->nderived && manifest_derived_largest(t->decl, csv_header(t->csv, col)))
		return false;
	for (size_t d = 0; d < t->decl->ndims; d++)
		if (t->dim_col[d] == (int)col)
			return false;
	return true;
}

bool statname_additive(const struct sdc_table *t, size_t col, bool *times_n)
{
	double pct;
	enum summary_stat k;

	if (!statname_is_stat(t, col))
		return false;
	k = statname_kind(csv_header(t->csv, col), &pct);
	*times_n = k == STAT_MEAN;
	return k == STAT_MEAN || k == STAT_SUM;
}
