/* A job's stdout and stderr. They are outputs too (docs/DESIGN.md "A job's
 * data path": they never leave unchecked): kept in jobs/<id>/logs/, held
 * until a checker who did not submit the job releases or rejects each one,
 * like a held output. */
#ifndef TREX_RUNNER_LOGS_H
#define TREX_RUNNER_LOGS_H

#include <jansson.h>

#include "access.h"
#include "http.h"
#include "trexd.h"
#include "view.h"

/* "held", "released" or "rejected"; "held" when the store cannot say. */
const char *logs_state(struct store *s, const char *id, const char *name);
/* Both at once (one query, for GET /v1/jobs/{id}): states[0] of stdout,
 * states[1] of stderr. */
void logs_states(struct store *s, const char *id, const char *states[2]);

/* A job that will not write its logs again: it ended. */
int logs_job_ended(const char *state);

/* `,"logs":[{"name","size","state"}...]}` and a newline into buf (256
 * bytes are plenty): how GET /v1/jobs/{id}'s answer ends, the sizes as
 * `level` may see them (view_log_size). Returns its length. */
size_t logs_tail(const struct trexd *d, const char *id, const char *const states[2],
		 enum view_level level, char *buf, size_t size);

/* GET /v1/jobs/{id}/logs: {"id", "logs": [{"name", "size", "state"}]}. */
void logs_list(struct trexd *d, const struct caller *c, const char *id,
	       struct http_response *resp);

/* GET /v1/jobs/{id}/logs/{stdout|stderr}: the bytes once released (a
 * researcher of the job), or while held (a checker who did not submit it,
 * to review it); every read is audited. */
void logs_get(struct trexd *d, const struct caller *c, const char *id, const char *name,
	      struct http_response *resp);

/* POST /v1/jobs/{id}/review with {"log": "stdout"|"stderr", "decision",
 * "reason"}: called by review_decide once the caller is a checker who did
 * not submit the job `row`. */
void logs_review(struct trexd *d, const struct caller *c, const struct job_row *row,
		 json_t *body, struct http_response *resp);

#endif
