/* The disclosure check's vocabulary (sdcvocab.h). Each list is the whole
 * set: trex-check emits nothing else, trexd shows nothing else. */
#include "sdcvocab.h"

#include <string.h>

#include "cleanup.h"

const char *const sdc_vocab_rules[] = {
	/* cell rules */
	"threshold",          /* count (or contributors) below safe_threshold */
	"zero",               /* a zero count under zeros_are_disclosive */
	"missing",            /* a missing value under check_missing_values */
	"invalid_count",      /* a count that is not a non-negative integer */
	"invalid_value",      /* a magnitude that is not a number */
	"dominance",          /* (n,k)-dominance, or the largest contributions unusable */
	"p-ratio",            /* p% rule */
	"dof",                /* residual degrees of freedom */
	"secondary",          /* complementary suppression */
	"audit",              /* a hidden cell the LP audit can narrow */
	"margins",            /* declared totals that do not add up */
	"redact",             /* rounding packs: small count withheld */
	"rounded_total",      /* rounding packs: total = sum of released cells */
	"class_disclosure",   /* a slice with a single non-zero category */
	"microdata",          /* rows not unique over the dimensions */
	"identifier",         /* a pseudonymised identifier of the dataset */
	/* file rules */
	"mostly_ones",        /* most cells count 1: a list of individuals */
	"record_level",       /* dimension labels unknown to the dataset, or one per row */
	"undeclared_column",  /* a column the declaration does not name */
	"undeclared_margin",  /* a code that looks like a margin, totals not declared */
	"undeclared_file",    /* an output the manifest does not declare */
	"unrounded_column",   /* rounding packs: a measure that is not rounded */
	"extreme_value",      /* summary statistics: a minimum or maximum column */
	"no_count",           /* summary statistics without a declared count */
	"suppression_limit",  /* a table with margins too large to suppress */
	"differencing",       /* differs from an earlier release by a small group */
	"no_automatic_check", /* a kind held for an output checker (text, figure, ...) */
	"internal_error",     /* the check could not record its decisions */
};
const size_t sdc_vocab_nrules = TREX_ARRAY_LEN(sdc_vocab_rules);

const char *const sdc_vocab_actions[] = {
	"primary", "secondary", "redacted", "rounded", "review", "fail",
};
const size_t sdc_vocab_nactions = TREX_ARRAY_LEN(sdc_vocab_actions);

const char *const sdc_vocab_codes[] = {
	"empty_file",         /* no header */
	"empty_header",       /* a header field is empty */
	"duplicate_header",   /* two header fields are the same */
	"missing_column",     /* a declared column is not in the header */
	"fewer_fields",       /* a record has fewer fields than the header */
	"more_fields",        /* a record has more fields than the header */
	"too_many_columns",   /* more than 256 columns */
	"too_many_rows",      /* more than 8 M rows */
	"field_too_long",     /* a field above 64 KiB */
	"file_too_large",     /* a file above 256 MiB */
	"table_too_large",    /* out of memory holding the table */
	"invalid_utf8",       /* bytes that are not UTF-8 */
	"nul_byte",           /* a NUL byte */
	"bare_cr",            /* a CR not followed by LF */
	"empty_line",         /* a blank line */
	"stray_quote",        /* a quote inside an unquoted field */
	"text_after_quote",   /* text after a closing quote */
	"unterminated_quote", /* end of file inside a quoted field */
	"parser_state",       /* the reader reached a state it should not (a bug) */
	"unreadable",         /* the file could not be opened or read */
	"not_regular_file",   /* a directory, fifo, device ... */
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
	return sdc_vocab_in(sdc_vocab_codes, sdc_vocab_ncodes, s);
}
