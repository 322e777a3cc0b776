/* results.json of the SACRO Viewer export (acro.c), as ACRO 1.0.1's
 * finalise() writes it: an entry per released table with ACRO's fields in
 * ACRO's order. Check names come from ACRO 1.0's statbarn ontology, an
 * analysis per kind of table says which checks it runs and in what order
 * (so sdc.summary, sdc.cells, outcome and the summary list them as ACRO
 * does), and every hidden cell is listed by position as the viewer reads
 * it: [row, column - 1]. The outcome, an entry per cell, is written as it
 * goes, with an eye on the export's budget. */
#include "acro_results.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* The ACRO release whose results.json this follows */
#define ACRO_FORMAT_VERSION "1.0.1"

enum acro_check {
	AC_REQUIRED_ZERO,
	AC_ZERO,
	AC_LINKED,
	AC_THRESHOLD,
	AC_NK,
	AC_PPERCENT,
	AC_DOF,
	AC_MISSING,
	AC_SECONDARY,
	AC_FIXED /* bits from here on: x->other[bit - AC_FIXED] */
};

static const char *const acro_check_names[AC_FIXED] = {
	[AC_REQUIRED_ZERO] = "RequiredZeroCheck",
	[AC_ZERO] = "PresenceOfZeroCheck",
	[AC_LINKED] = "PresenceOfLinkedTableCheck",
	[AC_THRESHOLD] = "MinimumThresholdCheck",
	[AC_NK] = "NKCheck",
	[AC_PPERCENT] = "PPercentCheck",
	[AC_DOF] = "MinimumDoFCheck",
	[AC_MISSING] = "MissingCheck",
	[AC_SECONDARY] = "SecondarySuppression",
};

/* What ACRO's ontology says of the analysis a kind of table is: the
 * checks it runs, in its order, and the FAIR description it records. */
struct acro_analysis {
	const char *name, *statbarn;
	const char *risks[4], *mitigations[5];
	enum acro_check checks[4];
	size_t nchecks;
};

static const struct acro_analysis acro_frequency = {
	"FrequencyTable", "Frequencies",
	{ "ClassDisclosure", "Differencing", "LowCount" }, { "Noise", "Suppression" },
	{ AC_REQUIRED_ZERO, AC_ZERO, AC_LINKED, AC_THRESHOLD }, 4,
};
static const struct acro_analysis acro_sum = {
	"Sum", "LinearAggregations",
	{ "Dominance", "Differencing", "LowCount" }, { "Noise", "Suppression" },
	{ AC_NK, AC_PPERCENT, AC_LINKED, AC_THRESHOLD }, 4,
};
static const struct acro_analysis acro_mean = {
	"Mean", "LinearAggregations",
	{ "Dominance", "Differencing", "LowCount" }, { "Noise", "Suppression" },
	{ AC_NK, AC_PPERCENT, AC_LINKED, AC_THRESHOLD }, 4,
};
static const struct acro_analysis acro_regression = {
	"GeneralLinearModel", "CorrelationCoefficients",
	{ "LowDOF" }, { "Aggregation", "Noise", "OutlierRemoval", "Suppression" },
	{ AC_DOF }, 1,
};

static const struct acro_analysis *acro_analysis_of(enum output_kind k)
{
	switch (k) {
	case KIND_FREQUENCY: return &acro_frequency;
	case KIND_MAGNITUDE: return &acro_sum;
	case KIND_SUMMARY: return &acro_mean;
	default: return &acro_regression;
	}
}

/* The bit of a rule that hid a cell; 0 when the export is full of others. */
uint32_t acro_rule_bits(struct acro_export *x, const char *rule)
{
	const struct policy *pol = x->pol;

	if (!strcmp(rule, "threshold") || !strcmp(rule, "redact"))
		return 1u << AC_THRESHOLD;
	/* ACRO flags a zero count under both checks: 0 is below any threshold */
	if (!strcmp(rule, "zero"))
		return (1u << AC_ZERO) | (pol->safe_threshold > 0 ? 1u << AC_THRESHOLD : 0);
	if (!strcmp(rule, "dominance"))
		return 1u << AC_NK;
	if (!strcmp(rule, "p-ratio"))
		return 1u << AC_PPERCENT;
	if (!strcmp(rule, "secondary"))
		return 1u << AC_SECONDARY;
	if (!strcmp(rule, "dof"))
		return 1u << AC_DOF;
	if (!strcmp(rule, "missing"))
		return 1u << AC_MISSING;
	/* ACRO 1.0 has a check for it (sdcchecks.py check_all_same), though
	 * no analysis of its ontology runs it */
	if (!strcmp(rule, "all_same"))
		rule = "AllSameValuesCheck";
	for (size_t i = 0; i < x->nother; i++)
		if (!strcmp(x->other[i], rule))
			return 1u << (AC_FIXED + i);
	if (x->nother == ACRO_MAX_OTHER)
		return 0;
	/* rule names are the checker's static tokens (sdc.h) */
	x->other[x->nother] = rule;
	return 1u << (AC_FIXED + x->nother++);
}

/* A JSON string (jansson's escaping); text that is not UTF-8 becomes "". */
static void acro_put_str(FILE *f, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(t ? t : "\"\"", f);
	free(t);
	json_decref(j);
}

static void acro_put_json(FILE *f, json_t *j)
{
	json_dumpf(j, f, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
}

static const char *acro_check_name(const struct acro_export *x, unsigned bit)
{
	return bit < AC_FIXED ? acro_check_names[bit] : x->other[bit - AC_FIXED];
}

/* The checks a file lists, in ACRO's order: its analysis', MissingCheck
 * when the pack checks missing values, SecondarySuppression under
 * suppression, then the rules without a counterpart that hid its cells. */
static size_t acro_file_checks(const struct acro_export *x, const struct acro_file *f,
			       unsigned *out)
{
	const struct policy *pol = x->pol;
	const struct acro_analysis *a = acro_analysis_of(f->decl->kind);
	uint32_t used = 0;
	size_t n = 0;

	for (size_t i = 0; i < a->nchecks; i++)
		out[n++] = a->checks[i];
	if (pol->check_missing_values)
		out[n++] = AC_MISSING;
	if (pol->method == POLICY_SUPPRESS)
		out[n++] = AC_SECONDARY;
	for (size_t i = 0; i < f->nrows; i++)
		used |= f->rows[i].checks;
	/* a rule mapped to an ACRO check the analysis does not run (dof on
	 * a table, say) is listed after the analysis' own */
	for (unsigned b = 0; b < AC_FIXED + x->nother; b++) {
		bool listed = false;
		for (size_t i = 0; i < n; i++)
			listed |= out[i] == b;
		if (!listed && (used & (1u << b)))
			out[n++] = b;
	}
	return n;
}

/* ACRO's summary: "<analysis> : " and a line per check that found cells
 * (and the linked-table note), each "\n", then " " for all but the first
 * check of the analysis, as ACRO joins them; in trex's words. */
static char *acro_summary(const struct acro_export *x, const struct acro_file *f,
			  const unsigned *checks, size_t nchecks, const size_t *count)
{
	const struct acro_analysis *a = acro_analysis_of(f->decl->kind);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return NULL;
	fprintf(m, "%s : ", a->name);
	for (size_t i = 0; i < nchecks; i++) {
		const char *sep = checks[i] == a->checks[0] ? "\n" : "\n ";
		if (checks[i] == AC_LINKED) {
			fprintf(m, "%s%s: to compare by hand with the project's other outputs "
				   "(differencing); dimensions: [",
				sep, acro_check_names[AC_LINKED]);
			for (size_t k = 0; k < f->decl->ndims; k++)
				fprintf(m, "%s'%s'", k ? ", " : "", f->decl->dims[k]);
			fputs("].", m);
		} else if (count[i]) {
			fprintf(m, "%s%s: fail - %zu cells suppressed.", sep,
				acro_check_name(x, checks[i]), count[i]);
		}
	}
	fputs("\n", m);
	if (fclose(m) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static json_t *acro_fair(const struct acro_file *f, const unsigned *checks, size_t nchecks, const size_t *count)
{
	const struct acro_analysis *a = acro_analysis_of(f->decl->kind);
	const struct output_decl *d = f->decl;
	const char *dependent = d->kind == KIND_FREQUENCY ? d->count
				: d->kind == KIND_REGRESSION ? NULL
				: d->value ? d->value : d->count;
	json_t *risks = json_array(), *mit = json_array(), *needed = json_array();
	json_t *status = json_object(), *indep = json_array();

	for (size_t i = 0; i < 4 && a->risks[i]; i++)
		json_array_append_new(risks, json_string(a->risks[i]));
	for (size_t i = 0; i < 5 && a->mitigations[i]; i++)
		json_array_append_new(mit, json_string(a->mitigations[i]));
	/* the ACRO checks only: trex's own names are not in its ontology */
	for (size_t i = 0; i < nchecks; i++) {
		if (checks[i] == AC_SECONDARY || checks[i] >= AC_FIXED)
			continue;
		json_array_append_new(needed, json_string(acro_check_names[checks[i]]));
		json_object_set_new(status, acro_check_names[checks[i]],
				    json_string(count[i] ? "fail" : "pass"));
	}
	for (size_t k = 0; k < d->ndims; k++)
		json_array_append_new(indep, json_string(d->dims[k]));
	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:o}", "context",
			 "https://w3id.org/statbarnsdc#", "statbarn", a->statbarn, "risks", risks,
			 "checks_needed", needed, "common_mitigations", mit, "check_status", status,
			 "dependent", dependent ? dependent : "unknown", "independent", indep);
}

/* One entry of results.json. */
static int acro_put_output(FILE *out, struct acro_export *x, const struct acro_file *f,
			   const struct acro_shape *s, const char *ts)
{
	const struct policy *pol = x->pol;
	const bool table = f->decl->kind != KIND_REGRESSION;
	unsigned checks[AC_FIXED + ACRO_MAX_OTHER];
	size_t count[AC_FIXED + ACRO_MAX_OTHER] = { 0 };
	size_t nchecks = acro_file_checks(x, f, checks);
	char uid[32], name[64], *summary;
	json_t *props, *fair;

	snprintf(uid, sizeof(uid), "output_%zu", f->index);
	snprintf(name, sizeof(name), "output_%zu_0.csv", f->index);
	for (size_t i = 0; i < nchecks; i++)
		for (size_t r = 0; r < f->nrows; r++)
			if (f->rows[r].checks & (1u << checks[i]))
				count[i] += s->nmeasure;
	if (table) {
		props = pol->method == POLICY_ROUND
				? json_pack("{s:s, s:s, s:I}", "method", "pivot_table", "mitigation",
					    "round", "round_base", (json_int_t)pol->rounding_base)
				: json_pack("{s:s, s:s}", "method", "pivot_table", "mitigation",
					    "suppress");
		summary = acro_summary(x, f, checks, nchecks, count);
	} else {
		props = json_pack("{s:s, s:I}", "method", "regression", "dof",
				  (json_int_t)(s->have_dof ? s->min_dof : 0));
		summary = NULL;
		if (asprintf(&summary, "%s: pass dof=%lld >= %ld", acro_check_names[AC_DOF],
			     (long long)(s->have_dof ? s->min_dof : 0), pol->safe_dof_threshold) < 0)
			summary = NULL;
	}
	fair = acro_fair(f, checks, nchecks, count);
	if (!props || !summary || !fair) {
		json_decref(props);
		json_decref(fair);
		free(summary);
		return -ENOMEM;
	}
	fprintf(out, "        \"%s\": {\n            \"uid\": \"%s\",\n", uid, uid);
	/* under a mitigation ACRO marks every table for review and says why
	 * in the exception; a regression has its checks' status */
	fprintf(out, "            \"status\": \"%s\",\n            \"type\": \"%s\",\n",
		table ? "review" : "pass", table ? "table" : "regression");
	fputs("            \"properties\": ", out);
	acro_put_json(out, props);
	fprintf(out, ",\n            \"files\": [{\"name\": \"%s\", \"sdc\": {", name);
	if (table) {
		fputs("\"summary\": {", out);
		for (size_t i = 0; i < nchecks; i++) {
			fprintf(out, "%s", i ? ", " : "");
			acro_put_str(out, acro_check_name(x, checks[i]));
			fprintf(out, ": %zu", count[i]);
		}
		fputs("}, \"cells\": {", out);
		for (size_t i = 0; i < nchecks; i++) {
			bool first = true;
			fprintf(out, "%s", i ? ", " : "");
			acro_put_str(out, acro_check_name(x, checks[i]));
			fputs(": [", out);
			for (size_t r = 0; r < f->nrows; r++) {
				if (!(f->rows[r].checks & (1u << checks[i])))
					continue;
				/* the viewer counts columns from the second */
				for (size_t m = 0; m < s->nmeasure; m++) {
					fprintf(out, "%s[%u, %lld]", first ? "" : ", ", f->rows[r].row,
						(long long)s->measure_col[m] - 1);
					first = false;
				}
			}
			fputs("]", out);
		}
		fputs("}", out);
	}
	fputs("}}],\n            \"outcome\": {", out);
	for (size_t m = 0; table && m < s->nmeasure; m++) {
		size_t next = 0;
		fprintf(out, "%s\n                ", m ? "," : "");
		acro_put_str(out, s->measure_name[m]);
		fputs(": {", out);
		for (size_t row = 0; row < s->nrows; row++) {
			/* an entry per cell: the budget is looked at as it grows */
			if ((row & 0xffff) == 0xffff && acro_budget(x, (uint64_t)ftello(out)) < 0)
				goto over;
			fprintf(out, "%s\"%zu\": \"", row ? ", " : "", row);
			bool flagged = false;
			if (next < f->nrows && f->rows[next].row == row) {
				for (size_t i = 0; i < nchecks; i++)
					if (f->rows[next].checks & (1u << checks[i])) {
						fprintf(out, "%s; ", acro_check_name(x, checks[i]));
						flagged = true;
					}
				next++;
			}
			if (!flagged)
				fputs("ok", out);
			fputs("\"", out);
		}
		fputs("}", out);
	}
	fputs(table && s->nmeasure ? "\n            },\n" : "},\n", out);
	fputs("            \"command\": ", out);
	{
		char *cmd = NULL;
		if (asprintf(&cmd, "trex-check %s", f->file) >= 0) {
			acro_put_str(out, cmd);
			free(cmd);
		} else {
			fputs("\"trex-check\"", out);
		}
	}
	fputs(",\n            \"summary\": ", out);
	acro_put_str(out, summary);
	fprintf(out, ",\n            \"timestamp\": \"%s\",\n            \"comments\": [],\n", ts);
	fputs("            \"exception\": ", out);
	if (!table) {
		fputs("\"\"", out);
	} else if (pol->method == POLICY_ROUND) {
		char why[160];
		snprintf(why, sizeof(why),
			 "trex-check withheld counts of %ld or less and rounded the others "
			 "(base %ld)",
			 pol->redact_at_or_below, pol->rounding_base);
		acro_put_str(out, why);
	} else {
		acro_put_str(out, "trex-check suppressed the cells that failed a check and the "
				  "cells that keep them from being recovered");
	}
	fputs(",\n            \"fair\": ", out);
	acro_put_json(out, fair);
	fputs("\n        }", out);
	json_decref(props);
	json_decref(fair);
	free(summary);
	return acro_budget(x, (uint64_t)ftello(out));
over:
	json_decref(props);
	json_decref(fair);
	free(summary);
	return -EFBIG;
}

int acro_results_write(FILE *out, struct acro_export *x, const struct acro_shape *shapes,
		       const char *ts)
{
	int r = 0;

	fprintf(out, "{\n    \"version\": \"%s\",\n    \"results\": {", ACRO_FORMAT_VERSION);
	for (size_t i = 0; r == 0 && i < x->n; i++) {
		fputs(i ? ",\n" : "\n", out);
		r = acro_put_output(out, x, &x->files[i], &shapes[i], ts);
	}
	fputs(x->n ? "\n    }\n}\n" : "}\n}\n", out);
	return r;
}
