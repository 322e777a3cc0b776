/* GET /v1/jobs/{id}/acro: a job's SACRO Viewer export, for output
 * checkers and auditors (docs/api.md). */
#ifndef TREX_RUNNER_ACROVIEW_H
#define TREX_RUNNER_ACROVIEW_H

#include "access.h"
#include "http.h"
#include "trexd.h"

/* {"id", "files": [{"name", "size", "sha256", "text" | "base64"}]}: every
 * file of the export trex-check wrote in the checker's pass (results.json,
 * config.json, the released copies, checksums/...), to be written into a
 * folder of its own and opened in SACRO Viewer. Only to a caller whose
 * view of the job is the full one (view_acro); each read is audited
 * (event acro_view) before the answer leaves. */
void acroview_get(struct trexd *d, const struct caller *c, const char *id,
		  struct http_response *resp);

#endif
