/* The whole job an approver approves under a strict permit: what runs
 * (the manifest as trexd stores it: command, dataset, runtime, outputs and
 * every limit made explicit), what its outputs are checked with (the
 * disclosure policy's name) and every file of its code bundle by SHA-256
 * and size. Its digest, job_sha256, is the SHA-256 of the canonical form
 *
 *   {"files": {"NAME": {"sha256": "HEX", "size": N}, ...},
 *    "manifest": {...}, "policy": "NAME" | null}
 *
 * serialised compactly with sorted keys and ASCII escapes (the canonical
 * form of permits, common/permit.h). trexd computes it at submission;
 * `trex approve` rebuilds it from what it shows the approver and checks
 * that it hashes to the digest trexd holds, so what the approver reads is
 * what the approval covers (docs/api.md "Approval"). */
#ifndef TREX_JOBDIGEST_H
#define TREX_JOBDIGEST_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"
#include "hash.h"

/* {"sha256": HEX, "size": len} of one file's bytes (new reference). */
json_t *jobdigest_file(const void *data, size_t len);

/* The canonical job (new reference); manifest and files are copied, not
 * taken. policy NULL: a job without a permit (checked with trexd's
 * configured pack when it is checked). NULL on a bad argument or no
 * memory. */
json_t *jobdigest_canonical(json_t *manifest, json_t *files, const char *policy);

/* job_sha256 of a canonical job: 0, or -ENOMEM/-EIO with err set. */
int jobdigest_sha256(json_t *canonical, char out[TREX_SHA256_HEX_LEN + 1],
		     struct trex_err *err);

#endif
