/* Permits, roles, approval, review, release manifests and the audit trail
 * of trexd (SECURITY.md "Permits, roles and audit"). One header for the
 * modules that implement them:
 *   audit_log.c     trexd's own key, the audit log and signed checkpoints
 *   audit_head.c    the log's head anchored in the store, checked at start
 *   permits.c       trusted approver keys and the permit check at submission
 *   roles.c         who the caller is and what each route lets them do
 *   store_access.c  per-job permit facts, approvals and review decisions
 *   approve.c       approving a strict-permit job (its job_sha256)
 *   review.c        review, held files and audit routes
 *   relman.c        the signed release manifest */
#ifndef TREX_RUNNER_ACCESS_H
#define TREX_RUNNER_ACCESS_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "audit.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "permit.h"
#include "sign.h"
#include "store.h"

struct trexd;
struct caller;

struct trexd_access {
	struct trex_key *key;     /* trexd's signing key (STATE/trexd.key) */
	char key_id[65];
	char *pub_pem;            /* STATE/trexd.pub as text */
	struct trex_key **approvers;
	size_t n_approvers;
	struct permit_trust trust;
	const struct config *trust_cfg; /* the config trust was loaded from */
	struct audit_log audit;
	int audit_open;
	uint64_t since_checkpoint;
	json_t *last_checkpoint;  /* the last checkpoint line, or NULL */
};
struct sacc_audit_head;

/* audit_log.c */
/* Open the audit log (refusing one that does not match the store's head,
 * unless accept_head "SEQ:HASH" names the log's own head: audit_head.c)
 * and record the start. */
int alog_init(struct trexd *d, const char *accept_head, struct trex_err *err);
/* Append an event (fields borrowed; may be NULL), fsync it and record the
 * new head in the store; adds a signed checkpoint every checkpoint_every
 * lines. Callers acknowledge the action only when this returned 0. On the
 * loop thread. */
int alog_event(struct trexd *d, const char *event, json_t *fields, struct trex_err *err);
/* The same from a submission's pool thread inside its transaction on
 * `s`, which records the head with the job. It never writes the
 * checkpoint that falls due: alog_checkpoint_due does, from the loop. */
int alog_event_in(struct trexd *d, struct store *s, const char *event, json_t *fields,
		  struct trex_err *err);
void alog_checkpoint_due(struct trexd *d);
/* A final signed checkpoint, the head recorded as a clean stop, then
 * close (at shutdown). */
void alog_close(struct trexd *d);
/* The head now, and a copy of the last checkpoint line (NULL when none;
 * checkpoint may be NULL). */
void alog_head(struct trexd *d, struct sacc_audit_head *h, json_t **checkpoint);

/* audit_head.c */
/* Open STATE/audit.log at `path` into d->acc->audit after comparing it
 * with the head the store recorded; *note gets {"event", "fields"} of a
 * line to append once started (an adopted or accepted head), or NULL. */
int ahead_open(struct trexd *d, const char *path, const char *accept_head, json_t **note,
	       struct trex_err *err);
/* The log line "event=audit_head seq=N hash=H at=start|stop". */
void ahead_log(struct trexd *d, const char *at);
/* GET /v1/audit/head (auditors). */
void ahead_show(struct trexd *d, const struct caller *c, struct http_response *resp);

/* permits.c */
struct permit_decision {
	char permit_id[129];
	char policy[65];
	int strict;
};
/* Check the permit text sent with a submission for this caller and
 * manifest. On refusal: negative, *code the stable code, err the message;
 * every decision is audited. permit_text NULL = none sent. */
int permits_check(struct trexd *d, const char *permit_text, const char *manifest_permit,
		  const char *researcher, const char *project, const char *dataset,
		  const char *runtime, struct permit_decision *out, const char **code,
		  struct trex_err *err);
int permits_init(struct trexd *d, struct trex_err *err);
/* trexd -n: the approver keys load. */
int permits_check_config(const struct config *c, struct trex_err *err);

/* roles.c */
struct caller {
	uid_t uid;
	const char *name;          /* configured name, else peer name */
	unsigned roles;
	const struct user *user;   /* NULL without a "users" section */
};
/* The caller a peer is under the current configuration, without
 * answering or auditing: -EACCES when the config knows no such user. A
 * long-lived event stream asks again for each event, so a SIGHUP that
 * changes roles or projects applies to streams already open. */
int roles_lookup(const struct trexd *d, uid_t uid, const char *peer_name, struct caller *c);
/* 0, or -EACCES after answering 403 (and auditing the refusal). */
int roles_identify(struct trexd *d, const struct http_request *req, struct caller *c,
		   struct http_response *resp);
int roles_require(struct trexd *d, const struct caller *c, unsigned any_of,
		  const char *what, struct http_response *resp);
/* Whether the caller may see a job: its submitter; a researcher of its
 * project; an approver, checker, operator or auditor. */
int roles_may_see(const struct trexd *d, const struct caller *c, const struct job_row *row);
/* Job `id` into row when the caller may see it (roles_may_see), else the
 * same 404 as a job that does not exist; 500 when the store fails. 0, or
 * <0 with resp answered. Free row with store_job_free. */
int roles_load_job(struct trexd *d, const struct caller *c, const char *id,
		   struct job_row *row, struct http_response *resp);
const char *roles_names(unsigned roles, char *buf, size_t len);

/* store_access.c */
struct job_access {
	char permit_id[129];
	char policy[65];
	int strict;
	char bundle_sha256[65];
};
int sacc_init(struct store *s, struct trex_err *err);
int sacc_put(struct store *s, const char *job, const struct job_access *a,
	     struct trex_err *err);
/* -ENOENT when the job has no access row (submitted without a permit). */
int sacc_get(struct store *s, const char *job, struct job_access *a, struct trex_err *err);
/* A job's job_sha256 and its files' digests (JSON text of the "files" of
 * common/jobdigest.h), stored with the job. */
int sacc_put_digest(struct store *s, const char *job, const char *job_sha256,
		    const char *files, struct trex_err *err);
/* -ENOENT for a job stored before store version 5. files may be NULL,
 * else a new reference. */
int sacc_get_digest(struct store *s, const char *job, char job_sha256[65], json_t **files,
		    struct trex_err *err);
/* A job's reproducibility record (canonical JSON text), put once when its
 * outputs are checked (again: replaced); get: -ENOENT when it has none
 * (checked before schema version 6), *record the caller's to decref. */
int sacc_put_repro(struct store *s, const char *job, const char *record, struct trex_err *err);
int sacc_get_repro(struct store *s, const char *job, json_t **record, struct trex_err *err);
int sacc_put_approval(struct store *s, const char *permit_id, const char *job_sha256,
		      const char *approver, struct trex_err *err);
/* 1 when this exact job (job_sha256) was approved under this permit. */
int sacc_approved(struct store *s, const char *permit_id, const char *job_sha256,
		  struct trex_err *err);
/* The audit log's head as the store knows it (audit_log.c). seq -1: not
 * anchored yet (a store from before version 5). */
struct sacc_audit_head {
	int64_t seq;
	char hash[65];
	int stopped; /* the trexd that wrote it stopped cleanly */
};
/* -ENOENT when the row is missing. */
int sacc_audit_head(struct store *s, struct sacc_audit_head *h, struct trex_err *err);
/* Moves the head forward only, unless force. */
int sacc_set_audit_head(struct store *s, const struct sacc_audit_head *h, int force,
			struct trex_err *err);
/* The count of jobs and the store's high-water mark (the largest job seq
 * it ever gave), which signed checkpoints record. */
int sacc_store_mark(struct store *s, int64_t *jobs, int64_t *high, struct trex_err *err);
int sacc_put_review(struct store *s, const char *job, const char *name,
		    const char *decision, const char *reason, const char *reviewer,
		    struct trex_err *err);
/* Reviews of a job: JSON array of {name, decision, reason, reviewer, at}. */
int sacc_reviews(struct store *s, const char *job, json_t **out, struct trex_err *err);
/* Mark an output released after review (size/sha of the copy). */
int sacc_release_output(struct store *s, const char *job, const char *name, int64_t size,
			const char *sha256, const char *verdict, struct trex_err *err);

/* approve.c: POST /v1/jobs/{id}/approve */
void approve_route(struct trexd *d, const struct caller *c, const char *id,
		   const struct http_request *req, struct http_response *resp);

/* review.c: routes */
/* 0 when the caller did not submit the job, else -EACCES after answering
 * 403 own_job (audited): nobody decides on their own job. */
int review_not_own(struct trexd *d, const struct caller *c, const struct job_row *row,
		   const char *what, struct http_response *resp);
/* 0 when the caller may read the job's held files and decide on them:
 * not its submitter (review_not_own) and no researcher in its project
 * (else 403 conflict_of_interest, audited); -EACCES after answering. */
int review_independent(struct trexd *d, const struct caller *c, const struct job_row *row,
		       struct http_response *resp);
/* The request's body as a JSON object, or NULL after answering 400. */
json_t *review_body(const struct http_request *req, struct http_response *resp);
/* A decision that could not be recorded: 507 no_space on a full state
 * filesystem (nothing of it was kept: try again), else 500. */
void review_failed(struct http_response *resp, const struct trex_err *err, const char *what);
void review_decide(struct trexd *d, const struct caller *c, const char *id,
		   const struct http_request *req, struct http_response *resp);
void review_held_file(struct trexd *d, const struct caller *c, const char *id,
		      const char *name, struct http_response *resp);
/* audit_log.c: GET /v1/audit/{job|project}/{value} (auditors). */
void alog_show(struct trexd *d, const struct caller *c, const char *kind,
	       const char *value, struct http_response *resp);

/* relman.c */
/* Build and sign the release manifest of a job; write it to
 * STATE/release/<project>/<id>.release.json; *out = the signed document. */
int relman_build(struct trexd *d, const char *id, json_t **out, struct trex_err *err);
void relman_get(struct trexd *d, const struct caller *c, const char *id,
		struct http_response *resp);

#endif
