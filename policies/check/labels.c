/* The record-level label rule (labels.h). Linear in the distinct labels:
 * each is looked up in the dataset's domains and the declaration's label
 * set (hashes), or parsed once as a bin and its breaks found by binary
 * search. */
#include "labels.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

/* A plain decimal at s: [-]digits[.digits] (digits on one side at
 * least); its end, or NULL. */
static const char *labels_num(const char *s, double *v)
{
	const char *p = s;
	bool digits = false;
	char buf[64];

	if (*p == '-')
		p++;
	while (*p >= '0' && *p <= '9')
		p++, digits = true;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits = true;
	}
	if (!digits || (size_t)(p - s) >= sizeof(buf))
		return NULL;
	memcpy(buf, s, (size_t)(p - s));
	buf[p - s] = '\0';
	*v = strtod(buf, NULL);
	return p;
}

/* Index of x in the breaks, or -1. */
static long labels_break(const double *b, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && b[lo] == x ? (long)lo : -1;
}

/* [a, b) is a declared bin: consecutive breaks. */
static bool labels_bin(const double *b, size_t n, double a, double e)
{
	long i = labels_break(b, n, a);
	return i >= 0 && (size_t)i + 1 < n && b[i + 1] == e;
}

static bool labels_is_int(double x)
{
	return x == (double)(long long)x;
}

bool labels_bin_known(const double *b, size_t n, const char *s)
{
	double x, y;
	const char *p;

	if (!n)
		return false;
	/* the open bins: below the first break, from the last one on */
	if (s[0] == '<') {
		p = labels_num(s[1] == ' ' ? s + 2 : s + 1, &x);
		return p && !*p && x == b[0];
	}
	if (s[0] == '>' && s[1] == '=') {
		p = labels_num(s[2] == ' ' ? s + 3 : s + 2, &x);
		return p && !*p && x == b[n - 1];
	}
	/* interval notation, closed on the left or on the right */
	if (s[0] == '[' || s[0] == '(') {
		char close = s[0] == '[' ? ')' : ']';
		p = labels_num(s + 1, &x);
		if (!p || *p != ',')
			return false;
		p = labels_num(p[1] == ' ' ? p + 2 : p + 1, &y);
		return p && p[0] == close && !p[1] && labels_bin(b, n, x, y);
	}
	p = labels_num(s, &x);
	if (!p)
		return false;
	if (p[0] == '+' && !p[1])
		return x == b[n - 1];
	if (!strncmp(p, " to ", 4)) {
		p = labels_num(p + 4, &y);
		return p && !*p && labels_bin(b, n, x, y);
	}
	if (p[0] == '-') {
		p = labels_num(p + 1, &y);
		/* "a-b" with b the next break, or "a-(b-1)" for integers */
		return p && !*p &&
		       (labels_bin(b, n, x, y) ||
			(labels_is_int(x) && labels_is_int(y) && labels_bin(b, n, x, y + 1)));
	}
	return false;
}

/* What the declaration says about dimension d: its label set and breaks. */
struct labels_decl {
	struct strset set;
	double *breaks;
	size_t nbreaks;
};

static int labels_decl_init(struct labels_decl *ld, const struct output_decl *decl, size_t d)
{
	json_t *l = decl->labels ? json_object_get(decl->labels, decl->dims[d]) : NULL;
	json_t *b = decl->bins ? json_object_get(decl->bins, decl->dims[d]) : NULL;
	json_t *e;
	size_t i;

	memset(ld, 0, sizeof(*ld));
	json_array_foreach(l, i, e)
		if (strset_add(&ld->set, json_string_value(e), json_string_length(e)) < 0)
			return -ENOMEM;
	if (b) {
		ld->breaks = trex_calloc(json_array_size(b) + 1, sizeof(double));
		if (!ld->breaks)
			return -ENOMEM;
		json_array_foreach(b, i, e)
			ld->breaks[i] = json_number_value(e);
		ld->nbreaks = json_array_size(b);
	}
	return 0;
}

static void labels_decl_free(struct labels_decl *ld)
{
	strset_free(&ld->set);
	trex_free(ld->breaks);
}

static bool labels_known(const struct domains *dom, const struct labels_decl *ld, const char *s)
{
	/* an empty or missing label carries nothing */
	return !*s || sdc_is_missing(s) || domains_has(dom, s) ||
	       strset_has(&ld->set, s, strlen(s)) || labels_bin_known(ld->breaks, ld->nbreaks, s);
}

void labels_check(const struct policy *pol, const struct sdc_table *t, const struct domains *dom,
		  size_t nrows, const size_t *ncodes, labels_text_fn text, const void *ctx,
		  struct sdc_result *res)
{
	const struct output_decl *decl = t->decl;
	size_t varying = 0;

	if (decl->kind != KIND_FREQUENCY && decl->kind != KIND_MAGNITUDE)
		return;
	for (size_t d = 0; d < decl->ndims; d++)
		varying += ncodes[d] >= 2;
	for (size_t d = 0; d < decl->ndims; d++) {
		struct labels_decl ld;
		size_t distinct = 0, unknown = 0;

		/* a label per row while another dimension varies: a list of
		 * records, not a cross-classification */
		if (nrows >= (size_t)pol->record_level_min_rows && ncodes[d] == nrows &&
		    varying > (ncodes[d] >= 2)) {
			sdc_reason(res, "record_level", SDC_REVIEW,
				   "record_level: %s has a distinct label on each of the %zu rows while another dimension varies: possible record-level data",
				   decl->dims[d], nrows);
			continue;
		}
		if (!dom || !ncodes[d])
			continue;
		if (labels_decl_init(&ld, decl, d) < 0) {
			labels_decl_free(&ld);
			sdc_reason(res, "internal_error", SDC_FAIL,
				   "out of memory while checking the labels of %s", decl->dims[d]);
			return;
		}
		for (uint32_t c = 0; c < ncodes[d]; c++) {
			const char *s = text(ctx, d, c);
			if (manifest_is_total(decl, decl->dims[d], s))
				continue;
			distinct++;
			unknown += !labels_known(dom, &ld, s);
		}
		labels_decl_free(&ld);
		if (distinct && (double)unknown > pol->max_unknown_label_share * (double)distinct)
			sdc_reason(res, "record_level", SDC_REVIEW,
				   "record_level: %zu of %zu distinct labels of %s are neither categories of the dataset nor declared labels or bins: possible record-level data",
				   unknown, distinct, decl->dims[d]);
	}
}

/* A whole table's code as text: the field of the code's first row. */
struct labels_codes {
	const struct sdc_table *t;
	const struct sdc_result *res;
};

static const char *labels_table_text(const void *ctx, size_t d, uint32_t code)
{
	const struct labels_codes *c = ctx;
	return csv_field(c->t->csv, c->res->code_row[d][code], (size_t)c->t->dim_col[d]);
}

void labels_check_table(const struct policy *pol, const struct sdc_table *t,
			const struct domains *dom, struct sdc_result *res)
{
	struct labels_codes c = {t, res};
	labels_check(pol, t, dom, t->csv->nrows, res->ncodes, labels_table_text, &c, res);
}
