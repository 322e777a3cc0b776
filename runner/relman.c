/* The release manifest: what left the secure environment for a job, signed
 * by trexd's own key so a researcher (or a journal, or an auditor) can
 * check that a file came out of trexd's check and review unchanged.
 *
 *   {"job", "project", "permit_id", "policy", "bundle_sha256", "job_sha256", "issued_at",
 *    "files": [{"file", "sha256", "size", "verdict", "rules", "reviewer"}],
 *    "reproducibility": {...} (repro.h; absent for a job checked before it
 *    existed), "key_id", "signature"}
 *
 * The signature covers the document without "signature", keys sorted,
 * compact, ASCII (the same canonical form as permits). The monitor
 * (monitor.c) signs it, after hashing every listed file again itself. */
#include "access.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "monclient.h"
#include "trexd.h"
#include "view.h"

/* Rule names the check applied to one file, from its report entry's
 * decisions (CONTRACTS.md 2), each once: a signed document a researcher
 * takes away, so the checker's words only when they are rule names. */
static json_t *relman_rules(json_t *report, const char *name)
{
	json_t *rules = json_array();
	size_t i, m;
	json_t *d, *r;
	json_array_foreach(json_object_get(view_report_entry(report, name), "decisions"), i, d) {
		const char *rule = view_rule(json_string_value(json_object_get(d, "rule")));
		int seen = 0;
		json_array_foreach(rules, m, r)
			seen |= strcmp(json_string_value(r), rule) == 0;
		if (!seen)
			json_array_append_new(rules, json_string(rule));
	}
	return rules;
}

static const char *relman_reviewer(json_t *reviews, const char *name, char *buf, size_t len)
{
	size_t i, o = 0;
	json_t *v;
	buf[0] = '\0';
	json_array_foreach(reviews, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0 &&
		    strcmp(json_string_value(json_object_get(v, "decision")), "release") == 0)
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "," : "",
					      json_string_value(json_object_get(v, "reviewer")));
	return buf[0] ? buf : NULL;
}

int relman_build(struct trexd *d, const char *id, json_t **out, struct trex_err *err)
{
	struct job_row row;
	int r = store_get_job(d->store, id, &row, err);
	if (r < 0)
		return r;
	struct job_access acc;
	struct trex_err e2 = { 0 };
	int have_acc = sacc_get(d->store, id, &acc, &e2) == 0;
	/* the whole job the release came from (absent: stored before version 5) */
	char job_sha[65];
	int have_digest = sacc_get_digest(d->store, id, job_sha, NULL, &e2) == 0;
	json_t *outs = NULL, *reviews = NULL, *doc = NULL, *repro = NULL;
	/* how the outputs were made, signed with them (absent: checked
	 * before schema version 6) */
	if (sacc_get_repro(d->store, id, &repro, &e2) < 0)
		repro = NULL;
	json_t *report = row.report ? json_loads(row.report, 0, NULL) : NULL;
	char *canon = NULL, *sig = NULL, *text = NULL;
	_cleanup_close_ int dfd = -1;
	if ((r = store_list_outputs(d->store, id, 1, &outs, err)) < 0 ||
	    (r = sacc_reviews(d->store, id, &reviews, err)) < 0)
		goto out;
	char now[32];
	store_now(now);
	json_t *files = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		char who[256];
		const char *rev = relman_reviewer(reviews, name, who, sizeof(who));
		json_array_append_new(files, json_pack("{s:s,s:O,s:O,s:O,s:o,s:s?}",
				"file", name, "sha256", json_object_get(o, "sha256"),
				"size", json_object_get(o, "size"),
				"verdict", json_object_get(o, "verdict"),
				"rules", relman_rules(report, name), "reviewer", rev));
	}
	doc = json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s?,s:s?,s:o,s:s}", "job", id, "project",
			row.project, "issued_at", now, "permit_id",
			have_acc ? acc.permit_id : NULL, "policy", have_acc ? acc.policy : NULL,
			"bundle_sha256", have_acc ? acc.bundle_sha256 : NULL, "job_sha256",
			have_digest ? job_sha : NULL, "files", files, "key_id", d->acc->key_id);
	if (!doc || (repro && json_object_set(doc, "reproducibility", repro) < 0)) {
		r = trex_err_setx(err, -ENOMEM, "out of memory");
		goto out;
	}
	canon = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (!canon || (r = monc_sign(MON_SIGN_RELEASE, canon, strlen(canon), &sig, err)) < 0) {
		r = r < 0 ? r : trex_err_setx(err, -ENOMEM, "out of memory");
		goto out;
	}
	json_object_set_new(doc, "signature", json_string(sig));
	/* a copy beside the released files, for whoever takes the release
	 * area without the API */
	char dir[PATH_MAX], name[STORE_ID_MAX + 16];
	snprintf(dir, sizeof(dir), "%s/release/%s", d->cfg->state_dir, row.project);
	snprintf(name, sizeof(name), "%s.release.json", id);
	text = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	if ((r = trex_mkdir_p(dir, 0755, err)) < 0)
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || !text) {
		r = trex_err_set(err, dfd < 0 ? -errno : -ENOMEM, "open %s", dir);
		goto out;
	}
	if ((r = trex_write_file_atomic(dfd, name, text, strlen(text), 0644, err)) < 0)
		goto out;
	*out = doc;
	doc = NULL;
out:
	free(canon);
	free(text);
	trex_free(sig);
	json_decref(doc);
	json_decref(repro);
	json_decref(outs);
	json_decref(reviews);
	json_decref(report);
	store_job_free(&row);
	return r;
}

void relman_get(struct trexd *d, const struct caller *c, const char *id,
		struct http_response *resp)
{
	struct job_row row;
	struct trex_err err = { 0 };
	int r = store_get_job(d->store, id, &row, &err);
	if (r == 0) {
		if (!roles_may_see(d, c, &row))
			r = -ENOENT;
		store_job_free(&row);
	}
	if (r == -ENOENT) {
		http_respond_error(resp, 404, "not_found", "no job %s", id);
		return;
	}
	json_t *doc = NULL;
	if (r < 0 || relman_build(d, id, &doc, &err) < 0) {
		trex_log(TREX_LOG_ERROR, "release_manifest_failed", "job=%s", id);
		http_respond_error(resp, 500, "internal", "the release manifest could not be built");
		return;
	}
	http_respond_json(resp, 200, doc);
	json_decref(doc);
}
