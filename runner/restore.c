/* trexd restore SRC: a backup (backup.c) into an empty state folder. The
 * backup is checked whole before anything is written (every file its
 * manifest lists, with that size and SHA-256, and no file it does not
 * list), copied while hashed again (a file changed between the two reads
 * is caught too), then the result is checked as trexd will read it:
 * SQLite's quick_check of trexd.db, its job count and audit head as the
 * manifest says, and the audit log as `trex audit verify --trexd-key
 * STATE/trexd.pub --head HEAD` checks it (chain intact, every checkpoint
 * signed by the restored key, ending exactly at the head trexd.db
 * records, which a trexd started on it requires). On any failure what
 * the restore wrote is removed again. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "alloc.h"
#include "audit.h"
#include "cleanup.h"
#include "fsutil.h"
#include "keyrot.h"
#include "log.h"
#include "sign.h"
#include "store.h"

#define RESTORE_MANIFEST_MAX (512u << 20)

/* The manifest, read strictly; files gets {path: entry}. */
static int restore_manifest(int src, const char *srcname, json_t **man, json_t **files,
			    struct trex_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = trex_read_file(src, BACKUP_MANIFEST, RESTORE_MANIFEST_MAX, &text, &len, err);
	if (r < 0)
		return trex_err_prefix(err, "%s: no backup here", srcname);
	json_error_t jerr;
	json_t *m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!m)
		return trex_err_setx(err, -EINVAL, "%s/%s:%d: %s", srcname, BACKUP_MANIFEST,
				     jerr.line, jerr.text);
	const char *fmt = json_string_value(json_object_get(m, "format"));
	json_t *arr = json_object_get(m, "files");
	if (!fmt || strcmp(fmt, BACKUP_FORMAT) != 0 || !json_is_array(arr) ||
	    !json_is_array(json_object_get(m, "dirs")) ||
	    !json_is_string(json_object_get(m, "audit_head"))) {
		json_decref(m);
		return trex_err_setx(err, -EINVAL, "%s/%s: not a %s manifest", srcname,
				     BACKUP_MANIFEST, BACKUP_FORMAT);
	}
	/* a store this trexd would refuse at start is refused now */
	json_int_t schema = json_integer_value(json_object_get(m, "store_schema"));
	if (schema > STORE_SCHEMA_VERSION) {
		json_decref(m);
		return trex_err_setx(err, -EPROTO, "%s holds a store of schema version %lld, this"
				     " trexd knows %d: restore it with a trexd as new", srcname,
				     (long long)schema, STORE_SCHEMA_VERSION);
	}
	json_t *set = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(arr, i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		const char *sha = json_string_value(json_object_get(f, "sha256"));
		if (!p || !bkp_path_ok(p) || strcmp(p, BACKUP_MANIFEST) == 0 || !sha ||
		    strlen(sha) != 64 || !json_is_integer(json_object_get(f, "size")) ||
		    !json_is_string(json_object_get(f, "mode")) || json_object_get(set, p)) {
			r = trex_err_setx(err, -EINVAL, "%s/%s: files[%zu]: a bad or repeated entry",
					  srcname, BACKUP_MANIFEST, i);
			break;
		}
		json_object_set(set, p, f);
	}
	json_array_foreach(json_object_get(m, "dirs"), i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		if (r == 0 && (!p || !bkp_path_ok(p) || !json_is_string(json_object_get(f, "mode"))))
			r = trex_err_setx(err, -EINVAL, "%s/%s: dirs[%zu]: a bad entry", srcname,
					  BACKUP_MANIFEST, i);
	}
	if (r < 0) {
		json_decref(set);
		json_decref(m);
		return r;
	}
	*man = m;
	*files = set;
	return 0;
}

/* One listed file of src as the manifest says: hash it, or copy it to
 * dst/path (dst >= 0) with its mode and owner. */
static int restore_file(int src, const char *srcname, int dst, json_t *f, struct trex_err *err)
{
	const char *p = json_string_value(json_object_get(f, "path"));
	_cleanup_close_ int in = bkp_open_in(src, p, O_RDONLY, err);
	if (in < 0)
		return trex_err_setx(err, in, "%s/%s: listed in the backup's manifest but %s",
				     srcname, p, in == -ENOENT ? "missing" : "unreadable");
	struct stat st;
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode))
		return trex_err_setx(err, -EINVAL, "%s/%s: not a regular file", srcname, p);
	_cleanup_close_ int out = -1;
	if (dst >= 0) {
		out = openat(dst, p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return trex_err_set(err, -errno, "create %s", p);
	}
	char sha[65];
	uint64_t size;
	int r = bkp_hash_copy(in, out, sha, &size, err);
	if (r < 0)
		return trex_err_prefix(err, "%s/%s", srcname, p);
	if (size != (uint64_t)json_integer_value(json_object_get(f, "size")) ||
	    strcmp(sha, json_string_value(json_object_get(f, "sha256"))) != 0)
		return trex_err_setx(err, -EBADMSG, "%s/%s: its SHA-256 is not the one the backup's"
				     " manifest lists: the file was changed", srcname, p);
	if (out >= 0) {
		mode_t mode = (mode_t)strtoul(json_string_value(json_object_get(f, "mode")), NULL, 8);
		if (fchown(out, (uid_t)json_integer_value(json_object_get(f, "uid")),
			   (gid_t)json_integer_value(json_object_get(f, "gid"))) < 0 ||
		    fchmod(out, mode & 0777) < 0)
			return trex_err_set(err, -errno, "%s", p);
	}
	return 0;
}

/* Every regular file below src/rel must be listed (a file slipped into a
 * backup is refused like a changed one). */
static int restore_extra(int src, const char *srcname, const char *rel, json_t *files,
			 int depth, struct trex_err *err)
{
	_cleanup_close_ int fd = rel[0] ? bkp_open_in(src, rel, O_RDONLY | O_DIRECTORY, err)
					: dup(src);
	if (fd < 0)
		return trex_err_prefix(err, "%s", srcname);
	DIR *dir = fdopendir(fd);
	if (!dir)
		return trex_err_set(err, -errno, "%s/%s", srcname, rel);
	fd = -1;
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(dir))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (!rel[0] && strcmp(e->d_name, BACKUP_MANIFEST) == 0))
			continue;
		char sub[PATH_MAX];
		struct stat st;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
		if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = trex_err_set(err, -errno, "%s/%s", srcname, sub);
		else if (S_ISDIR(st.st_mode) && depth < 64)
			r = restore_extra(src, srcname, sub, files, depth + 1, err);
		else if (!json_object_get(files, sub))
			r = trex_err_setx(err, -EBADMSG, "%s/%s: not in the backup's manifest",
					  srcname, sub);
	}
	closedir(dir);
	return r;
}

/* The target: absent (made 0700) or an empty folder. */
static int restore_target(const char *state, int *made, struct trex_err *err)
{
	char first[80];
	int fd = trex_open_empty_dir(state, made, first, sizeof(first), err);

	if (fd == -EEXIST)
		return trex_err_setx(err, -EEXIST, "%s is not empty (it holds %s): restore"
				     " only into a new or empty state folder", state, first);
	return fd;
}

struct restore_walk {
	struct keyring keys; /* trexd.pub and the retired keys/ *.pub */
	int have_keys;
	char prev[65];
	uint64_t last;
	char last_hash[65];
	uint64_t checkpoints;
	struct trex_err *err;
};

static int restore_log_line(void *arg, uint64_t seq, const char *text, size_t len,
			    const char *hash, json_t *line)
{
	struct restore_walk *w = arg;
	(void)text;
	(void)len;
	int checked = 0;
	if (w->have_keys && keyring_audit_line(&w->keys, seq, w->prev, line, &checked, w->err) < 0)
		return trex_err_prefix(w->err, "with the restored trexd.pub and keys/");
	w->checkpoints += (uint64_t)checked;
	memcpy(w->prev, hash, 65);
	w->last = seq;
	memcpy(w->last_hash, hash, 65);
	return 0;
}

/* The restored state as trexd will read it. */
static int restore_check(const char *state, json_t *man, struct trex_err *err)
{
	char p[PATH_MAX], head[96];
	snprintf(p, sizeof(p), "%s/trexd.db", state);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int r = 0;
	int64_t jobs = -1, seq = -1;
	char hash[65] = "";
	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		r = trex_err_setx(err, -EIO, "%s: %s", p, db ? sqlite3_errmsg(db) : "no memory");
	if (r == 0 && (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK ||
		       sqlite3_step(st) != SQLITE_ROW ||
		       strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0))
		r = trex_err_setx(err, -EIO, "%s: fails SQLite's quick_check", p);
	sqlite3_finalize(st);
	st = NULL;
	if (r == 0 && sqlite3_prepare_v2(db, "SELECT count(*) FROM jobs", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		jobs = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (r == 0 && sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit_head WHERE id = 1", -1,
					 &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0);
		snprintf(hash, sizeof(hash), "%s", (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	sqlite3_close_v2(db);
	if (r < 0)
		return r;
	if (jobs != json_integer_value(json_object_get(man, "jobs")))
		return trex_err_setx(err, -EBADMSG, "%s holds %" PRId64 " jobs, the manifest says %"
				     PRId64, p, jobs, (int64_t)json_integer_value(json_object_get(man, "jobs")));
	/* the audit log: chain, signatures, and its end is the store's head */
	struct restore_walk w = { .err = err };
	memcpy(w.prev, AUDIT_GENESIS, 65);
	memcpy(w.last_hash, AUDIT_GENESIS, 65);
	snprintf(p, sizeof(p), "%s/trexd.pub", state);
	if (access(p, F_OK) == 0) {
		w.have_keys = 1;
		if ((r = keyring_load(&w.keys, p, err)) == 0) {
			snprintf(p, sizeof(p), "%s/keys", state);
			if (access(p, F_OK) == 0)
				r = keyring_load(&w.keys, p, err);
		}
		if (r < 0) {
			keyring_free(&w.keys);
			return r;
		}
	}
	snprintf(p, sizeof(p), "%s/audit.log", state);
	struct audit_verify_result res;
	r = audit_verify_scan(p, restore_log_line, &w, &res, err);
	keyring_free(&w.keys);
	if (r < 0)
		return trex_err_prefix(err, "%s", p);
	snprintf(head, sizeof(head), "%" PRIu64 ":%s", w.last, w.last_hash);
	if (seq >= 0 && ((uint64_t)seq != w.last || strcmp(hash, w.last_hash) != 0))
		return trex_err_setx(err, -EBADMSG, "%s ends at %.80s, trexd.db records %" PRId64
				     ":%.64s", p, head, seq, hash);
	if (strcmp(head, json_string_value(json_object_get(man, "audit_head"))) != 0)
		return trex_err_setx(err, -EBADMSG, "%s ends at %.80s, the manifest says %.80s", p,
				     head, json_string_value(json_object_get(man, "audit_head")));
	printf("audit log %s: %" PRIu64 " lines, chain intact, head %s held by trexd.db, %" PRIu64
	       " signed checkpoints\n", p, w.last, head, w.checkpoints);
	return 0;
}

int restore_run(const char *srcname, const char *state, struct trex_err *err)
{
	_cleanup_close_ int src = open(srcname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (src < 0)
		return trex_err_set(err, -errno, "%s", srcname);
	json_t *man = NULL, *files = NULL;
	int r = restore_manifest(src, srcname, &man, &files, err);
	if (r < 0)
		return r;
	/* the whole backup first: a changed one writes nothing */
	const char *path;
	json_t *f;
	json_object_foreach(files, path, f)
		if (r == 0)
			r = restore_file(src, srcname, -1, f, err);
	if (r == 0)
		r = restore_extra(src, srcname, "", files, 0, err);
	int made = 0, dst = -1, written = 0;
	if (r == 0 && (dst = restore_target(state, &made, err)) < 0)
		r = dst;
	/* no trexd starts on it meanwhile (recover.c takes the same lock) */
	_cleanup_close_ int lock = -1;
	if (r == 0) {
		written = 1;
		lock = openat(dst, "trexd.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0)
			r = trex_err_set(err, -errno, "lock %s/trexd.lock", state);
	}
	size_t i;
	json_t *dirs = json_object_get(man, "dirs");
	json_array_foreach(dirs, i, f) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/.", json_string_value(json_object_get(f, "path")));
		struct bkp b = { .src = src, .dst = dst, .dirs = json_array() };
		if (r == 0 && (r = bkp_mkdirs(&b, p, err)) < 0)
			trex_err_prefix(err, "%s", state);
		json_decref(b.dirs);
	}
	json_object_foreach(files, path, f) {
		if (r < 0)
			break;
		char p[PATH_MAX];
		struct bkp b = { .src = src, .dst = dst, .dirs = json_array() };
		snprintf(p, sizeof(p), "%s", path);
		r = bkp_mkdirs(&b, p, err);
		json_decref(b.dirs);
		if (r == 0)
			r = restore_file(src, srcname, dst, f, err);
	}
	/* folders' modes and owners last: a 0555 one would stop the copy */
	json_array_foreach(dirs, i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		mode_t mode = (mode_t)strtoul(json_string_value(json_object_get(f, "mode")), NULL, 8);
		if (r == 0 && (fchownat(dst, p, (uid_t)json_integer_value(json_object_get(f, "uid")),
					(gid_t)json_integer_value(json_object_get(f, "gid")),
					AT_SYMLINK_NOFOLLOW) < 0 ||
			       fchmodat(dst, p, mode & 01777, 0) < 0))
			r = trex_err_set(err, -errno, "%s/%s", state, p);
	}
	if (r == 0 && syncfs(dst) < 0)
		r = trex_err_set(err, -errno, "sync %s", state);
	if (r == 0)
		r = restore_check(state, man, err);
	if (r == 0)
		printf("restored %zu files of %s (%s, %" PRId64 " jobs) into %s\n",
		       json_object_size(files), srcname,
		       json_string_value(json_object_get(man, "created_at")),
		       (int64_t)json_integer_value(json_object_get(man, "jobs")), state);
	else if (written)
		bkp_undo(state, made);
	if (dst >= 0)
		close(dst);
	json_decref(files);
	json_decref(man);
	return r;
}
