/* Bringing a Slurm attempt's results home (docs/slurm.md "Import"):
 * everything in the staging area is untrusted input, written on another
 * host by the job's pool uid. */
#ifndef TREX_RUNNER_SLURM_IMPORT_H
#define TREX_RUNNER_SLURM_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct slurm_import {
	char *record; /* trex-sandbox's status record, without the node's lines */
	size_t record_len;
	char *out, *err; /* the job's stdout and stderr, up to the cap */
	size_t out_len, err_len;
	uint64_t out_total, err_total;
};

/* Read attempt_dir/result/status (written last by trex-slurm-node) and
 * copy every output it lists from attempt_dir/stage into job_dir/stage:
 * each a regular file beneath stage/ reached without a link, of a safe
 * relative name, of the size and SHA-256 the status gives (hashed again
 * as it is copied), all of them within output_mb; then the logs. -ENOENT
 * when there is no status (yet); -EBADMSG with err saying where (never
 * what: no name, no byte) when anything is missing, extra or differs, and
 * then nothing the attempt wrote may be used. */
int slurm_import(const char *attempt_dir, const char *job_dir, long output_mb,
		 struct slurm_import *res, struct trex_err *err);
void slurm_import_free(struct slurm_import *res);

#endif
