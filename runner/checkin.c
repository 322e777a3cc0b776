/* A job's outputs on their way to trex-check, for trexd and for
 * `trex run --local` alike (one way to do it): the declared outputs copied
 * from job_dir/stage to job_dir/checkin beside the checker's manifest.json
 * and policy.json. Files come from folders a job wrote, so every open goes
 * through trex_open_beneath (common/beneath.c): a symlink or ".."
 * planted by the job cannot make the caller read or write anything
 * outside them. */
#include "checkin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beneath.h"
#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "manifest.h"
#include "packs.h"
#include "view.h"
#include "trexd.h" /* trexd_retryable, inline */

int release_copy(int src_dir, const char *rel, int dst_dir, const char *dst_rel,
		 uint64_t max, char sha256[TREX_SHA256_HEX_LEN + 1], int64_t *size,
		 struct trex_err *err)
{
	/* O_NONBLOCK: opening a fifo planted by the job must not hang trexd (a
	 * regular file is required right after) */
	_cleanup_close_ int in = trex_open_beneath(src_dir, rel, O_RDONLY | O_NONBLOCK, 0);
	if (in < 0)
		return trex_err_set(err, in, "open %s", rel);
	struct stat st;
	if (fstat(in, &st) < 0)
		return trex_err_set(err, -errno, "stat %s", rel);
	if (!S_ISREG(st.st_mode))
		return trex_err_setx(err, -EINVAL, "%s is not a regular file", rel);
	if ((uint64_t)st.st_size > max)
		return trex_err_setx(err, -EFBIG, "%s is larger than %llu bytes", rel,
				     (unsigned long long)max);
	const char *base = NULL;
	_cleanup_close_ int parent = trex_mkdir_beneath(dst_dir, dst_rel, 0755, 0, &base, err);
	if (parent < 0)
		return parent;
	char tmp[NAME_MAX + 1];
	snprintf(tmp, sizeof(tmp), ".tmp.%.200s", base);
	unlinkat(parent, tmp, 0);
	_cleanup_close_ int out = openat(parent, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
					 O_CLOEXEC, 0644);
	if (out < 0)
		return trex_err_set(err, -errno, "create %s", rel);
	char buf[65536];
	uint64_t total = 0;
	int r = 0;
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = trex_err_set(err, -errno, "read %s", rel);
			break;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > max) {
			r = trex_err_setx(err, -EFBIG, "%s grew beyond %llu bytes", rel,
					  (unsigned long long)max);
			break;
		}
		if ((r = trex_write_all(out, buf, (size_t)n)) < 0) {
			trex_err_set(err, r, "write %s", rel);
			break;
		}
	}
	if (r == 0 && fsync(out) < 0)
		r = trex_err_set(err, -errno, "fsync %s", rel);
	if (r == 0 && sha256 && (lseek(out, 0, SEEK_SET) < 0 || trex_sha256_fd(out, sha256) < 0))
		r = trex_err_setx(err, -EIO, "hash %s", rel);
	if (r == 0 && renameat(parent, tmp, parent, base) < 0)
		r = trex_err_set(err, -errno, "rename %s", rel);
	if (r < 0) {
		unlinkat(parent, tmp, 0);
		return r;
	}
	fsync(parent);
	if (size)
		*size = (int64_t)total;
	return 0;
}

int checkin_open_dir(const char *job_dir, const char *sub, struct trex_err *err)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", job_dir, sub);
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return trex_err_set(err, -errno, "open %s", p);
	return fd;
}

/* Give the checker its policy as checkin/policy.json: the pack named
 * `name` as trex-check's reader resolves it in policy_dir (packs.c),
 * written as one self-contained object, so the checker reads exactly what
 * the caller read and needs no other pack file. */
static int checkin_policy(const struct config *c, const char *name, int checkin,
			  struct trex_err *err)
{
	json_t *pol = NULL;
	if (packs_resolve(c, name, &pol, err) < 0)
		return trex_err_prefix(err, "disclosure policy %.64s", name);
	_cleanup_free_ char *text = json_dumps(pol, JSON_INDENT(1));
	json_decref(pol);
	if (!text)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	return trex_write_file_atomic(checkin, "policy.json", text, strlen(text), 0644, err);
}

int checkin_collect(const struct config *c, const char *policy, const char *job_dir,
		    json_t *manifest, json_t **present, struct trex_err *err)
{
	_cleanup_close_ int stage = checkin_open_dir(job_dir, "stage", err);
	if (stage < 0)
		return stage;
	_cleanup_close_ int checkin = checkin_open_dir(job_dir, "checkin", err);
	if (checkin < 0)
		return checkin;
	json_t *outs = manifest_outputs(manifest);
	json_t *found = json_array();
	if (!found)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	uint64_t max = (uint64_t)c->limits_max.output_mb << 20;
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o) {
		const char *p = manifest_output_path(o);
		struct trex_err cerr = { 0 };
		if (release_copy(stage, p, checkin, p, max, NULL, NULL, &cerr) == 0) {
			json_array_append_new(found, json_string(p));
		} else if (trexd_retryable(cerr.code)) {
			/* the disk, not the output: the caller tries again */
			json_decref(found);
			*err = cerr;
			return cerr.code;
		} else if (cerr.code != -ENOENT)
			/* a refused entry is as good as missing; the status
			 * record of the sandbox already named it */
			trex_log(TREX_LOG_WARN, "collect_refused", "code=%d", cerr.code);
	}
	if (json_array_size(found) == 0) {
		*present = found; /* nothing to check */
		return 0;
	}
	/* the checker's inputs sit next to the outputs it checks */
	json_t *m = json_pack("{s:O}", "outputs", outs);
	_cleanup_free_ char *mtext = m ? json_dumps(m, JSON_INDENT(1)) : NULL;
	json_decref(m);
	int r = mtext ? trex_write_file_atomic(checkin, "manifest.json", mtext, strlen(mtext),
					       0644, err)
		      : trex_err_setx(err, -ENOMEM, "out of memory");
	if (r == 0)
		r = checkin_policy(c, policy, checkin, err);
	if (r < 0) {
		json_decref(found);
		return r;
	}
	*present = found;
	return 0;
}


const char *release_state(size_t declared, size_t released, size_t held, char *reason,
			  size_t reason_len)
{
	if (declared == 0) {
		snprintf(reason, reason_len, "the job declared no outputs; its logs are held");
		return "released";
	}
	size_t blocked = declared - released - held;
	if (released == declared) {
		snprintf(reason, reason_len, "all %zu outputs released", declared);
		return "released";
	}
	snprintf(reason, reason_len, "%zu of %zu outputs released, %zu held for review, %zu blocked",
		 released, declared, held, blocked);
	if (released > 0)
		return "partially_released";
	if (held > 0)
		return "held";
	return "blocked";
}

int checkin_present(json_t *present, const char *path)
{
	size_t i;
	json_t *p;
	json_array_foreach(present, i, p)
		if (strcmp(json_string_value(p), path) == 0)
			return 1;
	return 0;
}

void checkin_verdict(json_t *report, json_t *present, const char *path,
		     struct checkin_verdict *v)
{
	json_t *entry = view_report_entry(report, path);
	const char *verdict = json_string_value(json_object_get(entry, "verdict"));
	/* a verdict is one of the checker's words or a failure */
	if (verdict)
		verdict = view_verdict(verdict);
	*v = (struct checkin_verdict){ .verdict = verdict, .entry = entry,
				       .summary = json_string_value(json_object_get(entry, "summary")) };
	if (!checkin_present(present, path)) {
		v->verdict = "missing";
		v->summary = "not produced";
		v->entry = NULL;
		return;
	}
	if (!verdict) {
		v->verdict = "fail";
		v->summary = "not in the check report";
		return;
	}
	if (strcmp(verdict, "pass") != 0 && strcmp(verdict, "suppressed") != 0)
		return;
	const char *src = json_string_value(json_object_get(entry, "released"));
	if (!src || !manifest_path_ok(src, strlen(src))) {
		v->verdict = "fail";
		v->summary = "the checker released no file";
		return;
	}
	v->released = src;
}
