/* The audit log: append-only JSON lines, each carrying the SHA-256 of the
 * previous line, fsync'd before the action it records is acknowledged.
 * Any edited, removed, inserted or reordered line breaks the chain at a line
 * that audit_verify names. Shared by trexd (append) and trex (verify). */
#ifndef TREX_AUDIT_H
#define TREX_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"

#define AUDIT_LINE_MAX (64 * 1024)

struct audit_log {
	int fd;
	uint64_t seq;    /* seq of the last line, 0 when empty */
	char prev[65];   /* SHA-256 hex of the last line */
};

/* The "prev" of the first line. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Called for each line a verification has checked: its seq (= its line
 * number), its text without the newline, its hash and the parsed object
 * (all borrowed). A negative return stops the walk and is returned. */
typedef int (*audit_line_fn)(void *arg, uint64_t seq, const char *text, size_t len,
			     const char *hash, json_t *line);

/* Open (creating 0600) and find the chain head by verifying the file. A
 * broken chain refuses to open: appending to a tampered log hides the
 * tampering. */
int audit_open(const char *path, struct audit_log *log, struct trex_err *err);
/* The same, with fn called for every line on the way (fn may be NULL). */
int audit_open_scan(const char *path, struct audit_log *log, audit_line_fn fn, void *arg,
		    struct trex_err *err);
void audit_close(struct audit_log *log);

/* Append {"seq","ts","prev","event", ...fields} (fields may be NULL; its
 * keys must not clash with those four) and fsync. */
int audit_append(struct audit_log *log, const char *event, json_t *fields,
		 struct trex_err *err);

struct audit_verify_result {
	uint64_t lines;      /* lines read */
	uint64_t bad_line;   /* 1-based line where the chain breaks, 0 if intact */
	char head[65];       /* hash of the last line */
};

/* 0 when intact; -EBADMSG with result->bad_line and err naming the line and
 * what is wrong otherwise. */
int audit_verify(const char *path, struct audit_verify_result *result,
		 struct trex_err *err);
/* The same, with fn called for every line that checks (fn may be NULL). */
int audit_verify_scan(const char *path, audit_line_fn fn, void *arg,
		      struct audit_verify_result *result, struct trex_err *err);

/* Following a log another process appends to (trexd's monitor checks
 * what it signs): the verified prefix so far. */
struct audit_follow {
	uint64_t seq;    /* last verified line, 0 before the first */
	uint64_t offset; /* bytes of the file verified */
	char head[65];   /* hash of line seq (AUDIT_GENESIS at 0) */
};
void audit_follow_init(struct audit_follow *f);
/* Verify the lines after f's prefix up to line upto (whole lines only),
 * advancing f: 0 with f->seq == upto and f->head that line's hash;
 * -EBADMSG on a broken chain (err names the line); -ENOENT when the log
 * ends before upto; -EINVAL when upto is behind f. */
int audit_follow(const char *path, struct audit_follow *f, uint64_t upto,
		 struct trex_err *err);

/* What a checkpoint line's signature covers, from the line's fields:
 * "trex-audit-checkpoint seq=S hash=H jobs=J store_seq=K" (signed_seq,
 * signed_hash, jobs, store_seq), or without " jobs=... store_seq=..." for
 * a checkpoint that has neither (written before trexd recorded them).
 * -EINVAL when the fields are missing or of the wrong type. */
int audit_checkpoint_text(json_t *checkpoint, char *out, size_t len);

/* "SEQ:HASH" (an audit log's head as trexd prints it and `trex audit
 * verify --head` takes it): 0, or -EINVAL. */
int audit_parse_head(const char *s, uint64_t *seq, char hash[65]);

#endif
