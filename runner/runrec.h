/* A job's run record: trex-sandbox's status record (CONTRACTS.md 1) as
 * JSON, the class of its outcome, and the reason a job's state carries.
 *
 * A reason is shown to every caller who may see the job (the job
 * document, GET /v1/jobs, the event stream), researchers included, so it
 * is built from fixed words, the job's own limits and declared names, and
 * setup messages the sandbox wrote before any job code ran: never an exit
 * code, a signal number, a figure of the run, or a byte the job or the
 * checker wrote (SECURITY.md "What a researcher sees"). The exact figures
 * stay in the run record, which view.c shows to operators, checkers and
 * auditors only. */
#ifndef TREX_RUNNER_RUNREC_H
#define TREX_RUNNER_RUNREC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Parse a trex-sandbox status record into a JSON object: known numeric
 * keys as integers, collected/refused as arrays, other keys as strings.
 * Unknown or malformed lines are skipped. */
json_t *runrec_parse(const char *text, size_t len);

/* The outcome of a run as a researcher may see it: "succeeded", "failed"
 * (non-zero exit), "killed" (a signal), "timed_out" (wall or CPU limit),
 * "out_of_memory", "output_limit", "setup_failed", or "unknown". */
const char *runrec_class(const json_t *run);

/* The job's final state and reason from its run record, or NULL when the
 * job succeeded and its outputs go to the check. */
const char *runrec_verdict(const json_t *run, long wall_seconds, long cpu_seconds,
			   long memory_mb, long output_mb, char *reason, size_t len);

/* The checker ended without a report (exit status `status`, its stderr in
 * `err`/`err_len`): keep the exact status and first stderr line in the
 * run record under "checker" (for checkers), and write the reason: the
 * place of the error (declared file, line, column and error code) when
 * the first line is one of trex-check's located errors about a declared
 * output (CONTRACTS.md 2), else only that the check failed. `declared`
 * is the manifest's outputs array. */
/* A located error of trex-check about a declared output
 * ("[trex-check: ]FILE:LINE:COLUMN: CODE[: text]", CODE one of its
 * error codes) as a researcher may see it: "FILE:LINE:COLUMN: CODE
 * (trexd's text of CODE)" into out, 1; 0 for anything else. */
int runrec_place(const char *line, size_t n, const json_t *declared, char *out, size_t outsz);

void runrec_check_failed(json_t *run, int64_t status, const char *err, size_t err_len,
			 const json_t *declared, char *reason, size_t len);

#endif
