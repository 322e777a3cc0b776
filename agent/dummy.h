/* trex dummy: a synthetic dataset of a codebook's shape (docs/datasets.md),
 * made with trex-synth's machinery (bench/synth: its random streams, its
 * identifier form and its buffered CSV writer), for a researcher to
 * develop a job on before submitting it to the real data. */
#ifndef TREX_AGENT_DUMMY_H
#define TREX_AGENT_DUMMY_H

#include <stdint.h>

#include <jansson.h>

#include "agent/cli.h"
#include "common/err.h"

/* Default rows of the largest file (the others in proportion). */
#define DUMMY_DEFAULT_ROWS 1000
#define DUMMY_MAX_ROWS 10000000

/* GET /v1/datasets/NAME's codebook, checked as the format (datasets.c). */
int dummy_fetch_codebook(const struct cli_ctx *ctx, const char *name, json_t **cb,
			 struct trex_err *err);

/* Write every file of cb (checked: codebook_fmt_check) below dir, which
 * must not exist or be empty; rows: the largest file's, the others in
 * proportion to the codebook's "rows" (1 at least). */
int dummy_generate(const json_t *cb, const char *dir, uint64_t rows, uint64_t seed,
		   struct trex_err *err);

int cli_dummy(const struct cli_ctx *ctx, int argc, char **argv);
int cli_datasets(const struct cli_ctx *ctx, int argc, char **argv);

#endif
