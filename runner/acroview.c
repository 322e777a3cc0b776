/* The SACRO Viewer export of a job (GET /v1/jobs/{id}/acro). trex-check
 * writes it in the checker's sandbox pass (--acro-json, runner/job.c) into
 * jobs/<id>/checked/.trex-acro: copies of the released tables only, with
 * results.json, checksums/ and config.json (CONTRACTS.md section 2).
 * trexd serves its files as they are, without reading them: results.json
 * names every released cell's check result and the columns the job wrote,
 * which is review material, so only callers with the full view of a job
 * get it (view.c), and every read is in the audit log first. */
#include "acroview.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "b64.h"
#include "cleanup.h"
#include "fsutil.h"
#include "hash.h"
#include "log.h"
#include "logs.h"
#include "manifest.h"
#include "view.h"

static int acroview_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files directly below dirfd, sorted (symlinks and anything
 * else left out: the collector never makes them). */
static int acroview_list(int dirfd, char ***names, size_t *n)
{
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	size_t cap = 0;
	int r = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.' ||
		    fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			if (trex_resize_array(names, cap, sizeof(**names)) < 0) {
				r = -ENOMEM;
				break;
			}
		}
		if (!((*names)[*n] = trex_strdup(e->d_name))) {
			r = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), acroview_name_cmp);
	return r;
}

static void acroview_free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		trex_free(names[i]);
	trex_free(names);
}

/* One file as {"name", "size", "sha256", "text"}, or "base64" when it is
 * not UTF-8 text. */
static int acroview_add(json_t *files, int dirfd, const char *file, const char *shown,
			size_t max, char sha[TREX_SHA256_HEX_LEN + 1], struct trex_err *err)
{
	char *data = NULL;
	size_t len = 0;
	int r = trex_read_file(dirfd, file, max, &data, &len, err);
	json_t *o = NULL;

	if (r < 0)
		return r;
	if (trex_sha256_hex(data, len, sha) < 0) {
		trex_free(data);
		return trex_err_setx(err, -EIO, "sha256 of %s", shown);
	}
	json_t *text = json_stringn(data, len);
	if (text) {
		o = json_pack("{s:s,s:I,s:s,s:o}", "name", shown, "size", (json_int_t)len, "sha256",
			      sha, "text", text);
	} else {
		char *b = NULL;
		size_t blen = 0;
		if (trex_b64_encode(data, len, &b, &blen) == 0)
			o = json_pack("{s:s,s:I,s:s,s:s%}", "name", shown, "size", (json_int_t)len,
				      "sha256", sha, "base64", b, blen);
		trex_free(b);
	}
	trex_free(data);
	if (!o || json_array_append_new(files, o) < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	return 0;
}

/* Every file of the export folder: its top-level files, then checksums/. */
static int acroview_files(int dir, size_t max, json_t *files, char *results_sha,
			  struct trex_err *err)
{
	char **names = NULL;
	size_t n = 0;
	int r = acroview_list(dir, &names, &n);
	char sha[TREX_SHA256_HEX_LEN + 1];

	for (size_t i = 0; r == 0 && i < n; i++) {
		r = acroview_add(files, dir, names[i], names[i], max, sha, err);
		if (r == 0 && strcmp(names[i], "results.json") == 0)
			memcpy(results_sha, sha, sizeof(sha));
	}
	acroview_free_names(names, n);
	if (r < 0)
		return r == -ENOMEM ? trex_err_setx(err, r, "out of memory") : r;
	_cleanup_close_ int cks = openat(dir, "checksums", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							  O_CLOEXEC);
	if (cks < 0)
		return 0;
	r = acroview_list(cks, &names, &n);
	for (size_t i = 0; r == 0 && i < n; i++) {
		char shown[300];
		snprintf(shown, sizeof(shown), "checksums/%s", names[i]);
		r = acroview_add(files, cks, names[i], shown, max, sha, err);
	}
	acroview_free_names(names, n);
	return r == -ENOMEM ? trex_err_setx(err, r, "out of memory") : r;
}

void acroview_get(struct trexd *d, const struct caller *c, const char *id,
		  struct http_response *resp)
{
	static const char what[] = "reading a job's SACRO Viewer export";
	if (roles_require(d, c, ROLE_CHECKER | ROLE_AUDITOR, what, resp) < 0)
		return;
	struct job_row row;
	if (roles_load_job(d, c, id, &row, resp) < 0)
		return;
	struct trex_err err = { 0 };
	json_t *files = NULL;
	_cleanup_close_ int dir = -1;
	char p[PATH_MAX];
	if (!view_acro(view_level(c, &row))) {
		/* a checker or auditor who researches in the job's project:
		 * the researcher's view, whatever other roles they hold */
		json_t *f = json_pack("{s:I,s:s,s:s}", "uid", (json_int_t)c->uid, "user",
				      c->name ? c->name : "", "action", what);
		if (!f || alog_event(d, "authz_failure", f, &err) < 0)
			trex_log(TREX_LOG_ERROR, "audit_failed", "event=authz_failure");
		json_decref(f);
		http_respond_error(resp, 403, "forbidden",
				   "%s of project %s is for output checkers and auditors who do "
				   "no research in it", what, row.project);
		goto out;
	}
	if (!logs_job_ended(row.state)) {
		http_respond_error(resp, 409, "job_not_finished",
				   "job %s is %s: its export is written when its outputs are checked",
				   id, row.state);
		goto out;
	}
	snprintf(p, sizeof(p), "%s/jobs/%s/checked/%s", d->cfg->state_dir, id, MANIFEST_ACRO_DIR);
	dir = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0) {
		http_respond_error(resp, 404, "not_found",
				   "job %s has no SACRO Viewer export: its outputs were not checked, "
				   "or the export was larger than its bound", id);
		goto out;
	}
	/* the checker's /output held at most 3x the job's output size */
	size_t max = ((size_t)d->cfg->limits_max.output_mb * 3 + 1) << 20;
	char results_sha[TREX_SHA256_HEX_LEN + 1] = "";
	files = json_array();
	if (!files || acroview_files(dir, max, files, results_sha, &err) < 0) {
		trex_log(TREX_LOG_ERROR, "acro_read_failed", "job=%s code=%d", id, err.code);
		http_respond_error(resp, 500, "internal", "the export cannot be read");
		goto out;
	}
	json_t *f = json_pack("{s:s,s:s,s:s,s:I,s:s}", "job", id, "project", row.project,
			      "checker", c->name ? c->name : "", "files",
			      (json_int_t)json_array_size(files), "results_sha256", results_sha);
	int r = f ? alog_event(d, "acro_view", f, &err) : -ENOMEM;
	json_decref(f);
	if (r < 0) {
		http_respond_error(resp, 500, "internal", "the access could not be audited");
		goto out;
	}
	json_t *ans = json_pack("{s:s,s:O}", "id", id, "files", files);
	http_respond_json(resp, ans ? 200 : 500, ans);
	json_decref(ans);
out:
	json_decref(files);
	store_job_free(&row);
}
