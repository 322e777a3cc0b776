/* Job manifests (docs/api.md "Manifest rules") and upload file names: strict
 * validation with exact messages, before anything is stored. */
#ifndef TREX_RUNNER_MANIFEST_H
#define TREX_RUNNER_MANIFEST_H

#include <jansson.h>

#include "config.h"
#include "err.h"

#define MANIFEST_MAX_OUTPUTS 100
#define MANIFEST_MAX_ARGS 256
#define MANIFEST_MAX_PATH 1024
/* The checker writes its SACRO Viewer export (trex-check --acro-json) to
 * this folder of its /output, beside the released copies (jobs/<id>/
 * checked): no declared output may be named into it. */
#define MANIFEST_ACRO_DIR ".trex-acro"

/* Stable error codes of the HTTP API (CONTRACTS.md 3). */
#define MANIFEST_E_BAD "bad_manifest"
#define MANIFEST_E_DATASET "unknown_dataset"
#define MANIFEST_E_RUNTIME "unknown_runtime"
#define MANIFEST_E_LIMIT "limit_exceeded"

/* A validated manifest. Strings point into `json`, which it holds a
 * reference to. */
struct manifest {
	json_t *json;
	const char *project;
	const char *dataset;
	const char *runtime;
	struct limits limits; /* effective: manifest values over config defaults */
	size_t n_outputs;
};

/* Validate m against the config. On error returns -EINVAL, fills err with
 * the message and *code with one of the MANIFEST_E_* codes. On success
 * `out` holds a new reference to m (release with manifest_release). */
int manifest_validate(json_t *m, const struct config *c, struct manifest *out,
		      const char **code, struct trex_err *err);
void manifest_release(struct manifest *m);

/* Make a validated manifest say everything that decides how the job runs,
 * as trexd stores it and an approver approves it (common/jobdigest.h):
 * "limits" holds all five effective limits (the configured defaults
 * filled in, so an omitted limit and the same value written out are one
 * job, and a later change of the defaults does not change a job already
 * submitted); "permit" names the permit it runs under (permit_id NULL or
 * "": left as sent). 0, or -ENOMEM. */
int manifest_make_explicit(struct manifest *m, const char *permit_id);

/* A relative path that is safe to create below a folder: not empty, no
 * leading '/', no "." or ".." component, no empty component, no control
 * characters or backslash, components <= 255 bytes, total <= 1024.
 * Returns 1 when safe. */
int manifest_path_ok(const char *p, size_t len);

/* Effective limits and the declared outputs of a stored manifest (already
 * validated at submission). */
json_t *manifest_outputs(json_t *m);
const char *manifest_output_path(json_t *output);

#endif
