#include "audit.h"

#include "alloc.h"
#include "cleanup.h"
#include "fsutil.h"
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char audit_genesis[65] = AUDIT_GENESIS;

int audit_checkpoint_text(json_t *cp, char *out, size_t len)
{
	json_t *seq = json_object_get(cp, "signed_seq");
	const char *hash = json_string_value(json_object_get(cp, "signed_hash"));
	json_t *jobs = json_object_get(cp, "jobs"), *high = json_object_get(cp, "store_seq");
	if (!json_is_integer(seq) || !hash || (!jobs != !high) ||
	    (jobs && (!json_is_integer(jobs) || !json_is_integer(high))))
		return -EINVAL;
	int n = snprintf(out, len, "trex-audit-checkpoint seq=%lld hash=%s",
			 (long long)json_integer_value(seq), hash);
	if (jobs && n > 0 && (size_t)n < len)
		n += snprintf(out + n, len - (size_t)n, " jobs=%lld store_seq=%lld",
			      (long long)json_integer_value(jobs),
			      (long long)json_integer_value(high));
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

int audit_parse_head(const char *s, uint64_t *seq, char hash[65])
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s || colon - s > 19 || strlen(colon + 1) != 64 ||
	    strspn(s, "0123456789") != (size_t)(colon - s) ||
	    strspn(colon + 1, "0123456789abcdef") != 64)
		return -EINVAL;
	*seq = strtoull(s, NULL, 10);
	memcpy(hash, colon + 1, 65);
	return 0;
}

/* Check one line against the chain state; on success advance the state
 * and hand the line to fn. */
static int audit_check_line(const char *line, size_t len, uint64_t lineno,
			    uint64_t *seq, char prev[65], audit_line_fn fn, void *arg,
			    struct trex_err *err)
{
	json_error_t jerr;
	json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj || !json_is_object(obj)) {
		json_decref(obj);
		return trex_err_setx(err, -EBADMSG, "line %llu: not a JSON object",
				     (unsigned long long)lineno);
	}
	json_int_t s = json_integer_value(json_object_get(obj, "seq"));
	const char *p = json_string_value(json_object_get(obj, "prev"));
	int r = 0;
	if (!json_is_integer(json_object_get(obj, "seq")) || (uint64_t)s != *seq + 1)
		r = trex_err_setx(err, -EBADMSG,
				  "line %llu: sequence number %lld, expected %llu (line removed, inserted or reordered)",
				  (unsigned long long)lineno, (long long)s,
				  (unsigned long long)(*seq + 1));
	else if (!p || strcmp(p, prev) != 0)
		r = trex_err_setx(err, -EBADMSG,
				  "line %llu: previous-line hash does not match (line %llu was edited, or lines were removed or reordered)",
				  (unsigned long long)lineno,
				  (unsigned long long)(lineno - 1));
	if (r == 0 && (r = trex_sha256_hex(line, len, prev)) < 0)
		trex_err_setx(err, r, "sha256");
	if (r == 0)
		*seq = (uint64_t)s;
	if (r == 0 && fn)
		r = fn(arg, *seq, line, len, prev, obj);
	json_decref(obj);
	return r;
}

int audit_verify(const char *path, struct audit_verify_result *result,
		 struct trex_err *err)
{
	return audit_verify_scan(path, NULL, NULL, result, err);
}

int audit_verify_scan(const char *path, audit_line_fn fn, void *arg,
		      struct audit_verify_result *result, struct trex_err *err)
{
	memset(result, 0, sizeof(*result));
	memcpy(result->head, audit_genesis, sizeof(audit_genesis));
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return trex_err_set(err, -errno, "open %s", path);
	_cleanup_free_ char *line = trex_malloc(AUDIT_LINE_MAX + 2);
	if (!line)
		/* cppcheck-suppress resourceLeak ; f is closed by _cleanup_fclose_ */
		return trex_err_setx(err, -ENOMEM, "out of memory");
	uint64_t seq = 0;
	while (fgets(line, AUDIT_LINE_MAX + 2, f)) {
		result->lines++;
		size_t len = strlen(line);
		if (len == 0 || line[len - 1] != '\n') {
			result->bad_line = result->lines;
			return trex_err_setx(err, -EBADMSG,
					     "line %llu: truncated or longer than %d bytes",
					     (unsigned long long)result->lines, AUDIT_LINE_MAX);
		}
		int r = audit_check_line(line, len - 1, result->lines, &seq,
					 result->head, fn, arg, err);
		if (r < 0) {
			result->bad_line = result->lines;
			return r;
		}
	}
	if (ferror(f))
		return trex_err_set(err, -EIO, "read %s", path);
	return 0;
}

void audit_follow_init(struct audit_follow *f)
{
	f->seq = 0;
	f->offset = 0;
	memcpy(f->head, audit_genesis, sizeof(audit_genesis));
}

int audit_follow(const char *path, struct audit_follow *f, uint64_t upto,
		 struct trex_err *err)
{
	if (upto <= f->seq)
		return upto == f->seq ? 0
				      : trex_err_setx(err, -EINVAL, "line %llu is behind line %llu",
						      (unsigned long long)upto,
						      (unsigned long long)f->seq);
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", path);
	_cleanup_fclose_ FILE *fp = fdopen(fd, "re");
	if (!fp) {
		close(fd);
		return trex_err_set(err, -errno, "open %s", path);
	}
	if (fseeko(fp, (off_t)f->offset, SEEK_SET) < 0)
		return trex_err_set(err, -errno, "seek %s", path);
	_cleanup_free_ char *line = trex_malloc(AUDIT_LINE_MAX + 2);
	if (!line)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	while (f->seq < upto && fgets(line, AUDIT_LINE_MAX + 2, fp)) {
		size_t len = strlen(line);
		/* a line still being written is not part of the chain yet */
		if (len == 0 || line[len - 1] != '\n')
			break;
		uint64_t seq = f->seq;
		char head[65];
		memcpy(head, f->head, sizeof(head));
		int r = audit_check_line(line, len - 1, f->seq + 1, &seq, head, NULL, NULL, err);
		if (r < 0)
			return r;
		f->seq = seq;
		memcpy(f->head, head, sizeof(head));
		f->offset += len;
	}
	if (f->seq < upto)
		return trex_err_setx(err, -ENOENT, "the log ends at line %llu, before line %llu",
				     (unsigned long long)f->seq, (unsigned long long)upto);
	return 0;
}

int audit_open(const char *path, struct audit_log *log, struct trex_err *err)
{
	return audit_open_scan(path, log, NULL, NULL, err);
}

int audit_open_scan(const char *path, struct audit_log *log, audit_line_fn fn, void *arg,
		    struct trex_err *err)
{
	log->fd = -1;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", path);
	struct audit_verify_result res;
	int r = audit_verify_scan(path, fn, arg, &res, err);
	if (r < 0) {
		close(fd);
		return trex_err_prefix(err, "audit log %s is damaged, refusing to append", path);
	}
	log->fd = fd;
	log->seq = res.lines;
	memcpy(log->prev, res.head, sizeof(log->prev));
	return 0;
}

void audit_close(struct audit_log *log)
{
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
}

int audit_append(struct audit_log *log, const char *event, json_t *fields,
		 struct trex_err *err)
{
	if (log->fd < 0)
		return trex_err_setx(err, -EIO, "the audit log is closed: a failed append could not be undone");
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char when[40];
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	json_t *obj = fields ? json_deep_copy(fields) : json_object();
	if (!obj)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	if (json_object_get(obj, "seq") || json_object_get(obj, "prev") ||
	    json_object_get(obj, "ts") || json_object_get(obj, "event")) {
		json_decref(obj);
		return trex_err_setx(err, -EINVAL, "audit fields may not set seq, prev, ts or event");
	}
	json_object_set_new(obj, "seq", json_integer((json_int_t)(log->seq + 1)));
	json_object_set_new(obj, "ts", json_string(when));
	json_object_set_new(obj, "prev", json_string(log->prev));
	json_object_set_new(obj, "event", json_string(event));
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(obj);
	if (!text)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	size_t len = strlen(text);
	int r = 0;
	if (len > AUDIT_LINE_MAX) {
		r = trex_err_setx(err, -EFBIG, "audit record larger than %d bytes", AUDIT_LINE_MAX);
		goto out;
	}
	char hash[65];
	trex_sha256_hex(text, len, hash);
	/* where the line starts: a failed append is cut back to it */
	struct stat st;
	if (fstat(log->fd, &st) < 0) {
		r = trex_err_set(err, -errno, "append to audit log");
		goto out;
	}
	/* one write of line + newline so a crash leaves a whole line or a
	 * truncated last line, which verify names */
	text[len] = '\n';
	r = trex_write_all(log->fd, text, len + 1);
	text[len] = '\0';
	if (r == 0 && fsync(log->fd) < 0)
		r = -errno;
	if (r < 0) {
		trex_err_set(err, r, "append to audit log");
		/* a full disk can take part of the line (or all of it, then
		 * fail the fsync): what is left must go, or the next line,
		 * chained to the same head, would follow a broken one (the
		 * next line's fsync makes the cut durable too). A log that
		 * cannot be cut back takes no more lines. */
		if (ftruncate(log->fd, st.st_size) < 0) {
			close(log->fd);
			log->fd = -1;
		}
		goto out;
	}
	log->seq++;
	memcpy(log->prev, hash, sizeof(log->prev));
out:
	free(text);
	return r;
}
