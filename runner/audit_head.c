/* The audit log's head anchored outside the log (SECURITY.md "Permits,
 * roles and audit"). The hash chain and the signed checkpoints catch an
 * edited line, but not lines cut from the end: a log cut back to any line
 * is a valid chain, and one cut right after a checkpoint ends signed.
 * So every append also records the new head (seq and hash of the last
 * line) in trexd.db, and at start trexd compares the two:
 *
 * - the log must hold the store's head: not shorter (lines cut from the
 *   end), and its line at that seq must hash the same (cut and rewritten);
 * - the log may run past the store's head only by the lines a crash can
 *   leave unrecorded (appended, trexd killed before the store write: at
 *   most AHEAD_CRASH_LINES), never after a clean stop, and not at all
 *   with a new store (trexd.db deleted beside a kept log);
 * - the log's last checkpoint must not attest more jobs, or a higher
 *   store high-water mark, than trexd.db has (an older trexd.db).
 *
 * On a mismatch trexd does not start; the error names both heads, and
 * `--accept-audit-head SEQ:HASH` naming the log's own head accepts the
 * log as it is, once, with an audit line that says what was accepted. A
 * store from before version 5 (seq -1) adopts the log it finds, audited
 * the same way. */
#include "access.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "trexd.h"

/* Lines a killed trexd can have appended without recording them: the
 * loop's line and its checkpoint, and a submission's line. */
#define AHEAD_CRASH_LINES 4

struct ahead_scan {
	int64_t want;          /* the store's head seq */
	char want_hash[65];    /* the log's hash of that line, when it has it */
	json_t *checkpoint;    /* the log's last checkpoint line */
};

static int ahead_scan_line(void *arg, uint64_t seq, const char *text, size_t len,
			   const char *hash, json_t *line)
{
	struct ahead_scan *sc = arg;
	(void)text;
	(void)len;
	if ((int64_t)seq == sc->want)
		memcpy(sc->want_hash, hash, 65);
	const char *ev = json_string_value(json_object_get(line, "event"));
	if (ev && strcmp(ev, "checkpoint") == 0) {
		json_decref(sc->checkpoint);
		sc->checkpoint = json_incref(line);
	}
	return 0;
}

static void ahead_fmt(char *out, size_t len, int64_t seq, const char *hash)
{
	snprintf(out, len, "%" PRId64 ":%s", seq, hash);
}

/* What is wrong between the log (lines, head) and the store's head h;
 * 0 when nothing. msg gets the sentence. */
static int ahead_compare(struct trexd *d, const struct sacc_audit_head *h, int have_row,
			 const struct audit_log *log, const struct ahead_scan *sc, char *msg,
			 size_t len)
{
	char lh[96], dh[96];
	int64_t lines = (int64_t)log->seq;
	ahead_fmt(lh, sizeof(lh), lines, log->prev);
	ahead_fmt(dh, sizeof(dh), h->seq, h->hash);
	if (!have_row) {
		snprintf(msg, len, "trexd.db records no audit log head (its audit_head row is"
				   " gone); the log's is %s", lh);
		return -1;
	}
	if (h->seq > lines) {
		snprintf(msg, len, "audit log ends at %s but trexd.db records %s: lines were cut"
				   " from the log", lh, dh);
		return -1;
	}
	if (strcmp(h->seq == 0 ? AUDIT_GENESIS : sc->want_hash, h->hash) != 0) {
		snprintf(msg, len, "audit log head %s does not hold trexd.db's %s: the log was"
				   " cut and written again", lh, dh);
		return -1;
	}
	if (lines > h->seq && (h->stopped || lines - h->seq > AHEAD_CRASH_LINES)) {
		snprintf(msg, len, "audit log head %s is %" PRId64 " lines past trexd.db's %s:"
				   " trexd.db is older than the log, or new", lh, lines - h->seq, dh);
		return -1;
	}
	json_t *cj = json_object_get(sc->checkpoint, "jobs");
	json_t *ch = json_object_get(sc->checkpoint, "store_seq");
	int64_t jobs = 0, high = 0;
	struct trex_err err = { 0 };
	if (cj && sacc_store_mark(d->store, &jobs, &high, &err) < 0) {
		snprintf(msg, len, "%s", err.msg);
		return -1;
	}
	if (cj && (json_integer_value(cj) > jobs || json_integer_value(ch) > high)) {
		snprintf(msg, len, "the audit log's checkpoint at line %" PRId64 " attests %" PRId64
				   " jobs up to store seq %" PRId64 ", trexd.db has %" PRId64
				   " up to %" PRId64 ": trexd.db is older than the log",
			 (int64_t)json_integer_value(json_object_get(sc->checkpoint, "seq")),
			 (int64_t)json_integer_value(cj), (int64_t)json_integer_value(ch), jobs,
			 high);
		return -1;
	}
	return 0;
}

int ahead_open(struct trexd *d, const char *path, const char *accept_head, json_t **note,
	       struct trex_err *err)
{
	struct trexd_access *a = d->acc;
	struct sacc_audit_head h;
	*note = NULL;
	int r = sacc_audit_head(d->store, &h, err);
	int have_row = r == 0;
	if (r < 0 && r != -ENOENT)
		return r;
	struct ahead_scan sc = { .want = have_row ? h.seq : -1 };
	if (audit_open_scan(path, &a->audit, ahead_scan_line, &sc, err) < 0) {
		json_decref(sc.checkpoint);
		return err->code;
	}
	/* GET /v1/audit/head shows it as audit_log.c keeps the ones it
	 * writes: the signed fields, with seq and event */
	json_object_del(sc.checkpoint, "ts");
	json_object_del(sc.checkpoint, "prev");
	a->last_checkpoint = sc.checkpoint;
	char lh[96], dh[96], msg[TREX_ERR_MSG_MAX] = "";
	ahead_fmt(lh, sizeof(lh), (int64_t)a->audit.seq, a->audit.prev);
	ahead_fmt(dh, sizeof(dh), have_row ? h.seq : -1, have_row ? h.hash : "");
	const char *event = NULL;
	if (have_row && h.seq == -1) {
		/* the first start on a store from before version 5 */
		event = "audit_head_adopted";
		snprintf(msg, sizeof(msg), "trexd.db is from before store version 5");
		trex_log(TREX_LOG_WARN, "audit_head_adopted", "log_head=%s", lh);
	} else if (ahead_compare(d, &h, have_row, &a->audit, &sc, msg, sizeof(msg)) < 0) {
		if (!accept_head || strcmp(accept_head, lh) != 0) {
			trex_log(TREX_LOG_ERROR, "audit_head_mismatch",
				 "log_head=%s db_head=%s problem=\"%s\" fix=\"start once with"
				 " --accept-audit-head %s to accept the log as it is (audited)\"",
				 lh, dh, msg, lh);
			audit_close(&a->audit);
			if (accept_head)
				return trex_err_setx(err, -EBADMSG, "--accept-audit-head %.90s is not"
						     " the log's head %s", accept_head, lh);
			return trex_err_setx(err, -EBADMSG, "%s", msg);
		}
		event = "audit_head_override";
		trex_log(TREX_LOG_WARN, "audit_head_override", "log_head=%s db_head=%s", lh, dh);
	} else if (accept_head) {
		trex_log(TREX_LOG_WARN, "audit_head_override_unused",
			 "log_head=%s db_head=%s: the log matches the store", lh, dh);
	}
	/* running from now: a crash before the next line's head is recorded
	 * leaves the log a few lines past the store, which the next start
	 * takes (even on a new store, whose first line this is) */
	struct sacc_audit_head now = { .seq = (int64_t)a->audit.seq, .stopped = 0 };
	memcpy(now.hash, a->audit.prev, sizeof(now.hash));
	if ((r = sacc_set_audit_head(d->store, &now, event != NULL, err)) < 0) {
		audit_close(&a->audit);
		return r;
	}
	if (!event)
		return 0;
	*note = json_pack("{s:s,s:{s:s,s:s,s:s}}", "event", event, "fields", "log_head", lh,
			  "db_head", dh, "reason", msg);
	return *note ? 0 : trex_err_setx(err, -ENOMEM, "out of memory");
}

void ahead_log(struct trexd *d, const char *at)
{
	struct sacc_audit_head h;
	alog_head(d, &h, NULL);
	trex_log(TREX_LOG_INFO, "audit_head", "seq=%" PRId64 " hash=%s at=%s", h.seq, h.hash, at);
}

void ahead_show(struct trexd *d, const struct caller *c, struct http_response *resp)
{
	if (roles_require(d, c, ROLE_AUDITOR, "reading the audit log's head", resp) < 0)
		return;
	/* the read is on the record, and the head it answers covers it */
	json_t *f = json_pack("{s:s,s:s,s:s}", "auditor", c->name, "kind", "head", "value", "");
	struct trex_err err = { 0 };
	int r = f ? alog_event(d, "audit_read", f, &err) : -ENOMEM;
	json_decref(f);
	if (r < 0) {
		http_respond_error(resp, 500, "internal", "the access could not be audited");
		return;
	}
	struct sacc_audit_head h;
	json_t *cp = NULL;
	alog_head(d, &h, &cp);
	char head[96];
	ahead_fmt(head, sizeof(head), h.seq, h.hash);
	json_t *ans = json_pack("{s:I,s:s,s:s,s:s,s:o}", "seq", (json_int_t)h.seq, "hash", h.hash,
				"head", head, "key_id", d->acc->key_id, "checkpoint",
				cp ? cp : json_null());
	http_respond_json(resp, 200, ans);
	json_decref(ans);
}
