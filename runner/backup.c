/* trexd backup DEST: a copy of trexd's state, taken while trexd runs (or
 * not), that is one moment of it. The moment is a snapshot of trexd.db by
 * SQLite's online backup API (one read transaction: every job committed
 * before it, none after). Everything else is copied after it and chosen
 * by it, so nothing in the copy is newer than the snapshot:
 *
 * - audit.log up to the head the snapshot records (trexd appends a line
 *   before it records its head, so the log holds that line; the lines
 *   after it describe what came after the snapshot, and a trexd started
 *   on the copy would refuse a log running past its store's head);
 * - each job of the snapshot: its code bundle (written and fsynced before
 *   the job was committed); for a finished job (state below) its whole
 *   folder, which no longer changes; for a queued, waiting, running or
 *   checking one its bundle only: a trexd started on the copy treats it
 *   as a crash would leave it (config.md on_crash);
 * - each output the snapshot records as released, from the release area,
 *   checked against the SHA-256 the store recorded for it; a job's signed
 *   release manifest when it lists exactly those files (a review after the
 *   snapshot rewrites it; trexd writes it again on GET .../release);
 * - trexd's key pair.
 *
 * DEST/backup.json, written last, lists every file with its SHA-256, mode
 * and owner; a DEST without it is an incomplete backup. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "alloc.h"
#include "audit.h"
#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "store.h"
#include "version.h"

static const char backup_usage[] =
	"usage: trexd backup [--config FILE | --state-dir DIR] DEST\n"
	"       trexd restore [--config FILE | --state-dir DIR] SRC\n";

/* States after which a job's folder does not change any more. */
static int backup_finished(const char *state)
{
	static const char *const done[] = { "released", "partially_released", "held",
					    "blocked", "rejected", "failed", "timed_out",
					    "refused", "cancelled" };
	for (size_t i = 0; i < TREX_ARRAY_LEN(done); i++)
		if (strcmp(state, done[i]) == 0)
			return 1;
	return 0;
}

/* SQLite's online backup of STATE/trexd.db into DEST/trexd.db in one
 * step (one read transaction: a consistent snapshot however trexd writes
 * meanwhile); the copy is one self-contained file, checked. */
static int backup_store(const char *state, const char *dest, sqlite3 **snap,
			struct trex_err *err)
{
	char sp[PATH_MAX], dp[PATH_MAX];
	snprintf(sp, sizeof(sp), "%s/trexd.db", state);
	snprintf(dp, sizeof(dp), "%s/trexd.db", dest);
	if (access(sp, F_OK) < 0)
		return trex_err_set(err, -errno, "%s", sp);
	sqlite3 *src = NULL, *dst = NULL;
	int r = 0;
	if (sqlite3_open_v2(sp, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		r = trex_err_setx(err, -EIO, "open %s: %s", sp, src ? sqlite3_errmsg(src) : "no memory");
	else if (sqlite3_open_v2(dp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		 SQLITE_OK)
		r = trex_err_setx(err, -EIO, "create %s: %s", dp, dst ? sqlite3_errmsg(dst) : "no memory");
	if (r == 0) {
		sqlite3_busy_timeout(src, 10000);
		sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
		int rc = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
		if (b)
			sqlite3_backup_finish(b);
		if (rc != SQLITE_DONE)
			r = trex_err_setx(err, -EIO, "backup of %s: %s", sp, sqlite3_errmsg(dst));
	}
	sqlite3_close_v2(src);
	/* one file, no -wal beside it; then SQLite's own check of the copy */
	char *msg = NULL;
	if (r == 0 && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE;", NULL, NULL, &msg) != SQLITE_OK)
		r = trex_err_setx(err, -EIO, "%s: %s", dp, msg ? msg : "journal mode");
	sqlite3_free(msg);
	sqlite3_stmt *st = NULL;
	if (r == 0 && sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		r = trex_err_setx(err, -EIO, "%s: the copy fails SQLite's quick_check", sp);
	sqlite3_finalize(st);
	if (r < 0) {
		sqlite3_close_v2(dst);
		return r;
	}
	*snap = dst;
	return 0;
}

/* The snapshot's audit head; seq -1 when it records none (a store from
 * before version 5: the whole log is taken). */
static int backup_head(sqlite3 *db, int64_t *seq, char hash[65])
{
	sqlite3_stmt *st = NULL;
	*seq = -1;
	hash[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit_head WHERE id = 1", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}

struct backup_log {
	int out;
	int64_t want;   /* the last line to copy; -1: all */
	uint64_t last;  /* seq of the last line copied */
	char hash[65];  /* its hash */
	struct trex_err *err;
};

static int backup_log_line(void *arg, uint64_t seq, const char *text, size_t len,
			   const char *hash, json_t *line)
{
	struct backup_log *l = arg;
	(void)line;
	if (trex_write_all(l->out, text, len) < 0 || trex_write_all(l->out, "\n", 1) < 0)
		return trex_err_set(l->err, -errno, "write audit.log");
	l->last = seq;
	memcpy(l->hash, hash, 65);
	/* stop at the snapshot's head: what follows is later than it, and
	 * may be a line trexd is writing right now */
	return l->want >= 0 && (int64_t)seq == l->want ? -ECANCELED : 0;
}

/* audit.log up to the snapshot's head, its chain checked on the way. */
static int backup_audit(const char *state, struct bkp *b, int64_t seq, const char *hash,
			char head[96], struct trex_err *err)
{
	char sp[PATH_MAX];
	snprintf(sp, sizeof(sp), "%s/audit.log", state);
	_cleanup_close_ int out = openat(b->dst, "audit.log",
					 O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return trex_err_set(err, -errno, "create audit.log");
	struct backup_log l = { .out = out, .want = seq, .err = err };
	memcpy(l.hash, AUDIT_GENESIS, 65);
	struct audit_verify_result res;
	int r = 0;
	if (seq != 0 && access(sp, F_OK) == 0) {
		r = audit_verify_scan(sp, backup_log_line, &l, &res, err);
		if (r == -ECANCELED)
			r = 0;
		else if (r < 0)
			return trex_err_prefix(err, "%s", sp);
	}
	if (seq >= 0 && (int64_t)l.last != seq)
		return trex_err_setx(err, -EBADMSG, "%s ends at line %" PRIu64 ", before the head"
				     " %" PRId64 " trexd.db records", sp, l.last, seq);
	if (seq > 0 && strcmp(l.hash, hash) != 0)
		return trex_err_setx(err, -EBADMSG, "%s: line %" PRId64 " hashes %s, trexd.db"
				     " records %s", sp, seq, l.hash, hash);
	if (fsync(out) < 0)
		return trex_err_set(err, -errno, "fsync audit.log");
	snprintf(head, 96, "%" PRIu64 ":%s", l.last, l.hash);
	/* the copy is listed like every other file */
	struct stat st;
	char sha[65];
	uint64_t size;
	_cleanup_close_ int in = openat(b->dst, "audit.log", O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0 || (r = bkp_hash_copy(in, -1, sha, &size, err)) < 0)
		return r < 0 ? r : trex_err_set(err, -errno, "audit.log");
	struct stat sst;
	if (stat(sp, &sst) == 0)
		st = sst; /* the mode and owner of the original */
	char mode[8];
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(st.st_mode & 07777));
	json_t *o = json_pack("{s:s,s:I,s:s,s:s,s:I,s:I}", "path", "audit.log", "size",
			      (json_int_t)size, "sha256", sha, "mode", mode, "uid",
			      (json_int_t)st.st_uid, "gid", (json_int_t)st.st_gid);
	if (!o || json_array_append_new(b->files, o) < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	b->bytes += size;
	return 0;
}

/* Every job of the snapshot: its folder (finished) or its bundle. */
static int backup_jobs(sqlite3 *db, struct bkp *b, int64_t *jobs, struct trex_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT id, state FROM jobs ORDER BY seq", -1, &st, NULL) !=
	    SQLITE_OK)
		return trex_err_setx(err, -EIO, "trexd.db: %s", sqlite3_errmsg(db));
	int r = 0, rc = SQLITE_DONE;
	*jobs = 0;
	while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *state = (const char *)sqlite3_column_text(st, 1);
		char rel[PATH_MAX];
		if (!id || !state || !bkp_path_ok(id) || strchr(id, '/'))
			continue;
		(*jobs)++;
		snprintf(rel, sizeof(rel), backup_finished(state) ? "jobs/%s" : "jobs/%s/code", id);
		r = bkp_copy_tree(b, rel, err);
		if (r == -ENOENT)
			r = 0; /* a job without a folder (refused at submission) */
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = trex_err_setx(err, -EIO, "trexd.db: %s", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r;
}

/* The released files of one job's manifest, as "name sha256" lines
 * sorted, to compare with the snapshot's. */
static int backup_relman_matches(int root, const char *rel, json_t *want)
{
	_cleanup_close_ int fd = bkp_open_in(root, rel, O_RDONLY, NULL);
	if (fd < 0)
		return 0;
	json_error_t jerr;
	json_t *doc = json_loadfd(fd, 0, &jerr);
	json_t *files = json_object_get(doc, "files");
	int same = json_is_array(files) && json_array_size(files) == json_object_size(want);
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		const char *sha = json_string_value(json_object_get(want,
					json_string_value(json_object_get(f, "file")) ?: ""));
		const char *got = json_string_value(json_object_get(f, "sha256"));
		if (!sha || !got || strcmp(sha, got) != 0)
			same = 0;
	}
	json_decref(doc);
	return same;
}

/* The outputs the snapshot records as released, each checked against
 * the store's SHA-256, and each job's release manifest that matches. */
static int backup_releases(sqlite3 *db, struct bkp *b, int64_t *files, struct trex_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT o.job, j.project, o.name, o.sha256 FROM outputs o"
				   " JOIN jobs j ON j.id = o.job WHERE o.released = 1"
				   " ORDER BY o.job, o.name", -1, &st, NULL) != SQLITE_OK)
		return trex_err_setx(err, -EIO, "trexd.db: %s", sqlite3_errmsg(db));
	int r = 0;
	char cur[STORE_ID_MAX] = "", project[256] = "";
	json_t *want = json_object();
	*files = 0;
	for (int more = 1; r == 0 && want;) {
		int rc = sqlite3_step(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			r = trex_err_setx(err, -EIO, "trexd.db: %s", sqlite3_errmsg(db));
			break;
		}
		const char *job = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		more = job != NULL;
		/* a job's last released file: its manifest, when it matches */
		if (cur[0] && (!more || strcmp(job, cur) != 0)) {
			char rel[PATH_MAX];
			snprintf(rel, sizeof(rel), "release/%s/%s.release.json", project, cur);
			if (backup_relman_matches(b->src, rel, want))
				r = bkp_copy(b, rel, NULL, err);
			else
				trex_log(TREX_LOG_WARN, "backup_release_manifest_left_out",
					 "job=%s reason=\"newer than the store snapshot, or absent:"
					 " trexd writes it again at GET /v1/jobs/%s/release\"", cur, cur);
			json_object_clear(want);
			cur[0] = '\0';
		}
		if (!more || r < 0)
			break;
		const char *proj = (const char *)sqlite3_column_text(st, 1);
		const char *name = (const char *)sqlite3_column_text(st, 2);
		const char *sha = (const char *)sqlite3_column_text(st, 3);
		char rel[PATH_MAX], got[65];
		snprintf(cur, sizeof(cur), "%s", job);
		snprintf(project, sizeof(project), "%s", proj ? proj : "");
		snprintf(rel, sizeof(rel), "release/%s/%s/%s", project, job, name ? name : "");
		if (!name || !sha || !bkp_path_ok(rel)) {
			r = trex_err_setx(err, -EBADMSG, "trexd.db: job %s: a released output without"
					  " a name or SHA-256", job);
			break;
		}
		r = bkp_copy(b, rel, got, err);
		if (r == 0 && strcmp(got, sha) != 0)
			r = trex_err_setx(err, -EBADMSG, "%s: SHA-256 %s, trexd.db recorded %s at its"
					  " release", rel, got, sha);
		json_object_set_new(want, name, json_string(sha));
		(*files)++;
	}
	sqlite3_finalize(st);
	json_decref(want);
	return r;
}

static int backup_schema(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = 0;
	if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* DEST: absent (made 0700) or an empty folder; its fd. */
static int backup_dest(const char *dest, int *made, struct trex_err *err)
{
	int fd = trex_open_empty_dir(dest, made, NULL, 0, err);

	if (fd == -EEXIST)
		return trex_err_setx(err, -EEXIST, "%s is not empty: a backup goes into a new folder",
				     dest);
	return fd;
}

static int backup_run(const char *state, const char *dest, struct trex_err *err)
{
	int made;
	/* the source first: a bad one makes no DEST */
	_cleanup_close_ int src = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return trex_err_set(err, -errno, "state folder %s", state);
	_cleanup_close_ int dst = backup_dest(dest, &made, err);
	if (dst < 0)
		return dst;
	struct bkp b = { .src = src, .dst = dst, .files = json_array(), .dirs = json_array() };
	sqlite3 *snap = NULL;
	int64_t seq, jobs = 0, released = 0;
	char hash[65], head[96] = "", sha[65];
	char dp[PATH_MAX];
	snprintf(dp, sizeof(dp), "%s", dest);
	int r = b.files && b.dirs ? 0 : trex_err_setx(err, -ENOMEM, "out of memory");
	if (r == 0)
		r = backup_store(state, dp, &snap, err);
	int schema = snap ? backup_schema(snap) : 0;
	if (r == 0)
		backup_head(snap, &seq, hash);
	if (r == 0)
		r = backup_audit(state, &b, seq, hash, head, err);
	if (r == 0)
		r = backup_jobs(snap, &b, &jobs, err);
	if (r == 0)
		r = backup_releases(snap, &b, &released, err);
	sqlite3_close_v2(snap);
	/* the store's copy is listed once closed, as one file */
	if (r == 0) {
		struct stat st, sst;
		uint64_t size;
		char sp[PATH_MAX];
		snprintf(sp, sizeof(sp), "%s/trexd.db", state);
		_cleanup_close_ int in = openat(dst, "trexd.db", O_RDONLY | O_CLOEXEC);
		if (in < 0 || fstat(in, &st) < 0 || stat(sp, &sst) < 0)
			r = trex_err_set(err, -errno, "trexd.db");
		else if ((r = bkp_hash_copy(in, -1, sha, &size, err)) == 0) {
			char mode[8];
			snprintf(mode, sizeof(mode), "%04o", (unsigned)(sst.st_mode & 07777));
			fchmod(in, 0600);
			json_array_insert_new(b.files, 0, json_pack("{s:s,s:I,s:s,s:s,s:I,s:I}",
					"path", "trexd.db", "size", (json_int_t)size, "sha256", sha,
					"mode", mode, "uid", (json_int_t)sst.st_uid, "gid",
					(json_int_t)sst.st_gid));
			b.bytes += size;
		}
	}
	/* the key pair: old releases and checkpoints verify with it */
	for (int i = 0; r == 0 && i < 2; i++) {
		r = bkp_copy(&b, i ? "trexd.pub" : "trexd.key", NULL, err);
		if (r == -ENOENT)
			r = 0;
	}
	/* the keys trexd rotate-key retired, and its signed statements */
	if (r == 0 && (r = bkp_copy_tree(&b, "keys", err)) == -ENOENT)
		r = 0;
	/* the top folders, even when empty (trexd makes them otherwise) */
	if (r == 0)
		r = bkp_mkdirs(&b, "jobs/.", err);
	if (r == 0)
		r = bkp_mkdirs(&b, "release/.", err);
	char now[32];
	store_now(now);
	json_t *man = r == 0 ? json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:I,s:I,s:O,s:O}",
					 "format", BACKUP_FORMAT, "trex_version", TREX_VERSION,
					 "created_at", now, "source", state, "store_schema", schema,
					 "audit_head", head, "jobs", (json_int_t)jobs,
					 "released_files", (json_int_t)released, "dirs", b.dirs,
					 "files", b.files)
			     : NULL;
	if (r == 0 && !man)
		r = trex_err_setx(err, -ENOMEM, "out of memory");
	char *text = man ? json_dumps(man, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
	if (r == 0 && !text)
		r = trex_err_setx(err, -ENOMEM, "out of memory");
	/* last: a folder without it is no backup */
	if (r == 0)
		r = trex_write_file_atomic(dst, BACKUP_MANIFEST, text, strlen(text), 0600, err);
	if (r == 0 && fsync(dst) < 0)
		r = trex_err_set(err, -errno, "fsync %s", dest);
	if (r == 0) {
		printf("backup of %s in %s: store snapshot (schema %d), %" PRId64 " jobs, %" PRId64
		       " released files, audit log to %s, %zu files, %" PRIu64 " bytes\n",
		       state, dest, schema, jobs, released, head, json_array_size(b.files), b.bytes);
		if (b.skipped)
			printf("left out %" PRIu64 " entries that are neither files nor folders\n",
			       b.skipped);
		trex_log(TREX_LOG_INFO, "backup_done", "dest=%s jobs=%" PRId64 " audit_head=%s", dest,
			 jobs, head);
	} else {
		bkp_undo(dest, made); /* no folder that looks like a backup */
	}
	free(text);
	json_decref(man);
	json_decref(b.files);
	json_decref(b.dirs);
	return r;
}

int backup_main(int argc, char **argv)
{
	const char *verb = argv[0];
	trex_log_init("trexd", TREX_LOG_INFO);
	struct trex_err err = { 0 };
	_cleanup_free_ char *state = NULL;
	int r = bkp_verb_args(argc, argv, backup_usage, 1, &state, &err);
	if (r == 1 || r == 2)
		return r == 1 ? 0 : 2;
	if (r == 0 && strcmp(verb, "backup") == 0)
		r = backup_run(state, argv[optind], &err);
	else if (r == 0)
		r = restore_run(argv[optind], state, &err);
	if (r < 0) {
		fprintf(stderr, "trexd %s: %s\n", verb, err.msg);
		return 1;
	}
	return 0;
}
