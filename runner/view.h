/* What a caller may see of a job: the one place that decides, per role,
 * what an answer about a job may contain (SECURITY.md "What a researcher
 * sees"). Every route that shows a job (GET /v1/jobs/{id}, its logs list,
 * GET /v1/jobs, the event stream, the release manifest, the SACRO Viewer
 * export) goes through it.
 *
 * The rule: whatever reaches a researcher is a released file, or metadata
 * that cannot carry data from the dataset or from unchecked job output.
 * The full check report, the names of undeclared or refused files, exact
 * exit codes and raw run figures are for output checkers and auditors,
 * who are inside the trust boundary. */
#ifndef TREX_RUNNER_VIEW_H
#define TREX_RUNNER_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "access.h"
#include "store.h"

enum view_level {
	/* researchers, and anyone not below: state, reason, per output its
	 * verdict, whether released and the rules that decided it (with
	 * cell counts once released), the run's result class and rounded
	 * figures, counts of ignored files */
	VIEW_RESEARCHER,
	/* operators and approvers: the above with the run's exact figures */
	VIEW_OPERATOR,
	/* output checkers and auditors (not of a job of a project they do
	 * research in), and uid 0, which can read the state folder anyway:
	 * everything, the full report and refused names included */
	VIEW_FULL,
	VIEW_LEVELS
};

/* The level of `c` for the job in `row`. A researcher of the job's
 * project (its submitter, or a member of its project) gets
 * VIEW_RESEARCHER whatever other roles they hold. */
enum view_level view_level(const struct caller *c, const struct job_row *row);

/* Cut the full job document (jobdoc.c) down to what `level` may see, in
 * place: run, outputs and report. 0, or -ENOMEM. What the submission
 * itself brought -- the manifest, the permit's id and policy, the code
 * files' names, SHA-256 and sizes and the job_sha256 over them -- is
 * shown at every level: it was written before the job touched any data,
 * and an approver must see it whole (approve.c). */
int view_job(enum view_level level, json_t *doc);

/* The check report's entry of a declared output: the same path, or else
 * its basename (how trex-check names files, CONTRACTS.md 2); NULL when
 * there is none. */
json_t *view_report_entry(json_t *report, const char *path);

/* Whether `level` may have a job's SACRO Viewer export (GET
 * /v1/jobs/{id}/acro): it carries every released cell's check result and
 * the checker's words on it, so output checkers and auditors only (and
 * never of a project they do research in). */
int view_acro(enum view_level level);

/* Whether `level` may open a job's page on the review listener (web.c):
 * the held table with every flagged cell's rule and reason, the full
 * report, the run's exact figures. Output checkers at VIEW_FULL only:
 * one who does research in the job's project gets no page of it (a
 * session is egress like any answer). */
int view_review_page(enum view_level level);

/* Whether the size of a log in review state `state` may be shown. */
int view_log_size(enum view_level level, const char *state);

/* An item of the review queue (queue.c) cut to what `level` may see of
 * its job, in place: "you_voted" set from its "release_votes" for the
 * caller `me`; a held log's "size" dropped for VIEW_RESEARCHER (a checker
 * who does research in the job's project), as view_log_size says. 0 or
 * -ENOMEM. */
int view_queue_item(enum view_level level, const char *me, json_t *item);

/* A job's summary: the fields GET /v1/jobs lists and every event carries,
 * the same for every level (reasons are safe by construction, runrec.h). */
json_t *view_summary(const struct job_row *row, size_t reason_max);
/* The reason of a job waiting on Slurm as every role that sees the job
 * may read it (it goes into the job's reason): "queued on Slurm (WORD)",
 * WORD Slurm's own reason code (letters, digits and '_', at most 40:
 * Priority, Resources, ...), or "other" for anything else, such as the
 * free text an administrator gives a hold. Into out (n bytes). */
void view_slurm_reason(const char *word, char *out, size_t n);

/* A rule name as shown outside trexd (release manifests, metrics): the
 * name itself when it is one of trex-check's rules, else "other". */
const char *view_rule(const char *rule);
/* The same for a cell action. */
const char *view_action(const char *action);
/* A verdict as trexd records it: one of pass, suppressed, review, fail,
 * missing; anything else from the checker is "fail". */
const char *view_verdict(const char *verdict);

/* Who may read datasets' codebooks (GET /v1/datasets[/NAME]): every
 * role. A codebook holds only what the disclosure rules let anyone who
 * may use trex see (docs/datasets.md): schema, and domains and ranges
 * that no rare value or single row decides. */
#define VIEW_CODEBOOK_ROLES \
	(ROLE_RESEARCHER | ROLE_APPROVER | ROLE_CHECKER | ROLE_OPERATOR | ROLE_AUDITOR)
/* A codebook as it may leave trexd: exactly the TREXCB1 format
 * (common/codebook_fmt.h), whose every key is one the rules allow, or
 * -EINVAL: a file that is not one (tampered with, from another version)
 * is never served, whatever it holds. */
int view_codebook(json_t *cb, struct trex_err *err);

/* Counts of /output entries a researcher is shown are capped at this
 * ("10" reads "10 or more"). */
#define VIEW_COUNT_CAP 10
/* Rules named for an output that was not released, at most. */
#define VIEW_RULES_CAP 3

/* Rounding of run figures for researchers (SECURITY.md): seconds rounded
 * up on the 1-2-5 series (1, 2, 5, 10, 20, 50, ...), memory in MB rounded
 * up to a power of two. */
int64_t view_round_seconds(int64_t ms);
int64_t view_round_mb(int64_t kb);

#endif
