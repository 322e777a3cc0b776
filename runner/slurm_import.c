/* slurm_import.h. The status file is read once, from a fresh open (a
 * shared filesystem may cache attributes); the outputs are copied with
 * release_copy (checkin.c: openat2 beneath, no links, tmp + fsync +
 * rename), which hashes what it copied: the hash compared is of the bytes
 * trexd keeps, not of a file that could change after it was checked. */
#include "slurm_import.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "checkin.h"
#include "cleanup.h"
#include "fsutil.h"
#include "hash.h"
#include "manifest.h"

#define IMPORT_STATUS_MAX (256u << 10)
#define IMPORT_LOG_MAX (1u << 20)
#define IMPORT_OUTPUTS_MAX 4096

struct import_output {
	char sha[TREX_SHA256_HEX_LEN + 1];
	uint64_t size;
	char *rel;
	int collected; /* also named by a collected= line */
};

static void import_free_outputs(struct import_output *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		trex_free(o[i].rel);
	trex_free(o);
}

/* "HEX SIZE REL" */
static int import_parse_output(const char *v, size_t len, struct import_output *o)
{
	if (len < TREX_SHA256_HEX_LEN + 4 || v[TREX_SHA256_HEX_LEN] != ' ')
		return -1;
	for (int i = 0; i < TREX_SHA256_HEX_LEN; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return -1;
	memcpy(o->sha, v, TREX_SHA256_HEX_LEN);
	o->sha[TREX_SHA256_HEX_LEN] = '\0';
	const char *p = v + TREX_SHA256_HEX_LEN + 1, *end = v + len;
	uint64_t size = 0;
	int digits = 0;
	while (p < end && *p >= '0' && *p <= '9' && digits < 19) {
		size = size * 10 + (uint64_t)(*p++ - '0');
		digits++;
	}
	if (!digits || p >= end || *p != ' ')
		return -1;
	p++;
	size_t rl = (size_t)(end - p);
	o->size = size;
	o->rel = trex_malloc(rl + 1);
	if (!o->rel)
		return -1;
	memcpy(o->rel, p, rl);
	o->rel[rl] = '\0';
	/* the path rules of a declared output (NUL-terminated: a NUL in the
	 * line makes it shorter, and so refused) */
	if (!manifest_path_ok(o->rel, rl)) {
		trex_free(o->rel);
		o->rel = NULL;
		return -1;
	}
	return 0;
}

static int import_read_log(int rdir, const char *name, char **buf, size_t *len, uint64_t *total)
{
	_cleanup_close_ int fd = openat(rdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return -EBADMSG;
	*total = (uint64_t)st.st_size;
	*buf = trex_malloc(IMPORT_LOG_MAX);
	if (!*buf)
		return -ENOMEM;
	ssize_t n = pread(fd, *buf, IMPORT_LOG_MAX, 0);
	if (n < 0)
		return -errno;
	*len = (size_t)n;
	return 0;
}

int slurm_import(const char *attempt_dir, const char *job_dir, long output_mb,
		 struct slurm_import *res, struct trex_err *err)
{
	memset(res, 0, sizeof(*res));
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/result", attempt_dir);
	_cleanup_close_ int rdir = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rdir < 0)
		return trex_err_setx(err, -EBADMSG, "the attempt's result folder is missing");
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	struct trex_err rerr = { 0 };
	int r = trex_read_file(rdir, "status", IMPORT_STATUS_MAX, &text, &len, &rerr);
	if (r == -ENOENT)
		return trex_err_setx(err, -ENOENT, "no status record yet");
	if (r < 0)
		return trex_err_setx(err, -EBADMSG, "the status record could not be read");
	struct import_output *outs = trex_calloc(IMPORT_OUTPUTS_MAX, sizeof(*outs));
	res->record = trex_malloc(len + 2); /* a last line without its newline gets one */
	if (!outs || !res->record) {
		trex_free(outs);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	size_t n_outs = 0, n_collected = 0;
	int ended = 0, node_exit = 0, said = 0;
	r = 0;
	for (const char *l = text, *end = text + len; l < end && r == 0;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - l);
		if (ll > 7 && memcmp(l, "output=", 7) == 0) {
			if (n_outs == IMPORT_OUTPUTS_MAX ||
			    import_parse_output(l + 7, ll - 7, &outs[n_outs]) < 0)
				r = trex_err_setx(err, -EBADMSG, "the status record has a malformed output line");
			else
				n_outs++;
		} else if (ll > 10 && memcmp(l, "node_exit=", 10) == 0) {
			node_exit = 1;
		} else {
			if (ll == 5 && memcmp(l, "end=1", 5) == 0)
				ended = 1;
			/* what the job did: both said, never defaulted */
			if (ll > 7 && memcmp(l, "result=", 7) == 0)
				said |= 1;
			if (ll > 10 && memcmp(l, "exit_code=", 10) == 0)
				said |= 2;
			memcpy(res->record + res->record_len, l, ll);
			res->record_len += ll;
			res->record[res->record_len++] = '\n';
		}
		l = nl ? nl + 1 : end;
	}
	res->record[res->record_len] = '\0';
	/* every collected file has exactly one hash line */
	for (const char *l = res->record, *end = res->record + res->record_len; r == 0 && l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t ll = (size_t)(nl - l);
		if (ll > 10 && memcmp(l, "collected=", 10) == 0) {
			n_collected++;
			size_t i;
			for (i = 0; i < n_outs; i++)
				if (!outs[i].collected && strlen(outs[i].rel) == ll - 10 &&
				    memcmp(outs[i].rel, l + 10, ll - 10) == 0)
					break;
			if (i == n_outs)
				r = trex_err_setx(err, -EBADMSG, "collected output %zu has no hash in the status record",
						  n_collected);
			else
				outs[i].collected = 1;
		}
		l = nl + 1;
	}
	if (r == 0 && (!ended || !node_exit || said != 3))
		r = trex_err_setx(err, -EBADMSG, "the status record is incomplete");
	if (r == 0 && n_collected != n_outs)
		r = trex_err_setx(err, -EBADMSG, "the status record hashes files it did not collect");
	snprintf(p, sizeof(p), "%s/stage", attempt_dir);
	_cleanup_close_ int sdir = r == 0 ? open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
					  : -1;
	snprintf(p, sizeof(p), "%s/stage", job_dir);
	_cleanup_close_ int ddir = r == 0 ? open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
					  : -1;
	if (r == 0 && (sdir < 0 || ddir < 0))
		r = trex_err_setx(err, -EBADMSG, "the attempt's stage folder is missing");
	uint64_t max = (uint64_t)output_mb << 20, total = 0;
	for (size_t i = 0; r == 0 && i < n_outs; i++) {
		char sha[TREX_SHA256_HEX_LEN + 1];
		int64_t size = 0;
		struct trex_err cerr = { 0 };
		if (outs[i].size > max - total)
			r = trex_err_setx(err, -EBADMSG, "output %zu: over the job's output limit", i + 1);
		else if (release_copy(sdir, outs[i].rel, ddir, outs[i].rel, max - total, sha, &size,
				      &cerr) < 0)
			r = trex_err_setx(err, -EBADMSG, "output %zu: missing, not a regular file or too large in the staging area",
					  i + 1);
		else if ((uint64_t)size != outs[i].size || strcmp(sha, outs[i].sha) != 0)
			r = trex_err_setx(err, -EBADMSG, "output %zu: its size or SHA-256 differs from the status record",
					  i + 1);
		total += (uint64_t)size;
	}
	import_free_outputs(outs, IMPORT_OUTPUTS_MAX);
	if (r == 0 && (import_read_log(rdir, "stdout", &res->out, &res->out_len, &res->out_total) < 0 ||
		       import_read_log(rdir, "stderr", &res->err, &res->err_len, &res->err_total) < 0))
		r = trex_err_setx(err, -EBADMSG, "the job's stdout or stderr is missing");
	if (r < 0)
		slurm_import_free(res);
	return r;
}

void slurm_import_free(struct slurm_import *res)
{
	trex_free(res->record);
	trex_free(res->out);
	trex_free(res->err);
	memset(res, 0, sizeof(*res));
}
