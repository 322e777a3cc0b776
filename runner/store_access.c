/* Tables of the job store that belong to permits, review and audit: what
 * permit a job ran under, each job's digest (common/jobdigest.h), which
 * jobs an approver approved, every review decision, and the audit log's
 * head. Same database and durability as store.c. The tables of store
 * version 5 and later are made by store.c's migrations. */
#include "access.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "alloc.h"

static const char *const sacc_schema =
	"CREATE TABLE IF NOT EXISTS job_access ("
	" job TEXT PRIMARY KEY REFERENCES jobs(id), permit_id TEXT NOT NULL,"
	" policy TEXT NOT NULL, strict INTEGER NOT NULL, bundle_sha256 TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS approvals ("
	" permit_id TEXT NOT NULL, bundle_sha256 TEXT NOT NULL, approver TEXT NOT NULL,"
	" at TEXT NOT NULL, PRIMARY KEY (permit_id, bundle_sha256));"
	"CREATE TABLE IF NOT EXISTS reviews ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL REFERENCES jobs(id),"
	" name TEXT NOT NULL, decision TEXT NOT NULL, reason TEXT NOT NULL,"
	" reviewer TEXT NOT NULL, at TEXT NOT NULL);";

static int sacc_fail(sqlite3 *db, struct trex_err *err, const char *what)
{
	/* a full disk is answered 507, as in store.c */
	int full = sqlite3_errcode(db) == SQLITE_FULL;
	return trex_err_setx(err, full ? -ENOSPC : -EIO, "store: %s: %s", what,
			     full ? "no space left on the state filesystem" : sqlite3_errmsg(db));
}

int sacc_init(struct store *s, struct trex_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(store_db(s), sacc_schema, NULL, NULL, &msg) != SQLITE_OK) {
		trex_err_setx(err, -EIO, "store: %s", msg ? msg : "schema");
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

/* Prepare, bind the strings given (NULL-terminated list), step once. */
static int sacc_exec(struct store *s, const char *sql, const char *const *args,
		     struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	if (store_stmt(s, sql, &st, err) < 0)
		return err->code;
	for (int i = 0; args[i]; i++)
		sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return sacc_fail(db, err, "write");
	return 0;
}

int sacc_put(struct store *s, const char *job, const struct job_access *a,
	     struct trex_err *err)
{
	const char *args[] = { job, a->permit_id, a->policy, a->strict ? "1" : "0",
			       a->bundle_sha256, NULL };
	return sacc_exec(s, "INSERT INTO job_access VALUES (?1, ?2, ?3, ?4, ?5)", args, err);
}

int sacc_get(struct store *s, const char *job, struct job_access *a, struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	memset(a, 0, sizeof(*a));
	if (store_stmt(s, "SELECT permit_id, policy, strict, bundle_sha256 FROM job_access"
				   " WHERE job = ?1", &st, err) < 0)
		return err->code;
	sqlite3_bind_text(st, 1, job, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		snprintf(a->permit_id, sizeof(a->permit_id), "%s", sqlite3_column_text(st, 0));
		snprintf(a->policy, sizeof(a->policy), "%s", sqlite3_column_text(st, 1));
		a->strict = sqlite3_column_int(st, 2);
		snprintf(a->bundle_sha256, sizeof(a->bundle_sha256), "%s",
			 sqlite3_column_text(st, 3));
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = sacc_fail(db, err, "read job_access");
	}
	store_stmt_done(s, st);
	return r;
}

int sacc_put_digest(struct store *s, const char *job, const char *job_sha256,
		    const char *files, struct trex_err *err)
{
	const char *args[] = { job, job_sha256, files, NULL };
	return sacc_exec(s, "INSERT INTO job_digests VALUES (?1, ?2, ?3)", args, err);
}

int sacc_get_digest(struct store *s, const char *job, char job_sha256[65], json_t **files,
		    struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	if (files)
		*files = NULL;
	if (store_stmt(s, "SELECT job_sha256, files FROM job_digests WHERE job = ?1", &st,
		       err) < 0)
		return err->code;
	sqlite3_bind_text(st, 1, job, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		snprintf(job_sha256, 65, "%s", sqlite3_column_text(st, 0));
		if (files && !(*files = json_loads((const char *)sqlite3_column_text(st, 1), 0,
						   NULL)))
			r = trex_err_setx(err, -EIO, "store: job_digests of %s unreadable", job);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = sacc_fail(db, err, "read job_digests");
	}
	store_stmt_done(s, st);
	return r;
}

int sacc_put_repro(struct store *s, const char *job, const char *record, struct trex_err *err)
{
	const char *args[] = { job, record, NULL };
	return sacc_exec(s, "INSERT OR REPLACE INTO job_repro VALUES (?1, ?2)", args, err);
}

int sacc_get_repro(struct store *s, const char *job, json_t **record, struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	*record = NULL;
	if (store_stmt(s, "SELECT record FROM job_repro WHERE job = ?1", &st, err) < 0)
		return err->code;
	sqlite3_bind_text(st, 1, job, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		if (!(*record = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL)))
			r = trex_err_setx(err, -EIO, "store: job_repro of %s unreadable", job);
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = sacc_fail(db, err, "read job_repro");
	}
	store_stmt_done(s, st);
	return r;
}

int sacc_put_approval(struct store *s, const char *permit_id, const char *job_sha256,
		      const char *approver, struct trex_err *err)
{
	char now[32];
	store_now(now);
	const char *args[] = { permit_id, job_sha256, approver, now, NULL };
	return sacc_exec(s, "INSERT OR IGNORE INTO job_approvals VALUES (?1, ?2, ?3, ?4)", args,
			 err);
}

int sacc_approved(struct store *s, const char *permit_id, const char *job_sha256,
		  struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	if (store_stmt(s, "SELECT 1 FROM job_approvals WHERE permit_id = ?1 AND"
				   " job_sha256 = ?2", &st, err) < 0)
		return err->code;
	sqlite3_bind_text(st, 1, permit_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, job_sha256, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : sacc_fail(db, err, "read approvals");
}

int sacc_put_review(struct store *s, const char *job, const char *name,
		    const char *decision, const char *reason, const char *reviewer,
		    struct trex_err *err)
{
	char now[32];
	store_now(now);
	const char *args[] = { job, name, decision, reason, reviewer, now, NULL };
	return sacc_exec(s, "INSERT INTO reviews (job, name, decision, reason, reviewer, at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", args, err);
}

int sacc_reviews(struct store *s, const char *job, json_t **out, struct trex_err *err)
{
	sqlite3_stmt *st;
	if (store_stmt(s, "SELECT name, decision, reason, reviewer, at FROM reviews"
				   " WHERE job = ?1 ORDER BY seq", &st, err) < 0)
		return err->code;
	sqlite3_bind_text(st, 1, job, -1, SQLITE_TRANSIENT);
	json_t *arr = json_array();
	int rc;
	while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s}",
					"name", sqlite3_column_text(st, 0),
					"decision", sqlite3_column_text(st, 1),
					"reason", sqlite3_column_text(st, 2),
					"reviewer", sqlite3_column_text(st, 3),
					"at", sqlite3_column_text(st, 4)));
	store_stmt_done(s, st);
	if (!arr)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	*out = arr;
	return 0;
}

int sacc_release_output(struct store *s, const char *job, const char *name, int64_t size,
			const char *sha256, const char *verdict, struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	if (store_stmt(s, "UPDATE outputs SET released = ?3, size = ?4, sha256 = ?5,"
				   " verdict = ?6 WHERE job = ?1 AND name = ?2", &st, err) < 0)
		return err->code;
	sqlite3_bind_text(st, 1, job, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, sha256 ? 1 : 0);
	if (sha256) {
		sqlite3_bind_int64(st, 4, size);
		sqlite3_bind_text(st, 5, sha256, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, 4);
		sqlite3_bind_null(st, 5);
	}
	sqlite3_bind_text(st, 6, verdict, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE || sqlite3_changes(db) != 1)
		return sacc_fail(db, err, "update output");
	return 0;
}

int sacc_audit_head(struct store *s, struct sacc_audit_head *h, struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	memset(h, 0, sizeof(*h));
	if (store_stmt(s, "SELECT seq, hash, stopped FROM audit_head WHERE id = 1", &st, err) < 0)
		return err->code;
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		h->seq = sqlite3_column_int64(st, 0);
		snprintf(h->hash, sizeof(h->hash), "%s", sqlite3_column_text(st, 1));
		h->stopped = sqlite3_column_int(st, 2);
	} else {
		r = rc == SQLITE_DONE ? -ENOENT : sacc_fail(db, err, "read audit_head");
	}
	store_stmt_done(s, st);
	return r;
}

int sacc_set_audit_head(struct store *s, const struct sacc_audit_head *h, int force,
			struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	/* two connections write it (the loop's, a submission's): a head
	 * never goes back, except when the operator accepts a shorter log */
	if (store_stmt(s, force ? "INSERT OR REPLACE INTO audit_head VALUES (1, ?1, ?2, ?3)"
				: "UPDATE audit_head SET seq = ?1, hash = ?2, stopped = ?3"
				  " WHERE id = 1 AND seq <= ?1",
		       &st, err) < 0)
		return err->code;
	sqlite3_bind_int64(st, 1, h->seq);
	sqlite3_bind_text(st, 2, h->hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, h->stopped);
	int rc = sqlite3_step(st);
	store_stmt_done(s, st);
	return rc == SQLITE_DONE ? 0 : sacc_fail(db, err, "write audit_head");
}

int sacc_store_mark(struct store *s, int64_t *jobs, int64_t *high, struct trex_err *err)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st;
	/* AUTOINCREMENT keeps the largest seq ever given in sqlite_sequence */
	if (store_stmt(s, "SELECT (SELECT count(*) FROM jobs),"
			  " (SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'jobs')",
		       &st, err) < 0)
		return err->code;
	int rc = sqlite3_step(st), r = 0;
	if (rc == SQLITE_ROW) {
		*jobs = sqlite3_column_int64(st, 0);
		*high = sqlite3_column_int64(st, 1);
	} else {
		r = sacc_fail(db, err, "count jobs");
	}
	store_stmt_done(s, st);
	return r;
}
