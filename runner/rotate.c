/* trexd rotate-key: a new signing key for trexd, with trexd stopped
 * (docs/operations.md "Key rotation"). The monitor holds the key in
 * memory while trexd runs, so the rotation takes STATE/trexd.lock as a
 * start does, and fails while a trexd holds it.
 *
 *   1. STATE/keys/OLD.pub (root's, 0644): the retiring public key, kept,
 *      so releases and checkpoints it signed stay verifiable;
 *   2. a new key pair, STATE/keys/NEW.pub beside it;
 *   3. STATE/keys/NEW.rotation.json: the statement (common/keyrot.h)
 *      signed by the retiring key, which signs nothing after it;
 *   4. trexd.pub, then trexd.key, renamed over the old ones (a crash in
 *      between leaves a pair that does not match: trexd refuses to start
 *      and says so, never signs with a key it does not publish).
 *
 * The audit log is the service's (its head is recorded in trexd.db), so
 * the rotation is written to it by the next start: audit_log.c finds the
 * last checkpoint signed by another key and appends "key_rotated" with
 * the statement. */
#include "rotate.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup.h"
#include "cleanup.h"
#include "fsutil.h"
#include "keyrot.h"
#include "log.h"
#include "monitor.h"
#include "sign.h"
#include "store.h"

static const char rotate_usage[] =
	"usage: trexd rotate-key [--config FILE | --state-dir DIR]\n"
	"  Make a new signing key for trexd (stopped), keeping the retired public\n"
	"  key in STATE/keys/ID.pub; the next start audits the rotation.\n";

/* dir/name written 0644 unless it is there already with the same text */
static int rotate_put(int dfd, const char *name, const char *text, struct trex_err *err)
{
	char *have = NULL;
	size_t len;
	struct trex_err e2 = { 0 };
	if (trex_read_file(dfd, name, 64 * 1024, &have, &len, &e2) == 0) {
		int same = len == strlen(text) && memcmp(have, text, len) == 0;
		trex_free(have);
		if (same)
			return 0;
	}
	return trex_write_file_atomic(dfd, name, text, strlen(text), 0644, err);
}

static int rotate_run(const char *state, char old_id[65], char new_id[65], struct trex_err *err)
{
	char p[PATH_MAX], priv[PATH_MAX], pub[PATH_MAX], npriv[PATH_MAX], npub[PATH_MAX];
	snprintf(priv, sizeof(priv), "%s/trexd.key", state);
	snprintf(pub, sizeof(pub), "%s/trexd.pub", state);
	if (access(priv, F_OK) < 0)
		return trex_err_set(err, -errno, "%s: no key to rotate", priv);
	snprintf(p, sizeof(p), "%s/trexd.lock", state);
	_cleanup_close_ int lock = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0)
		return trex_err_set(err, -errno, "lock %s", p);
	if (flock(lock, LOCK_EX | LOCK_NB) < 0)
		return trex_err_set(err, -errno, "%s: trexd is running (stop it first: its monitor"
				    " holds the key)", p);
	struct trex_key *old = NULL, *new = NULL;
	char *old_pem = NULL, *new_pem = NULL, *sig = NULL, *text = NULL;
	json_t *stmt = NULL;
	_cleanup_close_ int kd = -1, sd = -1;
	size_t len;
	int r = monitor_load_key(state, &old, old_id, &old_pem, err);
	if (r < 0)
		goto out;
	snprintf(p, sizeof(p), "%s/keys", state);
	if ((r = trex_mkdir_p(p, 0755, err)) < 0)
		goto out;
	kd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (kd < 0 || fchmod(kd, 0755) < 0) {
		r = trex_err_set(err, -errno, "%s", p);
		goto out;
	}
	snprintf(p, sizeof(p), "%s.pub", old_id);
	if ((r = rotate_put(kd, p, old_pem, err)) < 0)
		goto out;
	/* a pair left by a rotation that stopped before its renames */
	snprintf(npriv, sizeof(npriv), "%s/trexd.key.new", state);
	snprintf(npub, sizeof(npub), "%s/trexd.pub.new", state);
	unlink(npriv);
	unlink(npub);
	if ((r = trex_key_generate(npriv, npub, err)) < 0 ||
	    (r = trex_key_load_private(npriv, &new, err)) < 0 ||
	    (r = trex_read_file(AT_FDCWD, npub, 64 * 1024, &new_pem, &len, err)) < 0)
		goto out;
	trex_key_id(new, new_id);
	char now[32], st[256];
	store_now(now);
	stmt = json_pack("{s:s,s:s,s:s,s:s}", "old_key_id", old_id, "new_key_id", new_id,
			 "rotated_at", now, "public_key", new_pem);
	if (!stmt || keyrot_text(stmt, st, sizeof(st)) < 0) {
		r = trex_err_setx(err, -EINVAL, "rotation statement");
		goto out;
	}
	if ((r = trex_sign(old, st, strlen(st), &sig, err)) < 0)
		goto out;
	json_object_set_new(stmt, "signature", json_string(sig));
	text = json_dumps(stmt, JSON_INDENT(1) | JSON_SORT_KEYS);
	snprintf(p, sizeof(p), "%s.pub", new_id);
	if (!text) {
		r = trex_err_setx(err, -ENOMEM, "out of memory");
		goto out;
	}
	if ((r = rotate_put(kd, p, new_pem, err)) < 0)
		goto out;
	snprintf(p, sizeof(p), "%s.rotation.json", new_id);
	if ((r = rotate_put(kd, p, text, err)) < 0)
		goto out;
	if (rename(npub, pub) < 0 || rename(npriv, priv) < 0) {
		r = trex_err_set(err, -errno, "install the new key in %s", state);
		goto out;
	}
	sd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sd < 0 || fsync(sd) < 0 || fsync(kd) < 0)
		r = trex_err_set(err, -errno, "sync %s", state);
out:
	trex_key_free(old);
	trex_key_free(new);
	trex_free(old_pem);
	trex_free(new_pem);
	trex_free(sig);
	free(text);
	json_decref(stmt);
	return r;
}

int rotate_main(int argc, char **argv)
{
	trex_log_init("trexd", TREX_LOG_INFO);
	struct trex_err err = { 0 };
	_cleanup_free_ char *state = NULL;
	char old_id[65] = "", new_id[65] = "";
	int r = bkp_verb_args(argc, argv, rotate_usage, 0, &state, &err);
	if (r == 1 || r == 2)
		return r == 1 ? 0 : 2;
	if (r == 0)
		r = rotate_run(state, old_id, new_id, &err);
	if (r < 0) {
		fprintf(stderr, "trexd rotate-key: %s\n", err.msg);
		return 1;
	}
	trex_log(TREX_LOG_INFO, "trexd_key_rotated", "old_key_id=%s new_key_id=%s", old_id, new_id);
	printf("retired key %s (kept in %s/keys/%s.pub)\nnew key %s; the next start of trexd"
	       " audits the rotation\n",
	       old_id, state, old_id, new_id);
	return 0;
}
