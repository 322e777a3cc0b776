/* Datasets described to researchers (codebooks.h). */
#include "codebooks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "alloc.h"
#include "api.h"
#include "cleanup.h"
#include "codebook_fmt.h"
#include "fsutil.h"
#include "idcache.h"
#include "log.h"
#include "suggest.h"
#include "trexd.h"
#include "view.h"

void codebooks_list(struct trexd *d, struct http_response *resp)
{
	json_t *list = json_array();
	json_t *j = json_pack("{s:o}", "datasets", list);

	for (size_t i = 0; j && i < d->cfg->n_datasets; i++) {
		const struct dataset *ds = &d->cfg->datasets[i];
		json_array_append_new(list, json_pack("{s:s,s:s}", "name", ds->name, "codebook",
						      ds->codebook_doc ? "operator" : "derived"));
	}
	if (!j) {
		http_respond_error(resp, 500, "internal", "out of memory");
		return;
	}
	http_respond_json(resp, 200, j);
	json_decref(j);
}

/* The answer, or an error; cb is checked by view_codebook first. */
static void codebooks_answer(const char *name, json_t *cb, struct http_response *resp)
{
	struct trex_err err = { 0 };
	json_t *j;

	if (view_codebook(cb, &err) < 0) {
		/* a file that is not the format is never served; its words
		 * stay in the log (they name a key, not a value) */
		trex_log(TREX_LOG_ERROR, "codebook_refused", "dataset=%s", name);
		http_respond_error(resp, 500, "internal",
				   "the codebook of dataset %s is not in the codebook format", name);
		return;
	}
	j = json_pack("{s:s,s:O}", "name", name, "codebook", cb);
	if (!j) {
		http_respond_error(resp, 500, "internal", "out of memory");
		return;
	}
	http_respond_json(resp, 200, j);
	json_decref(j);
}

struct codebooks_work {
	uv_work_t work;
	struct trexd *d;
	const struct config *cfg; /* kept until exit even across reloads (job.c) */
	const struct dataset *ds;
	struct http_deferred *defer;
	uid_t uid;
	uint64_t t0;
	json_t *cb;
	int r;
	struct trex_err err;
};

/* Off the loop: the first time, the index build reads the whole dataset. */
static void codebooks_run(uv_work_t *w)
{
	struct codebooks_work *cw = w->data;
	char dir[PATH_MAX], file[PATH_MAX + 16];
	_cleanup_free_ char *text = NULL;
	json_error_t je;
	size_t len;

	cw->r = idcache_get(cw->cfg, cw->ds, dir, sizeof(dir), &cw->err);
	if (cw->r < 0)
		return;
	snprintf(file, sizeof(file), "%s/codebook.json", dir);
	cw->r = trex_read_file(AT_FDCWD, file, CODEBOOK_MAX_BYTES, &text, &len, &cw->err);
	if (cw->r < 0)
		return;
	cw->cb = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!cw->cb)
		cw->r = trex_err_setx(&cw->err, -EINVAL, "%s: not JSON", file);
}

static void codebooks_done(uv_work_t *w, int status)
{
	struct codebooks_work *cw = w->data;
	struct http_response resp = { 0 };

	if (status < 0) {
		http_respond_error(&resp, 503, "unavailable", "trexd is stopping");
	} else if (cw->r < 0) {
		trex_log(TREX_LOG_ERROR, "codebook_failed", "dataset=%s code=%d", cw->ds->name,
			 cw->r);
		if (cw->r == -ENOSPC)
			http_respond_error(&resp, 507, "no_space",
					   "the state filesystem is full: the codebook of dataset %s "
					   "cannot be derived now",
					   cw->ds->name);
		else
			http_respond_error(&resp, 500, "internal",
					   "the codebook of dataset %s could not be derived", cw->ds->name);
	} else {
		codebooks_answer(cw->ds->name, cw->cb, &resp);
	}
	api_answered(API_DATASET, "GET", resp.status, cw->uid, NULL, cw->t0);
	http_deferred_answer(cw->defer, &resp);
	json_decref(cw->cb);
	trex_free(cw);
}

void codebooks_show(struct trexd *d, const struct http_request *req, const char *name,
		    struct http_response *resp)
{
	const struct dataset *ds = config_dataset(d->cfg, name);
	struct codebooks_work *cw;

	if (!ds) {
		const char *names[64];
		size_t n = 0;
		char list[400];
		for (size_t i = 0; i < d->cfg->n_datasets && n < TREX_ARRAY_LEN(names); i++)
			names[n++] = d->cfg->datasets[i].name;
		const char *near = trex_suggest(name, names, n);
		trex_suggest_list(names, n, list, sizeof(list));
		http_respond_error(resp, 404, "unknown_dataset",
				   "unknown dataset \"%.64s\"%s%s%s; valid datasets: %s", name,
				   near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "",
				   n ? list : "none configured");
		return;
	}
	if (ds->codebook_doc) {
		codebooks_answer(ds->name, ds->codebook_doc, resp);
		return;
	}
	cw = trex_calloc(1, sizeof(*cw));
	if (!cw || !(cw->defer = http_defer(req))) {
		trex_free(cw);
		http_respond_error(resp, 500, "internal", "out of memory");
		return;
	}
	cw->work.data = cw;
	cw->d = d;
	cw->cfg = d->cfg;
	cw->ds = ds;
	cw->uid = req->uid;
	cw->t0 = uv_hrtime();
	int r = uv_queue_work(d->loop, &cw->work, codebooks_run, codebooks_done);
	if (r < 0) {
		http_deferred_cancel(cw->defer);
		trex_free(cw);
		http_respond_error(resp, 500, "internal", "uv_queue_work: %s", uv_strerror(r));
	}
}
