/* The job store: one SQLite database in WAL mode. Every state change is
 * committed before trexd acts on it, so a crash loses nothing acknowledged. */
#ifndef TREX_RUNNER_STORE_H
#define TREX_RUNNER_STORE_H

#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "err.h"

#define STORE_SCHEMA_VERSION 6 /* store.c: store_migrations */
#define STORE_ID_MAX 40

struct store;

struct job_row {
	char id[STORE_ID_MAX];
	char *project;
	char *dataset;
	char *runtime;
	char *manifest; /* JSON text */
	char *state;
	char *reason;
	uid_t submitted_uid;
	char *submitted_name;
	char *created_at;
	char *updated_at;
	char *run;      /* JSON text or NULL */
	char *report;   /* JSON text or NULL */
};

struct output_row {
	const char *name;
	const char *kind;
	const char *verdict;
	const char *summary;
	int released;
	int64_t size;
	const char *sha256; /* NULL when not released */
};

int store_open(const char *path, struct store **out, struct trex_err *err);
void store_close(struct store *s);
/* The SQLite handle, for modules keeping their own tables (store_access.c). */
struct sqlite3;
struct sqlite3_stmt;
struct sqlite3 *store_db(struct store *s);
/* Moves on every row this store writes (inserts, updates, deletes, even
 * rolled back): what cached reads compare to know they are current. */
int64_t store_version(struct store *s);
/* Another connection to the same database committed a change to job `id`
 * (submit.c's; NULL: nothing was committed after all): cached reads through
 * this one must not be trusted any more, and this store's observer hears
 * of the job. On the loop thread. */
void store_note_write(struct store *s, const char *id);
/* One write transaction spanning several calls (BEGIN IMMEDIATE). The
 * observer hears of the jobs it changed after store_commit succeeds; a
 * failed commit (a full disk) must be followed by store_rollback. */
int store_begin(struct store *s, struct trex_err *err);
int store_commit(struct store *s, struct trex_err *err);
void store_rollback(struct store *s);
/* A prepared statement for `sql`, which must be a string literal (the
 * cache is keyed by its address), kept for the store's life; hand it back
 * with store_stmt_done (reset, bindings cleared) before using the same SQL
 * again. */
int store_stmt(struct store *s, const char *sql, struct sqlite3_stmt **st,
	       struct trex_err *err);
void store_stmt_done(struct store *s, struct sqlite3_stmt *st);

/* Insert a new job in state "queued", or j->state when set (id, project,
 * dataset, runtime, manifest, submitted_* are used). */
int store_put_job(struct store *s, const struct job_row *j, struct trex_err *err);
/* -ENOENT when absent. Free with store_job_free. */
int store_get_job(struct store *s, const char *id, struct job_row *out,
		  struct trex_err *err);
void store_job_free(struct job_row *j);

/* Change a job's state (and reason, may be NULL for ""); run/report are
 * stored when non-NULL. Committed on return. */
int store_set_state(struct store *s, const char *id, const char *state,
		    const char *reason, const char *run, const char *report,
		    struct trex_err *err);

/* Final answer of a job: outputs and state in one transaction. */
int store_finish_job(struct store *s, const char *id, const struct output_row *outs,
		     size_t n_outs, const char *state, const char *reason,
		     const char *report, struct trex_err *err);

/* Outputs of a job as a JSON array of objects {name, kind, verdict,
 * summary, released, size, sha256}; only released ones when
 * released_only. */
int store_list_outputs(struct store *s, const char *id, int released_only,
		       json_t **out, struct trex_err *err);

/* The next queued job, round-robin across projects: the oldest queued job
 * of the first project (by name) after `after_project` that has one,
 * wrapping around. id[0] = '\0' when none is queued. */
int store_next_queued(struct store *s, const char *after_project,
		      char id[STORE_ID_MAX], char project[128], struct trex_err *err);

/* After a crash: jobs left running or checking become failed. Returns the
 * number of jobs changed or a negative errno. */
int store_recover(struct store *s, struct trex_err *err);

/* Jobs left running or checking, oldest first: fn(arg, id, project, state)
 * for each; a non-zero return stops the walk and is returned. */
int store_list_interrupted(struct store *s,
			   int (*fn)(void *arg, const char *id, const char *project,
				     const char *state),
			   void *arg, struct trex_err *err);

/* store_recover when !requeue; else those jobs go back to queued (run,
 * report and outputs cleared) with the reason saying why. Returns the
 * number of jobs changed. */
int store_recover_jobs(struct store *s, int requeue, struct trex_err *err);
/* The same for job id alone (1 changed, 0 when it was not running or
 * checking): recovery with on_restart "adopt" (runner/adopt.c) recovers
 * the jobs it does not adopt one by one. */
int store_recover_one(struct store *s, const char *id, int requeue, struct trex_err *err);

/* Called with the job's id after every committed change of a job's
 * state by store_put_job, store_set_state and store_finish_job (the
 * event stream, events.c); NULL to stop. Recovery's bulk updates at
 * start-up are not reported. */
typedef void (*store_observer)(void *arg, const char *id);
void store_set_observer(struct store *s, store_observer fn, void *arg);

/* "2026-11-29T10:00:00Z" */
void store_now(char out[32]);

#endif
