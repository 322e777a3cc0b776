/* SQLite job store. trexd opens two connections: the loop's, whose calls
 * are short indexed statements on cached prepared statements, and
 * submit.c's, used from a libuv pool thread for the one write that comes
 * in storms (new jobs), so their commit fsyncs do not stall the loop. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "alloc.h"
#include "cleanup.h"

#define STORE_STMTS 48
/* the "prev" of an audit log's first line (common/audit.c) */
#define STORE_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Statements kept prepared for the daemon's life, keyed by the address of
 * their SQL string literal: on a status read, parsing the SQL cost more
 * than running it (perf: sqlite3Parser and its mallocs). */
struct store_stmt_slot {
	const char *sql;
	sqlite3_stmt *st;
};

struct store {
	sqlite3 *db;
	struct store_stmt_slot stmts[STORE_STMTS];
	store_observer observer;
	void *observer_arg;
	int64_t others; /* writes through another connection (store_note_write) */
	/* inside store_begin .. store_commit: the jobs changed, told to the
	 * observer only once the commit is through (store_changed) */
	int in_tx;
	char tx_jobs[8][STORE_ID_MAX];
	int n_tx_jobs;
};

void store_set_observer(struct store *s, store_observer fn, void *arg)
{
	s->observer = fn;
	s->observer_arg = arg;
}

/* After a commit only: an observer never reports what a rollback undid.
 * Inside an explicit transaction the job is noted and reported by
 * store_commit (more jobs than fit are reported at once, as before). */
static void store_changed(struct store *s, const char *id)
{
	if (s->in_tx) {
		for (int i = 0; i < s->n_tx_jobs; i++)
			if (strcmp(s->tx_jobs[i], id) == 0)
				return;
		if (s->n_tx_jobs < (int)TREX_ARRAY_LEN(s->tx_jobs)) {
			snprintf(s->tx_jobs[s->n_tx_jobs++], STORE_ID_MAX, "%s", id);
			return;
		}
	}
	if (s->observer)
		s->observer(s->observer_arg, id);
}

static const char *const store_schema =
	"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS jobs ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" id TEXT NOT NULL UNIQUE,"
	" project TEXT NOT NULL, dataset TEXT NOT NULL, runtime TEXT NOT NULL,"
	" manifest TEXT NOT NULL,"
	" state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',"
	" submitted_uid INTEGER NOT NULL, submitted_name TEXT NOT NULL,"
	" created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
	" run TEXT, report TEXT);"
	"CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, project, seq);"
	"CREATE TABLE IF NOT EXISTS outputs ("
	" job TEXT NOT NULL REFERENCES jobs(id), name TEXT NOT NULL,"
	" kind TEXT NOT NULL, verdict TEXT NOT NULL, summary TEXT NOT NULL DEFAULT '',"
	" released INTEGER NOT NULL DEFAULT 0, size INTEGER, sha256 TEXT,"
	" PRIMARY KEY (job, name));";

/* SQLite's answer as an errno. A full disk is the operator's to fix, not
 * an internal error: the API answers it with 507. A full disk, an I/O
 * error (a -shm or journal that cannot grow) or a busy database may go
 * through later, and a job's write is then tried again (trexd_retryable);
 * anything else (a constraint, a corrupt file) would fail again. */
static int store_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_IOERR:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EIO;
	default:
		return -EPROTO;
	}
}

static int store_fail(struct store *s, struct trex_err *err, const char *what)
{
	int code = store_errno(sqlite3_errcode(s->db));
	return trex_err_setx(err, code, "store: %s: %s", what,
			     code == -ENOSPC ? "no space left on the state filesystem"
					     : sqlite3_errmsg(s->db));
}

void store_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int store_exec(struct store *s, const char *sql, struct trex_err *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int code = store_errno(rc);
		trex_err_setx(err, code, "store: %s", msg ? msg : "exec failed");
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

static int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st,
			 struct trex_err *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return store_fail(s, err, "prepare");
	return 0;
}

int store_stmt(struct store *s, const char *sql, sqlite3_stmt **st, struct trex_err *err)
{
	size_t i;
	for (i = 0; i < STORE_STMTS && s->stmts[i].sql; i++) {
		if (s->stmts[i].sql == sql) {
			*st = s->stmts[i].st;
			return 0;
		}
	}
	unsigned flags = i < STORE_STMTS ? SQLITE_PREPARE_PERSISTENT : 0;
	if (sqlite3_prepare_v3(s->db, sql, -1, flags, st, NULL) != SQLITE_OK)
		return store_fail(s, err, "prepare");
	if (i < STORE_STMTS) {
		s->stmts[i].sql = sql;
		s->stmts[i].st = *st;
	}
	return 0;
}

void store_stmt_done(struct store *s, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < STORE_STMTS && s->stmts[i].sql; i++) {
		if (s->stmts[i].st == st) {
			/* reset ends the statement's read transaction: a
			 * statement left stepping would hold back checkpoints */
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	}
	sqlite3_finalize(st); /* the cache was full: a one-off */
}

static void store_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Migration to version N is store_migrations[N - 2]: append only, never
 * edit one that has shipped. All run in store_open's transaction, so a
 * crash mid-way leaves the old version intact. */
static const char *const store_migrations[] = {
	/* 2: GET /v1/jobs?project= pages by seq within a project */
	"CREATE INDEX IF NOT EXISTS jobs_project ON jobs (project, seq);",
	/* 3: GET /v1/jobs?state= and ?user= page by seq too (store_list.c) */
	"CREATE INDEX IF NOT EXISTS jobs_state_seq ON jobs (state, seq);"
	"CREATE INDEX IF NOT EXISTS jobs_user ON jobs (submitted_name, seq);",
	/* 4: checkers' decisions on a job's stdout and stderr (logs.c); the
	 * row with final = 1 released or rejected the log */
	"CREATE TABLE IF NOT EXISTS log_reviews ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL REFERENCES jobs(id),"
	" name TEXT NOT NULL, decision TEXT NOT NULL, reason TEXT NOT NULL,"
	" reviewer TEXT NOT NULL, at TEXT NOT NULL, final INTEGER NOT NULL,"
	" size INTEGER, sha256 TEXT);"
	"CREATE INDEX IF NOT EXISTS log_reviews_job ON log_reviews (job, name);",
	/* 5: an approval covers the whole job (common/jobdigest.h): each
	 * job's job_sha256 with its files' digests, and approvals of job
	 * digests (those of bundle hashes in "approvals" covered the files
	 * alone and approve nothing any more); and the audit log's head, kept
	 * outside the log (audit_log.c): seq -1 until the next start adopts
	 * the log an older trexd kept (store_open sets a new store's to the
	 * empty log), stopped = 1 once trexd stopped cleanly */
	"CREATE TABLE IF NOT EXISTS job_digests ("
	" job TEXT PRIMARY KEY REFERENCES jobs(id), job_sha256 TEXT NOT NULL,"
	" files TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS job_approvals ("
	" permit_id TEXT NOT NULL, job_sha256 TEXT NOT NULL, approver TEXT NOT NULL,"
	" at TEXT NOT NULL, PRIMARY KEY (permit_id, job_sha256));"
	"CREATE TABLE IF NOT EXISTS audit_head ("
	" id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL,"
	" stopped INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO audit_head VALUES (1, -1, '', 1);",
	/* 6: each job's reproducibility record (relman.c: the runtime's
	 * identity, the dataset's content digest, the policy pack's digest,
	 * trex's version, the limits), made when its outputs are checked;
	 * jobs checked before have none and their manifests carry none */
	"CREATE TABLE IF NOT EXISTS job_repro ("
	" job TEXT PRIMARY KEY REFERENCES jobs(id), record TEXT NOT NULL);",
};

_Static_assert(TREX_ARRAY_LEN(store_migrations) == STORE_SCHEMA_VERSION - 1,
	       "one migration per schema version after 1");

static int store_migrate(struct store *s, int version, struct trex_err *err)
{
	char sql[64];
	if (store_exec(s, store_migrations[version - 2], err) < 0)
		return err->code;
	snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES (%d);", version);
	return store_exec(s, sql, err);
}

int store_open(const char *path, struct store **out, struct trex_err *err)
{
	struct store *s = trex_calloc(1, sizeof(*s));
	if (!s)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				  SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		int r = trex_err_setx(err, -EIO, "store: open %s: %s", path,
				      s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_close(s);
		return r;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL + synchronous=FULL: a committed transaction survives power loss */
	if (store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
			  "PRAGMA foreign_keys=ON;", err) < 0 ||
	    store_exec(s, "BEGIN IMMEDIATE;", err) < 0) {
		store_close(s);
		return err->code;
	}
	int r = store_exec(s, store_schema, err);
	sqlite3_stmt *st = NULL;
	if (r == 0)
		r = store_prepare(s, "SELECT max(version) FROM schema_version", &st, err);
	if (r == 0) {
		int version = 0;
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		/* a new database gets the version 1 schema above, then every
		 * migration; a newer database than this trexd knows is refused
		 * rather than half understood */
		if (version == 0)
			r = store_exec(s, "INSERT INTO schema_version VALUES (1);", err);
		if (r == 0 && version > STORE_SCHEMA_VERSION)
			r = trex_err_setx(err, -EPROTO,
					  "store: %s has schema version %d, this trexd knows %d",
					  path, version, STORE_SCHEMA_VERSION);
		for (int v = version < 1 ? 2 : version + 1; r == 0 && v <= STORE_SCHEMA_VERSION; v++)
			r = store_migrate(s, v, err);
		/* a new store goes with an empty audit log (migration 5): a
		 * store deleted beside a kept log does not adopt the log */
		if (r == 0 && version == 0)
			r = store_exec(s, "UPDATE audit_head SET seq = 0, hash = '" STORE_AUDIT_GENESIS
					  "' WHERE id = 1;", err);
	}
	if (r == 0)
		r = store_exec(s, "COMMIT;", err);
	if (r < 0) {
		sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
		store_close(s);
		return r;
	}
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < STORE_STMTS && s->stmts[i].sql; i++)
		sqlite3_finalize(s->stmts[i].st);
	sqlite3_close_v2(s->db);
	trex_free(s);
}

sqlite3 *store_db(struct store *s)
{
	return s->db;
}

int64_t store_version(struct store *s)
{
	return sqlite3_total_changes64(s->db) + s->others;
}

void store_note_write(struct store *s, const char *id)
{
	s->others++;
	if (id)
		store_changed(s, id);
}

int store_begin(struct store *s, struct trex_err *err)
{
	int r = store_exec(s, "BEGIN IMMEDIATE;", err);
	if (r == 0) {
		s->in_tx = 1;
		s->n_tx_jobs = 0;
	}
	return r;
}

int store_commit(struct store *s, struct trex_err *err)
{
	int r = store_exec(s, "COMMIT;", err);
	if (r < 0)
		return r; /* the caller rolls back */
	s->in_tx = 0;
	for (int i = 0; i < s->n_tx_jobs; i++)
		store_changed(s, s->tx_jobs[i]);
	s->n_tx_jobs = 0;
	return 0;
}

void store_rollback(struct store *s)
{
	sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
	s->in_tx = 0;
	s->n_tx_jobs = 0;
}

int store_put_job(struct store *s, const struct job_row *j, struct trex_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	store_now(now);
	if (store_stmt(s, "INSERT INTO jobs (id, project, dataset, runtime, manifest,"
			     " state, reason, submitted_uid, submitted_name, created_at, updated_at)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?9, '', ?6, ?7, ?8, ?8)",
			  &st, err) < 0)
		return err->code;
	/* a job waiting for approval is stored so from the start: a crash
	 * between insert and a state change must not let it run */
	store_text(st, 9, j->state ? j->state : "queued");
	store_text(st, 1, j->id);
	store_text(st, 2, j->project);
	store_text(st, 3, j->dataset);
	store_text(st, 4, j->runtime);
	store_text(st, 5, j->manifest);
	sqlite3_bind_int64(st, 6, j->submitted_uid);
	store_text(st, 7, j->submitted_name);
	store_text(st, 8, now);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "insert job");
	store_changed(s, j->id);
	return 0;
}

static char *store_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? trex_strdup((const char *)t) : NULL;
}

int store_get_job(struct store *s, const char *id, struct job_row *out,
		  struct trex_err *err)
{
	sqlite3_stmt *st;
	memset(out, 0, sizeof(*out));
	if (store_stmt(s, "SELECT id, project, dataset, runtime, manifest, state, reason,"
			     " submitted_uid, submitted_name, created_at, updated_at, run, report"
			     " FROM jobs WHERE id = ?1",
			  &st, err) < 0)
		return err->code;
	store_text(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		store_stmt_done(s, st);
		if (rc == SQLITE_DONE)
			return trex_err_setx(err, -ENOENT, "no job %s", id);
		return store_fail(s, err, "get job");
	}
	snprintf(out->id, sizeof(out->id), "%s", (const char *)sqlite3_column_text(st, 0));
	out->project = store_col(st, 1);
	out->dataset = store_col(st, 2);
	out->runtime = store_col(st, 3);
	out->manifest = store_col(st, 4);
	out->state = store_col(st, 5);
	out->reason = store_col(st, 6);
	out->submitted_uid = (uid_t)sqlite3_column_int64(st, 7);
	out->submitted_name = store_col(st, 8);
	out->created_at = store_col(st, 9);
	out->updated_at = store_col(st, 10);
	out->run = store_col(st, 11);
	out->report = store_col(st, 12);
	/* run and report may be NULL in the table: one that is not, but
	 * could not be copied, is out of memory, not "no run yet" (the
	 * allocation-failure loop of test_runner_store found this) */
	int lost = (!out->run && sqlite3_column_type(st, 11) != SQLITE_NULL) ||
		   (!out->report && sqlite3_column_type(st, 12) != SQLITE_NULL);
	store_stmt_done(s, st);
	if (lost || !out->project || !out->dataset || !out->runtime || !out->manifest ||
	    !out->state || !out->reason || !out->submitted_name || !out->created_at ||
	    !out->updated_at) {
		store_job_free(out);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	return 0;
}

void store_job_free(struct job_row *j)
{
	trex_free(j->project);
	trex_free(j->dataset);
	trex_free(j->runtime);
	trex_free(j->manifest);
	trex_free(j->state);
	trex_free(j->reason);
	trex_free(j->submitted_name);
	trex_free(j->created_at);
	trex_free(j->updated_at);
	trex_free(j->run);
	trex_free(j->report);
	memset(j, 0, sizeof(*j));
}

static int store_update(struct store *s, const char *id, const char *state,
			const char *reason, const char *run, const char *report,
			struct trex_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	store_now(now);
	if (store_stmt(s, "UPDATE jobs SET state = ?2, reason = ?3, updated_at = ?4,"
			     " run = coalesce(?5, run), report = coalesce(?6, report)"
			     " WHERE id = ?1",
			  &st, err) < 0)
		return err->code;
	store_text(st, 1, id);
	store_text(st, 2, state);
	store_text(st, 3, reason ? reason : "");
	store_text(st, 4, now);
	store_text(st, 5, run);
	store_text(st, 6, report);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "update job");
	if (sqlite3_changes(s->db) != 1)
		return trex_err_setx(err, -ENOENT, "no job %s", id);
	return 0;
}

int store_set_state(struct store *s, const char *id, const char *state,
		    const char *reason, const char *run, const char *report,
		    struct trex_err *err)
{
	int r = store_update(s, id, state, reason, run, report, err);
	if (r == 0)
		store_changed(s, id);
	return r;
}

int store_finish_job(struct store *s, const char *id, const struct output_row *outs,
		     size_t n_outs, const char *state, const char *reason,
		     const char *report, struct trex_err *err)
{
	if (store_exec(s, "BEGIN IMMEDIATE;", err) < 0)
		return err->code;
	sqlite3_stmt *st = NULL;
	int r = store_stmt(s, "INSERT OR REPLACE INTO outputs (job, name, kind, verdict,"
				 " summary, released, size, sha256)"
				 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			      &st, err);
	for (size_t i = 0; r == 0 && i < n_outs; i++) {
		sqlite3_reset(st);
		store_text(st, 1, id);
		store_text(st, 2, outs[i].name);
		store_text(st, 3, outs[i].kind ? outs[i].kind : "");
		store_text(st, 4, outs[i].verdict);
		store_text(st, 5, outs[i].summary ? outs[i].summary : "");
		sqlite3_bind_int(st, 6, outs[i].released);
		if (outs[i].size >= 0)
			sqlite3_bind_int64(st, 7, outs[i].size);
		else
			sqlite3_bind_null(st, 7);
		store_text(st, 8, outs[i].sha256);
		if (sqlite3_step(st) != SQLITE_DONE)
			r = store_fail(s, err, "insert output");
	}
	store_stmt_done(s, st);
	if (r == 0)
		r = store_update(s, id, state, reason, NULL, report, err);
	if (r == 0)
		r = store_exec(s, "COMMIT;", err);
	if (r < 0)
		sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
	else
		store_changed(s, id);
	return r;
}

int store_list_outputs(struct store *s, const char *id, int released_only,
		       json_t **out, struct trex_err *err)
{
	sqlite3_stmt *st;
	if (store_stmt(s, "SELECT name, kind, verdict, summary, released, size, sha256"
			     " FROM outputs WHERE job = ?1 AND (released = 1 OR ?2 = 0)"
			     " ORDER BY name",
			  &st, err) < 0)
		return err->code;
	store_text(st, 1, id);
	sqlite3_bind_int(st, 2, released_only);
	json_t *arr = json_array();
	int rc;
	while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();
		const char *sha = (const char *)sqlite3_column_text(st, 6);
		if (!o || json_array_append_new(arr, o) < 0)
			break;
		json_object_set_new(o, "name", json_string((const char *)sqlite3_column_text(st, 0)));
		json_object_set_new(o, "kind", json_string((const char *)sqlite3_column_text(st, 1)));
		json_object_set_new(o, "verdict", json_string((const char *)sqlite3_column_text(st, 2)));
		json_object_set_new(o, "summary", json_string((const char *)sqlite3_column_text(st, 3)));
		json_object_set_new(o, "released", json_boolean(sqlite3_column_int(st, 4)));
		json_object_set_new(o, "size", sqlite3_column_type(st, 5) == SQLITE_NULL
						       ? json_null()
						       : json_integer(sqlite3_column_int64(st, 5)));
		json_object_set_new(o, "sha256", sha ? json_string(sha) : json_null());
	}
	store_stmt_done(s, st);
	if (!arr)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	*out = arr;
	return 0;
}

int store_next_queued(struct store *s, const char *after_project,
		      char id[STORE_ID_MAX], char project[128], struct trex_err *err)
{
	sqlite3_stmt *st;
	id[0] = '\0';
	project[0] = '\0';
	/* projects after the last one served come first, then the wrap-around */
	if (store_stmt(s, "SELECT id, project FROM jobs WHERE state = 'queued'"
			     " ORDER BY (project <= ?1), project, seq LIMIT 1",
			  &st, err) < 0)
		return err->code;
	store_text(st, 1, after_project ? after_project : "");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(id, STORE_ID_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(project, 128, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	store_stmt_done(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, err, "next queued");
	return 0;
}

int store_recover(struct store *s, struct trex_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	store_now(now);
	if (store_prepare(s, "UPDATE jobs SET reason = 'trexd stopped while the job was '"
			     " || state, state = 'failed', updated_at = ?1"
			     " WHERE state IN ('running', 'checking')",
			  &st, err) < 0)
		return err->code;
	store_text(st, 1, now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, err, "recover");
	return sqlite3_changes(s->db);
}

int store_recover_one(struct store *s, const char *id, int requeue, struct trex_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	store_now(now);
	if (store_exec(s, "BEGIN IMMEDIATE;", err) < 0)
		return err->code;
	int r = 0;
	if (requeue) {
		r = store_prepare(s, "DELETE FROM outputs WHERE job = ?1", &st, err);
		if (r == 0) {
			store_text(st, 1, id);
			int rc = sqlite3_step(st);
			sqlite3_finalize(st);
			if (rc != SQLITE_DONE)
				r = store_fail(s, err, "recover");
		}
	}
	if (r == 0)
		r = store_prepare(s, requeue ? "UPDATE jobs SET reason = 're-queued: trexd stopped while"
					       " the job was ' || state, state = 'queued', run = NULL,"
					       " report = NULL, updated_at = ?1"
					       " WHERE id = ?2 AND state IN ('running', 'checking')"
					     : "UPDATE jobs SET reason = 'trexd stopped while the job was '"
					       " || state, state = 'failed', updated_at = ?1"
					       " WHERE id = ?2 AND state IN ('running', 'checking')",
				  &st, err);
	if (r == 0) {
		store_text(st, 1, now);
		store_text(st, 2, id);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		r = rc == SQLITE_DONE ? sqlite3_changes(s->db) : store_fail(s, err, "recover");
	}
	if (r >= 0 && store_exec(s, "COMMIT;", err) < 0)
		r = err->code;
	if (r < 0)
		sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
	return r;
}

int store_list_interrupted(struct store *s,
			   int (*fn)(void *arg, const char *id, const char *project,
				     const char *state),
			   void *arg, struct trex_err *err)
{
	sqlite3_stmt *st;
	if (store_prepare(s, "SELECT id, project, state FROM jobs"
			     " WHERE state IN ('running', 'checking') ORDER BY seq",
			  &st, err) < 0)
		return err->code;
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		r = fn(arg, (const char *)sqlite3_column_text(st, 0),
		       (const char *)sqlite3_column_text(st, 1),
		       (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	if (r == 0 && rc != SQLITE_DONE)
		return store_fail(s, err, "list interrupted");
	return r;
}

int store_recover_jobs(struct store *s, int requeue, struct trex_err *err)
{
	if (!requeue)
		return store_recover(s, err);
	sqlite3_stmt *st;
	char now[32];
	store_now(now);
	/* the run record and any outputs of the interrupted attempt go: the
	 * job runs again from its bundle */
	if (store_exec(s, "BEGIN IMMEDIATE;", err) < 0)
		return err->code;
	int r = store_exec(s, "DELETE FROM outputs WHERE job IN (SELECT id FROM jobs"
			      " WHERE state IN ('running', 'checking'));", err);
	if (r == 0)
		r = store_prepare(s, "UPDATE jobs SET reason = 're-queued: trexd stopped while"
				     " the job was ' || state, state = 'queued', run = NULL,"
				     " report = NULL, updated_at = ?1"
				     " WHERE state IN ('running', 'checking')",
				  &st, err);
	if (r == 0) {
		store_text(st, 1, now);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		r = rc == SQLITE_DONE ? sqlite3_changes(s->db) : store_fail(s, err, "recover");
	}
	if (r >= 0 && store_exec(s, "COMMIT;", err) < 0)
		r = err->code;
	if (r < 0)
		sqlite3_exec(s->db, "ROLLBACK;", NULL, NULL, NULL);
	return r;
}
