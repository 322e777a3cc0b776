/* The fixed vocabulary of the disclosure check (trex-check, policies/check)
 * that trexd (runner/) may show to a researcher: the rule that decided,
 * the action it took, and the code of an error in a checked output file.
 * Both sides link this one list, so trexd can tell a token the checker
 * emits from text that merely looks like one: anything not listed here
 * is shown as "other", never echoed. Adding a token is a contract change
 * (docs/CONTRACTS.md section 2). */
#ifndef TREX_SDCVOCAB_H
#define TREX_SDCVOCAB_H

#include <stdbool.h>
#include <stddef.h>

/* Rules: per cell (threshold, dominance, ...) and per file (microdata,
 * differencing, undeclared_column, ...), policies/check/README.md says
 * which is which. */
extern const char *const sdc_vocab_rules[];
extern const size_t sdc_vocab_nrules;
/* Actions: primary, secondary, redacted, rounded (the cell leaves
 * changed), review (held for an output checker), fail (never released). */
extern const char *const sdc_vocab_actions[];
extern const size_t sdc_vocab_nactions;
/* Error codes of a malformed output file and their fixed texts: trex-check
 * prints `FILE:LINE:COLUMN: CODE: TEXT` on stderr (never a byte of the
 * file; docs/CONTRACTS.md section 2), and trexd can print TEXT itself. */
struct sdc_vocab_code {
	const char *code, *text;
};
extern const struct sdc_vocab_code sdc_vocab_codes[];
extern const size_t sdc_vocab_ncodes;

bool sdc_vocab_rule_known(const char *s);
bool sdc_vocab_action_known(const char *s);
bool sdc_vocab_code_known(const char *s);
/* The fixed text of a code, NULL for anything else. */
const char *sdc_vocab_code_text(const char *code);

#endif
