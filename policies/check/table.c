/* A table's cells as the rules read them: numbers and missing values, a
 * declared column, a row that is a total, a count's text (decided, never
 * coerced), the columns a declaration does not name. Every rule file
 * reads through here; none of it decides a rule (rules.c). */
#include "sdc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "cleanup.h"

bool sdc_is_missing(const char *s)
{
	static const char *const tokens[] = {"", "NA", "N/A", "NaN", "nan", "NAN", "null",
					     "NULL", "None", "."};
	for (size_t i = 0; i < TREX_ARRAY_LEN(tokens); i++)
		if (!strcmp(s, tokens[i]))
			return true;
	return false;
}

/* Everything but sdc_parse_number's fast path (sdc.h). */
int sdc_parse_number_slow(const char *s, double *out)
{
	const char *p = s;
	char *end;
	bool digits = false;

	if (sdc_is_missing(s))
		return 1;
	/* a plain decimal only: strtod alone would take "inf", "0x1p3", " 5" */
	if (*p == '-' || *p == '+')
		p++;
	while (*p >= '0' && *p <= '9')
		p++, digits = true;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits = true;
	}
	if (digits && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return -EINVAL;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (!digits || *p)
		return -EINVAL;
	errno = 0;
	*out = strtod(s, &end);
	if (errno || *end || !isfinite(*out))
		return -EINVAL;
	return 0;
}

int sdc_declared_col(const struct sdc_table *t, const char *name, const char *role,
		     struct trex_err *err)
{
	int c = csv_column(t->csv, name);
	if (c < 0)
		return trex_err_setx(err, -EINVAL,
				     "%s:1:1: missing_column: declared %s column '%s' is not in the header",
				     t->name, role, name);
	return c;
}

int sdc_table_open(struct sdc_table *t, const struct csv_table *csv,
		   const struct output_decl *decl, const char *name, struct trex_err *err)
{
	const struct output_decl *d = decl;

	memset(t, 0, sizeof(*t));
	t->csv = csv;
	t->decl = decl;
	t->name = name;
	t->count_col = t->value_col = t->contrib_col = t->dof_col = -1;
	for (size_t i = 0; i < d->ndims; i++)
		if ((t->dim_col[i] = sdc_declared_col(t, d->dims[i], "dimension", err)) < 0)
			return -EINVAL;
	if (d->count && (t->count_col = sdc_declared_col(t, d->count, "count", err)) < 0)
		return -EINVAL;
	if (d->value && (t->value_col = sdc_declared_col(t, d->value, "value", err)) < 0)
		return -EINVAL;
	if (d->contributors &&
	    (t->contrib_col = sdc_declared_col(t, d->contributors, "contributors", err)) < 0)
		return -EINVAL;
	if (d->dof && (t->dof_col = sdc_declared_col(t, d->dof, "dof", err)) < 0)
		return -EINVAL;
	for (size_t i = 0; i < d->nlargest; i++)
		if ((t->largest_col[i] = sdc_declared_col(t, d->largest[i], "largest", err)) < 0)
			return -EINVAL;
	return 0;
}

bool sdc_row_is_total_slow(const struct sdc_table *t, size_t row)
{
	for (size_t d = 0; d < t->decl->ndims; d++)
		if (manifest_is_total(t->decl, t->decl->dims[d],
				      csv_field(t->csv, row, (size_t)t->dim_col[d])))
			return true;
	return false;
}

/* A count cell: NaN/missing, negative and fractional counts are decided
 * explicitly rather than coerced. Returns the count or -1 when not usable. */
long sdc_count_text_slow(const struct policy *pol, const char *s, size_t row,
			 const char *measure, struct sdc_result *res)
{
	double v;
	int r;

	r = sdc_parse_number(s, &v);
	if (r == 1) {
		if (pol->check_missing_values) {
			sdc_note(res, NULL, row, measure, "missing", NULL, "review",
				 "missing value in %s", measure);
			sdc_worsen(res, SDC_REVIEW);
		}
		return -1;
	}
	if (r < 0 || v < 0 || v != floor(v) || v > 1e15) {
		sdc_note(res, NULL, row, measure, "invalid_count", NULL, "fail",
			 "%.64s is not a non-negative integer", measure);
		sdc_worsen(res, SDC_FAIL);
		return -1;
	}
	return (long)v;
}

/* The columns not named, by 1-based position, at most 8 (sdc.h). */
size_t sdc_column_list(const bool *named, size_t nc, char *list, size_t size)
{
	size_t n = 0, len = 0;

	list[0] = '\0';
	for (size_t c = 0; c < nc; c++) {
		if (named[c])
			continue;
		if (n++ < 8 && len < size)
			len += (size_t)snprintf(list + len, size - len, "%s%zu", n > 1 ? ", " : "",
						c + 1);
		else if (n == 9 && len < size)
			len += (size_t)snprintf(list + len, size - len, ", ...");
	}
	return n;
}
