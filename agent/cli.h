/* The trex command-line agent: one function per verb, each returning the
 * process exit code (CONTRACTS.md section 4). Only main() exits. */
#ifndef TREX_AGENT_CLI_H
#define TREX_AGENT_CLI_H

#include <stdio.h>

#include <jansson.h>

#include "common/err.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILED = 1,       /* the server refused, or trexd/IO failed */
	CLI_EXIT_USAGE = 2,
	CLI_EXIT_NOT_RELEASED = 3, /* wait: job ended without a release */
	CLI_EXIT_NOT_APPROVED = 3, /* approve without --digest: shown only */
};

#define CLI_DEFAULT_SOCKET "/run/trex/trexd.sock"

struct cli_ctx {
	const char *socket; /* the endpoint: a socket path, or https://HOST:PORT (--url) */
};

int cli_submit(const struct cli_ctx *ctx, int argc, char **argv);
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
int cli_list(const struct cli_ctx *ctx, int argc, char **argv);    /* list.c */
int cli_logs(const struct cli_ctx *ctx, int argc, char **argv);    /* list.c */
int cli_doctor(const struct cli_ctx *ctx, int argc, char **argv);  /* doctor.c */

/* Shared helpers (cli.c). */
int cli_usage_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print err's message and return the exit code for it. */
int cli_fail(const struct trex_err *err);
/* Job ids come from trexd but also from the user's command line; only
 * [A-Za-z0-9._-]{1,128} is accepted so it can go in a URL unescaped. */
int cli_job_id_ok(const char *id);
/* A released file name trex will write into the user's folder: no '/', no
 * leading '.', no control characters, at most 255 bytes. */
int cli_output_name_ok(const char *name);
/* A released output's declared path (docs/api.md: it may name a subfolder):
 * 1 to 16 components separated by single '/', each one cli_output_name_ok,
 * at most 1024 bytes. Rules out absolute paths, "..", "." and dotfiles. */
int cli_output_path_ok(const char *path);
/* Print server-provided text escaped (common/esc.h). NULL prints "-". */
void cli_put(FILE *f, const char *text);
/* Fetch GET /v1/jobs/{id}. */
int cli_get_job(const struct cli_ctx *ctx, const char *id, json_t **job,
		struct trex_err *err);
/* The readable summary printed by status and wait. */
void cli_print_job(FILE *f, const json_t *job);
/* 1 for the states after which a job never changes again. */
int cli_state_terminal(const char *state);

#endif
