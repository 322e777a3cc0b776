/* The trex command-line agent: one function per verb, each returning the
 * process exit code (CONTRACTS.md section 4). Only main() exits. */
#ifndef TREX_AGENT_CLI_H
#define TREX_AGENT_CLI_H

#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "common/err.h"
#include "common/version.h"

/* Exit codes, one meaning each (trex --help lists them): a script can
 * tell a job that was held from one that failed, and both from trexd
 * being down. */
enum cli_exit {
	CLI_EXIT_OK = 0,            /* done; wait: the job was released */
	CLI_EXIT_FAILED = 1,        /* trexd refused, or a download/write failed */
	CLI_EXIT_USAGE = 2,         /* bad usage or unreadable local input */
	CLI_EXIT_NOT_APPROVED = 3,  /* approve without --digest: shown only */
	CLI_EXIT_UNREACHABLE = 4,   /* no trexd at the endpoint, or it did not answer */
	CLI_EXIT_WAIT_TIMEOUT = 5,  /* wait --timeout passed, the job still running */
	CLI_EXIT_PARTIAL = 10,      /* wait: partially_released */
	CLI_EXIT_HELD = 11,         /* wait: held for a checker */
	CLI_EXIT_BLOCKED = 12,      /* wait: blocked, or rejected by a checker */
	CLI_EXIT_JOB_FAILED = 13,   /* wait: failed or refused */
	CLI_EXIT_TIMED_OUT = 14,    /* wait: the job hit its time or CPU limit */
	CLI_EXIT_CANCELLED = 15,    /* wait: cancelled */
};

#define CLI_DEFAULT_SOCKET "/run/trex/trexd.sock"

/* Every verb takes --json (getopt_long's value CLI_OPT_JSON) after it. */
#define CLI_OPT_JSON 1000
#define CLI_JSON_OPTION { "json", no_argument, NULL, CLI_OPT_JSON }
/* A verb's getopt_long refused argv[optind - 1] (c is '?' or ':', its
 * optstring starts with ':'): the usage error, printed. */
int cli_opt_error(const char *verb, int c, char **argv);
/* A verb that takes no option but --json: its options parsed (*as_json
 * set by --json); 0, or the usage error's exit code. */
int cli_json_only(const char *verb, int argc, char **argv, int *as_json);

struct cli_ctx {
	const char *socket; /* the endpoint: a socket path, or https://HOST:PORT (--url) */
	int json;           /* --json: one JSON document on stdout instead of text */
};

/* The exit code of a job that ended in `state` (CLI_EXIT_OK for
 * released), or -1 for a state that is not terminal. */
int cli_exit_for_state(const char *state);

/* A job named on the command line: a whole id, or an unambiguous prefix
 * of an id or of its random part (after the '-'). Fills id (at least 129
 * bytes) and returns 0, or prints why not and returns the exit code. */
int cli_resolve_job(const struct cli_ctx *ctx, const char *verb, const char *arg, char *id,
		    size_t idsz);

/* Print a JSON document on stdout, indented, ASCII-escaped (--json). */
void cli_print_json(const json_t *j);

int cli_submit(const struct cli_ctx *ctx, int argc, char **argv);
int cli_run(const struct cli_ctx *ctx, int argc, char **argv);     /* runlocal.c */
/* submit.c, shared with run --local: the manifest file parsed (a JSON
 * object, no duplicate key; errors FILE:LINE:COLUMN), and the line of
 * the manifest holding the field a validation message names ("manifest
 * .outputs[1].kind: ...", "unknown runtime ..."), 0 when unknown. */
struct stat;
int cli_load_manifest(const char *path, json_t **out, struct stat *st, struct trex_err *err);
int cli_manifest_line(const char *path, const char *msg);
int cli_status(const struct cli_ctx *ctx, int argc, char **argv);
int cli_wait(const struct cli_ctx *ctx, int argc, char **argv);
int cli_outputs(const struct cli_ctx *ctx, int argc, char **argv);
int cli_fetch(const struct cli_ctx *ctx, int argc, char **argv);
int cli_permit(const struct cli_ctx *ctx, int argc, char **argv);  /* permit.c */
int cli_approve(const struct cli_ctx *ctx, int argc, char **argv); /* approve.c */
int cli_review(const struct cli_ctx *ctx, int argc, char **argv);  /* review.c */
int cli_held(const struct cli_ctx *ctx, int argc, char **argv);    /* review.c */
int cli_acro(const struct cli_ctx *ctx, int argc, char **argv);    /* review.c */
int cli_audit(const struct cli_ctx *ctx, int argc, char **argv);   /* audit.c */
int cli_verify(const struct cli_ctx *ctx, int argc, char **argv);  /* verify.c */
int cli_list(const struct cli_ctx *ctx, int argc, char **argv);    /* list.c */
int cli_logs(const struct cli_ctx *ctx, int argc, char **argv);    /* list.c */
int cli_cancel(const struct cli_ctx *ctx, int argc, char **argv);  /* status.c */
int cli_review_list(const struct cli_ctx *ctx, int argc, char **argv); /* queue.c */
int cli_review_show(const struct cli_ctx *ctx, int argc, char **argv); /* queue.c */
int cli_review_web(const struct cli_ctx *ctx, int argc, char **argv);  /* review.c */
int cli_doctor(const struct cli_ctx *ctx, int argc, char **argv);  /* doctor.c */

/* Shared helpers (cli.c). */
int cli_usage_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print err's message and return the exit code for it. */
int cli_fail(const struct trex_err *err);
/* Job ids come from trexd but also from the user's command line; only
 * [A-Za-z0-9._-]{1,128} is accepted so it can go in a URL unescaped. */
int cli_job_id_ok(const char *id);
/* A released output's declared path, checked again before trex writes it
 * into the user's folder: common/outname.c's trex_outname_path_ok, the rule
 * the manifest check applied (no absolute path, "..", "." or dotfile). */
int cli_output_path_ok(const char *path);
/* Print server-provided text escaped (common/esc.h trex_esc_text: control
 * characters and non-ASCII bytes only). NULL prints "-". */
void cli_put(FILE *f, const char *text);
/* GET /v1/jobs/{id}/held/{file}: the held bytes (queue.c, for trex review
 * show and trex held); a refusal is an error. */
struct client_resp;
int queue_get_held(const struct cli_ctx *ctx, const char *id, const char *file,
		    struct client_resp *resp, struct trex_err *err);
/* Fetch GET /v1/jobs/{id}. */
int cli_get_job(const struct cli_ctx *ctx, const char *id, json_t **job,
		struct trex_err *err);
/* The readable summary printed by status and wait. */
void cli_print_job(FILE *f, const json_t *job);
/* 1 for the states after which a job never changes again. */
int cli_state_terminal(const char *state);

#endif
