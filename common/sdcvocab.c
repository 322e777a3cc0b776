/* The disclosure check's vocabulary (sdcvocab.h). Each list is the whole
 * set: trex-check emits nothing else, trexd shows nothing else. */
#include "sdcvocab.h"

#include <string.h>

#include "cleanup.h"

const char *const sdc_vocab_rules[] = {
	/* cell rules */
	"threshold",          /* count (or contributors) below safe_threshold */
	"zero",               /* a zero count under zeros_are_disclosive; a magnitude
	                       * cell of 0 with contributors (tau-ARGUS zero rule) */
	"missing",            /* a missing value under check_missing_values, or one
	                       * a released total gives back */
	"invalid_count",      /* a count that is not a non-negative integer */
	"invalid_value",      /* a magnitude that is not a number */
	"dominance",          /* (n,k)-dominance; largest unusable or negative contributions */
	"p-ratio",            /* p% rule */
	"dof",                /* residual degrees of freedom */
	"secondary",          /* complementary suppression */
	"linked",             /* hidden because another output of the job or an earlier
	                       * release shows the same cell or gives it back (joint check) */
	"audit",              /* a hidden cell the LP audit can narrow */
	"audit_contributor",  /* ... narrowed by the largest contributor of another hidden cell */
	"audit_coalition",    /* ... whose own largest contributors bound the rest too tightly */
	"margins",            /* declared totals that do not add up (the difference is
	                       * a group the table does not show) */
	"redact",             /* rounding packs: small count withheld */
	"rounded_total",      /* rounding packs: total = sum of released cells */
	"class_disclosure",   /* a slice with a single non-zero category */
	"microdata",          /* rows not unique over the dimensions */
	"identifier",         /* a pseudonymised identifier of the dataset */
	"extreme_value",      /* summary statistics: a minimum or maximum column (file), or
	                       * a row whose statistics rest on one record (cell) */
	"all_same",           /* summary statistics: a dispersion of 0, every record alike */
	"implied_count",      /* a percentage, proportion or rate whose count is below safe_threshold */
	"survival_step",      /* a survival table step implying a count below safe_threshold */
	"level_count",        /* a regression term whose level few records hold (or all but few) */
	/* file rules */
	"mostly_ones",        /* most cells count 1: a list of individuals */
	"record_level",       /* dimension labels unknown to the dataset, or one per row */
	"undeclared_column",  /* a column the declaration does not name */
	"undeclared_margin",  /* a code that looks like a margin, not declared (held by
	                       * name with a primary cell, else when it does not add up) */
	"nested_margin",      /* a code the sum of a contiguous run of others in every
	                       * slice (a region and its departments), not declared */
	"cumulative_series",  /* counts that never decrease along a dimension (running
	                       * sums?) with a step below safe_threshold */
	"undeclared_file",    /* an output the manifest does not declare */
	"unrounded_column",   /* rounding packs: a measure that is not rounded */
	"no_count",           /* summary statistics without a declared count */
	"suppression_limit",  /* a table with margins too large to suppress */
	"differencing",       /* differs from an earlier release by a small group */
	"overlapping_groupings", /* rounding packs: one variable banded two ways */
	"no_automatic_check", /* a kind held for an output checker (text, figure, ...) */
	"uninterpreted_statistic", /* a column or table the checker cannot read as a count or magnitude */
	"internal_error",     /* the check could not record its decisions */
	"malformed_output",   /* a declared output that cannot be read as declared (a
	                       * located input error: malformed CSV, a declared column
	                       * missing); with --keep-going it fails alone */
};
const size_t sdc_vocab_nrules = TREX_ARRAY_LEN(sdc_vocab_rules);

const char *const sdc_vocab_actions[] = {
	"primary", "secondary", "redacted", "rounded", "review", "fail",
};
const size_t sdc_vocab_nactions = TREX_ARRAY_LEN(sdc_vocab_actions);

const struct sdc_vocab_code sdc_vocab_codes[] = {
	{"empty_file", "empty file (no header)"},
	{"empty_header", "header field is empty"},
	{"duplicate_header", "header field repeats an earlier one"},
	{"missing_column", "a declared column is not in the header"},
	{"fewer_fields", "fewer fields than the header"},
	{"more_fields", "more fields than the header"},
	{"too_many_columns", "too many columns"},
	{"too_many_rows", "too many rows"},
	{"field_too_long", "field longer than the cap"},
	{"file_too_large", "file larger than the cap"},
	{"table_too_large", "table too large to hold"},
	{"invalid_utf8", "invalid UTF-8"},
	{"truncated_utf8", "truncated UTF-8 sequence at end of file"},
	{"nul_byte", "NUL byte"},
	{"bare_cr", "CR not followed by LF"},
	{"empty_line", "empty line"},
	{"stray_quote", "quote inside an unquoted field"},
	{"text_after_quote", "text after a closing quote"},
	{"unterminated_quote", "end of file inside a quoted field"},
	{"parser_state", "internal parser state"},
	{"unreadable", "cannot be read"},
	{"not_regular_file", "not a regular file"},
};
const size_t sdc_vocab_ncodes = TREX_ARRAY_LEN(sdc_vocab_codes);

static bool sdc_vocab_in(const char *const *list, size_t n, const char *s)
{
	if (!s)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

bool sdc_vocab_rule_known(const char *s)
{
	return sdc_vocab_in(sdc_vocab_rules, sdc_vocab_nrules, s);
}

bool sdc_vocab_action_known(const char *s)
{
	return sdc_vocab_in(sdc_vocab_actions, sdc_vocab_nactions, s);
}

bool sdc_vocab_code_known(const char *s)
{
	return sdc_vocab_code_text(s) != NULL;
}

const char *sdc_vocab_code_text(const char *code)
{
	for (size_t i = 0; code && i < sdc_vocab_ncodes; i++)
		if (!strcmp(sdc_vocab_codes[i].code, code))
			return sdc_vocab_codes[i].text;
	return NULL;
}
