/* Collect and release. Files come from folders a job (or the checker) wrote,
 * so every open goes through trex_open_beneath (common/beneath.c):
 * a symlink or ".." planted by the job cannot make trexd read or write
 * anything outside them. */
#include "release.h"
#include "checkin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "alloc.h"
#include "cleanup.h"
#include "fsutil.h"
#include "log.h"
#include "manifest.h"
#include "metrics.h"
#include "packs.h"
#include "store.h"
#include "trexd.h"
#include "runrec.h"
#include "view.h"

int release_collect(const struct trexd *d, const char *job_dir, json_t *manifest,
		    json_t **present, struct trex_err *err)
{
	/* a job under a permit is checked with the pack its permit names,
	 * else with the configured one */
	const char *name = d->cfg->policy;
	struct job_access acc;
	struct trex_err aerr = { 0 };
	const char *slash = strrchr(job_dir, '/');
	if (slash && sacc_get(d->store, slash + 1, &acc, &aerr) == 0)
		name = acc.policy;
	return checkin_collect(d->cfg, name, job_dir, manifest, present, err);
}

void release_plan_free(struct release_plan *plan)
{
	trex_free(plan->rows);
	trex_free(plan->shas);
	memset(plan, 0, sizeof(*plan));
}

/* An output the checker could not read as declared (trex-check
 * --keep-going: rule malformed_output) failed alone; the researcher is
 * told where, as a failed check used to tell them for the whole job: the
 * place of the first such output (runrec_place: its declared name, line,
 * column and error code, validated, never the checker's text) is added
 * to the reason. One place per job, as before (SECURITY.md). */
static void release_malformed_place(json_t *outs, json_t *report, char *reason, size_t len)
{
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o) {
		const char *path = manifest_output_path(o);
		json_t *entry = path ? view_report_entry(report, path) : NULL;
		size_t k;
		json_t *dec;
		int malformed = 0;
		json_array_foreach(json_object_get(entry, "decisions"), k, dec) {
			const char *rule = json_string_value(json_object_get(dec, "rule"));
			malformed |= rule && strcmp(rule, "malformed_output") == 0;
		}
		const char *why = json_string_value(json_array_get(json_object_get(entry, "reasons"), 0));
		char place[400];
		if (!malformed || !why || !runrec_place(why, strlen(why), outs, place, sizeof(place)))
			continue;
		/* whole or not at all: a cut could split a name's UTF-8 */
		size_t n = strlen(reason);
		if (n + strlen(place) + 22 < len)
			snprintf(reason + n, len - n, "; cannot be checked: %s", place);
		return;
	}
}

/* Copy every output that passed (or was suppressed) to the release area
 * and decide each output's row and the job's state. A copy that failed
 * for the disk's sake (trexd_retryable) fails the whole try; one that
 * failed for the file's sake marks that output "fail". */
static int release_copy_all(struct trexd *d, const char *id, const char *project,
			    const char *job_dir, json_t *manifest, json_t *present,
			    json_t *report, struct release_plan *plan, struct trex_err *err)
{
	json_t *outs = manifest_outputs(manifest);
	size_t n = json_array_size(outs);
	if (!plan->rows) {
		plan->rows = trex_calloc(n + 1, sizeof(*plan->rows));
		plan->shas = trex_calloc(n + 1, sizeof(*plan->shas));
		if (!plan->rows || !plan->shas) {
			release_plan_free(plan);
			return trex_err_setx(err, -ENOMEM, "out of memory");
		}
	}
	memset(plan->rows, 0, (n + 1) * sizeof(*plan->rows));
	plan->n = n;
	plan->released = plan->held = 0;
	struct output_row *rows = plan->rows;
	char rel_dir[PATH_MAX];
	snprintf(rel_dir, sizeof(rel_dir), "%s/release/%s/%s", d->cfg->state_dir, project, id);
	_cleanup_close_ int checked = checkin_open_dir(job_dir, "checked", err);
	if (checked < 0)
		return checked;
	_cleanup_close_ int dst = -1;
	uint64_t max = (uint64_t)d->cfg->limits_max.output_mb << 20;
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o) {
		struct output_row *row = &rows[i];
		const char *path = manifest_output_path(o);
		row->name = path;
		row->kind = json_string_value(json_object_get(o, "kind"));
		row->size = -1;
		struct checkin_verdict v;
		checkin_verdict(report, present, path, &v);
		row->verdict = v.verdict;
		row->summary = v.summary;
		if (strcmp(v.verdict, "review") == 0)
			plan->held++;
		if (!v.released)
			continue;
		const char *src = v.released;
		if (dst < 0) {
			if (trex_mkdir_p(rel_dir, 0755, err) < 0)
				return err->code;
			dst = open(rel_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (dst < 0)
				return trex_err_set(err, -errno, "open %s", rel_dir);
		}
		/* the checked file is released under its declared name */
		struct trex_err cerr = { 0 };
		int r = release_copy(checked, src, dst, path, max, plan->shas[i], &row->size, &cerr);
		if (r < 0 && trexd_retryable(r)) {
			*err = cerr;
			return r;
		}
		if (r < 0) {
			trex_log(TREX_LOG_WARN, "release_copy_failed", "job=%s code=%d", id, r);
			row->verdict = "fail";
			row->summary = "the checked file could not be released";
			row->size = -1;
			continue;
		}
		row->sha256 = plan->shas[i];
		row->released = 1;
		plan->released++;
	}
	plan->state = release_state(n, plan->released, plan->held, plan->reason,
				    sizeof(plan->reason));
	release_malformed_place(outs, report, plan->reason, sizeof(plan->reason));
	plan->copied = 1;
	return 0;
}

int release_finish(struct trexd *d, const char *id, const char *project,
		   const char *job_dir, json_t *manifest, json_t *present,
		   json_t *report, const char *report_text, struct release_plan *plan,
		   struct trex_err *err)
{
	if (!plan->copied) {
		int r = release_copy_all(d, id, project, job_dir, manifest, present, report, plan,
					 err);
		if (r < 0)
			return r;
	}
	struct output_row *rows = plan->rows;
	size_t n = plan->n;
	/* the check and every release are in the audit log before the store
	 * says anything was released; written once, whatever the store does */
	if (!plan->audited) {
		json_t *files = json_array();
		for (size_t k = 0; files && k < n; k++)
			json_array_append_new(files, json_pack("{s:s,s:s,s:b,s:s?}", "file",
							       rows[k].name, "verdict",
							       rows[k].verdict, "released",
							       rows[k].released, "sha256",
							       rows[k].sha256));
		json_t *af = json_pack("{s:s,s:s,s:s,s:o}", "job", id, "project", project,
				       "state", plan->state, "files", files);
		int ar = af ? alog_event(d, "check", af, err)
			    : trex_err_setx(err, -ENOMEM, "out of memory");
		json_decref(af);
		if (ar < 0)
			return ar;
		plan->audited = 1;
	}
	if (store_finish_job(d->store, id, rows, n, plan->state, plan->reason, report_text,
			     err) < 0)
		return err->code;
	for (size_t k = 0; k < n; k++) {
		json_t *entry = checkin_present(present, rows[k].name)
					? view_report_entry(report, rows[k].name) : NULL;
		metrics_observe_output(rows[k].verdict, json_object_get(entry, "decisions"));
	}
	/* the release stands without the manifest copy: GET .../release
	 * builds and signs it afresh from the store */
	json_t *man = NULL;
	struct trex_err merr = { 0 };
	if (plan->released > 0 && relman_build(d, id, &man, &merr) < 0)
		trex_log(TREX_LOG_ERROR, "release_manifest_failed", "job=%s code=%d", id, merr.code);
	json_decref(man);
	trex_log(TREX_LOG_INFO, "job_finished", "job=%s state=%s released=%zu held=%zu declared=%zu",
		 id, plan->state, plan->released, plan->held, n);
	return 0;
}
