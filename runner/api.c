/* Routes of the HTTP API. Every answer is JSON except released file bytes;
 * every refusal is {"error": {"code", "message"}} with a stable code. */
#include "api.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "access.h"
#include "acroview.h"
#include "alloc.h"
#include "bundle.h"
#include "cancel.h"
#include "cleanup.h"
#include "codebooks.h"
#include "events.h"
#include "fsutil.h"
#include "hash.h"
#include "http_query.h"
#include "jobdoc.h"
#include "jobs_list.h"
#include "log.h"
#include "logs.h"
#include "manifest.h"
#include "metrics.h"
#include "queue.h"
#include "sched.h"
#include "submit.h"
#include "suggest.h"
#include "trexd.h"
#include "view.h"
#include "web.h"

static int api_id_ok(const char *s, size_t len)
{
	if (len == 0 || len >= STORE_ID_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
			    s[i]))
			return 0;
	return 1;
}

/* A path segment, percent-decoded; fails on bad escapes, NUL or overflow. */
static int api_decode(const char *in, char *out, size_t outsz)
{
	size_t at;
	return http_pct_decode(in, strlen(in), 0, out, outsz, &at) < 0 ? -1 : 0;
}

static const char *const api_route_names[] = {
	[API_NOT_FOUND] = "not_found", [API_BAD_METHOD] = "bad_method", [API_HEALTH] = "health",
	[API_SUBMIT] = "submit", [API_JOB] = "job", [API_OUTPUTS] = "outputs",
	[API_OUTPUT_FILE] = "output_file", [API_APPROVE] = "approve", [API_REVIEW] = "review",
	[API_HELD_FILE] = "held_file", [API_RELEASE_MANIFEST] = "release_manifest",
	[API_AUDIT_JOB] = "audit_job", [API_AUDIT_PROJECT] = "audit_project",
	[API_TREXD_KEY] = "trexd_key", [API_REFUSED] = "refused", [API_METRICS] = "metrics",
	[API_CANCEL] = "cancel", [API_LIST] = "list", [API_LOGS] = "logs", [API_LOG] = "log",
	[API_EVENTS] = "events", [API_AUDIT_HEAD] = "audit_head", [API_ACRO] = "acro",
	[API_QUEUE] = "review_queue", [API_DATASETS] = "datasets", [API_DATASET] = "dataset",
	[API_REVIEW_WEB] = "review_web", [API_REVIEW_PAGE] = "review_page",
};

const char *api_route_name(enum api_route_kind kind)
{
	if ((size_t)kind < TREX_ARRAY_LEN(api_route_names) && api_route_names[kind])
		return api_route_names[kind];
	return "other";
}

void api_answered(enum api_route_kind kind, const char *method, int status, uid_t uid,
		  const char *job, uint64_t t0)
{
	metrics_observe_request((int)kind, status, uv_hrtime() - t0);
	trex_log(TREX_LOG_INFO, "http_request", "method=%s route=%s status=%d uid=%u%s%s",
		 method, api_route_name(kind), status, (unsigned)uid, job && *job ? " job=" : "",
		 job && *job ? job : "");
}

void api_route(const char *method, const char *path, struct api_route *out)
{
	memset(out, 0, sizeof(*out));
	int get = strcmp(method, "GET") == 0;
	int post = strcmp(method, "POST") == 0;
	out->kind = API_NOT_FOUND;
	if (strcmp(path, "/healthz") == 0) {
		out->kind = get ? API_HEALTH : API_BAD_METHOD;
		return;
	}
	if (strcmp(path, "/v1/jobs") == 0 || strcmp(path, "/v1/jobs/") == 0) {
		out->kind = post ? API_SUBMIT : get ? API_LIST : API_BAD_METHOD;
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		out->kind = get ? API_METRICS : API_BAD_METHOD;
		return;
	}
	if (strcmp(path, "/v1/events") == 0) {
		out->kind = get ? API_EVENTS : API_BAD_METHOD;
		return;
	}
	if (strcmp(path, "/v1/review") == 0) {
		out->kind = get ? API_QUEUE : API_BAD_METHOD;
		return;
	}
	if (strcmp(path, "/v1/review/web") == 0) {
		out->kind = post ? API_REVIEW_WEB : API_BAD_METHOD;
		return;
	}
	if (strcmp(path, "/v1/datasets") == 0 || strcmp(path, "/v1/datasets/") == 0) {
		out->kind = get ? API_DATASETS : API_BAD_METHOD;
		return;
	}
	/* /v1/datasets/{name} (in out->name; names as in the configuration) */
	if (strncmp(path, "/v1/datasets/", 13) == 0) {
		const char *v = path + 13;
		size_t n = strlen(v);
		if (n == 0 || n > 64 || v[0] == '.' ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
			return;
		snprintf(out->name, sizeof(out->name), "%s", v);
		out->kind = get ? API_DATASET : API_BAD_METHOD;
		return;
	}
	if (strcmp(path, "/v1/trexd-key") == 0) {
		out->kind = get ? API_TREXD_KEY : API_BAD_METHOD;
		return;
	}
	if (strcmp(path, "/v1/audit/head") == 0) {
		out->kind = get ? API_AUDIT_HEAD : API_BAD_METHOD;
		return;
	}
	/* /v1/audit/job/{id} (in out->id), /v1/audit/project/{name} (in
	 * out->name; project names as in manifests) */
	if (strncmp(path, "/v1/audit/job/", 14) == 0) {
		if (!api_id_ok(path + 14, strlen(path + 14)))
			return;
		snprintf(out->id, sizeof(out->id), "%s", path + 14);
		out->kind = get ? API_AUDIT_JOB : API_BAD_METHOD;
		return;
	}
	if (strncmp(path, "/v1/audit/project/", 18) == 0) {
		const char *v = path + 18;
		size_t n = strlen(v);
		if (n == 0 || n > 64 || v[0] == '.' || v[0] == '-' ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
			return;
		snprintf(out->name, sizeof(out->name), "%s", v);
		out->kind = get ? API_AUDIT_PROJECT : API_BAD_METHOD;
		return;
	}
	static const char prefix[] = "/v1/jobs/";
	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
		return;
	const char *id = path + sizeof(prefix) - 1;
	const char *slash = strchr(id, '/');
	size_t idlen = slash ? (size_t)(slash - id) : strlen(id);
	if (!api_id_ok(id, idlen))
		return;
	memcpy(out->id, id, idlen);
	out->id[idlen] = '\0';
	enum api_route_kind k;
	if (!slash) {
		k = API_JOB;
	} else if (strcmp(slash, "/outputs") == 0 || strcmp(slash, "/outputs/") == 0) {
		k = API_OUTPUTS;
	} else if (strncmp(slash, "/outputs/", 9) == 0) {
		if (api_decode(slash + 9, out->name, sizeof(out->name)) < 0 ||
		    !manifest_path_ok(out->name, strlen(out->name)))
			return;
		k = API_OUTPUT_FILE;
	} else if (strncmp(slash, "/held/", 6) == 0) {
		if (api_decode(slash + 6, out->name, sizeof(out->name)) < 0 ||
		    !manifest_path_ok(out->name, strlen(out->name)))
			return;
		k = API_HELD_FILE;
	} else if (strcmp(slash, "/logs") == 0) {
		k = API_LOGS;
	} else if (strcmp(slash, "/logs/stdout") == 0 || strcmp(slash, "/logs/stderr") == 0) {
		snprintf(out->name, sizeof(out->name), "%s", slash + 6);
		k = API_LOG;
	} else if (strcmp(slash, "/release") == 0) {
		k = API_RELEASE_MANIFEST;
	} else if (strcmp(slash, "/acro") == 0) {
		k = API_ACRO;
	} else if (strcmp(slash, "/cancel") == 0) {
		out->kind = post ? API_CANCEL : API_BAD_METHOD;
		return;
	} else if (strcmp(slash, "/approve") == 0 || strcmp(slash, "/review") == 0) {
		out->kind = !post ? API_BAD_METHOD : slash[1] == 'a' ? API_APPROVE : API_REVIEW;
		return;
	} else {
		return;
	}
	out->kind = get ? k : API_BAD_METHOD;
}

int api_new_job_id(char id[STORE_ID_MAX])
{
	unsigned char rnd[6];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%S", &tm);
	snprintf(id, STORE_ID_MAX, "%s-%02x%02x%02x%02x%02x%02x", ts, rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5]);
	return 0;
}

/* The permit sent with a submission (a JSON object, or its text) checked
 * for this caller and manifest; *pd empty when none is needed or sent. */
static int api_submit_permit(struct trexd *d, const struct caller *c, json_t *body,
			     const struct manifest *m, struct permit_decision *pd,
			     struct http_response *resp)
{
	json_t *pj = json_object_get(body, "permit");
	memset(pd, 0, sizeof(*pd));
	if (!pj && !d->cfg->access.require_permit)
		return 0;
	char *text = json_is_string(pj) ? strdup(json_string_value(pj))
		     : json_is_object(pj) ? json_dumps(pj, JSON_COMPACT) : NULL;
	if (pj && !text) {
		http_respond_error(resp, 400, "permit_malformed",
				   "\"permit\" must be the signed permit (a JSON object or its text)");
		return -EINVAL;
	}
	const char *code = NULL;
	struct trex_err err = { 0 };
	const char *named = json_string_value(json_object_get(m->json, "permit"));
	int r = permits_check(d, text, named, c->name, m->project, m->dataset, m->runtime, pd,
			      &code, &err);
	free(text); /* from jansson's or libc's allocator */
	if (r < 0)
		http_respond_error(resp, r == -EACCES ? 403 : strcmp(code, "internal") == 0 ? 500 : 400,
				   code, "%s", err.msg);
	return r;
}

static void api_submit(struct trexd *d, const struct caller *c, const struct http_request *req,
		       struct http_response *resp)
{
	json_error_t jerr;
	json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!body) {
		http_respond_error(resp, 400, "bad_request", "invalid JSON at line %d column %d: %s",
				   jerr.line, jerr.column, jerr.text);
		return;
	}
	struct manifest m = { 0 };
	struct trex_err err = { 0 };
	json_t *files = json_object_get(body, "files");
	const char *key;
	json_t *v;
	if (!json_is_object(body)) {
		http_respond_error(resp, 400, "bad_request", "the body must be a JSON object");
		goto out;
	}
	json_object_foreach(body, key, v) {
		if (strcmp(key, "manifest") != 0 && strcmp(key, "files") != 0 &&
		    strcmp(key, "permit") != 0) {
			static const char *const body_keys[] = { "manifest", "files", "permit" };
			const char *near = trex_suggest(key, body_keys, 3);
			http_respond_error(resp, 400, "bad_request",
					   "unknown key \"%.64s\"%s%s%s; the keys are manifest, files, permit",
					   key, near ? " (did you mean \"" : "", near ? near : "",
					   near ? "\"?)" : "");
			goto out;
		}
	}
	if (!json_object_get(body, "manifest")) {
		http_respond_error(resp, 400, "bad_request", "missing \"manifest\"");
		goto out;
	}
	if (!files) {
		http_respond_error(resp, 400, "bad_request", "missing \"files\"");
		goto out;
	}
	const char *code = NULL;
	if (manifest_validate(json_object_get(body, "manifest"), d->cfg, &m, &code, &err) < 0) {
		http_respond_error(resp, 400, code, "%s", err.msg);
		goto out;
	}
	if (bundle_check(files, d->cfg->max_body, &err) < 0) {
		http_respond_error(resp, 400, "bad_request", "%s", err.msg);
		goto out;
	}
	struct permit_decision pd;
	if (api_submit_permit(d, c, body, &m, &pd, resp) < 0)
		goto out;
	/* the manifest as stored, run and approved: every limit and the
	 * permit written out (common/jobdigest.h) */
	if (manifest_make_explicit(&m, pd.permit_id) < 0) {
		http_respond_error(resp, 500, "internal", "out of memory");
		goto out;
	}
	/* bundle_sha256: the uploaded files, canonically (kept for clients
	 * that name a bundle; approvals cover job_sha256, computed with the
	 * bundle's writes in submit.c) */
	char sha[TREX_SHA256_HEX_LEN + 1];
	char *ftext = json_dumps(files, JSON_COMPACT | JSON_SORT_KEYS);
	int hr = ftext ? trex_sha256_hex(ftext, strlen(ftext), sha) : -ENOMEM;
	free(ftext);
	if (hr < 0) {
		http_respond_error(resp, 500, "internal", "could not hash the bundle");
		goto out;
	}
	struct job_row row = { 0 };
	if (api_new_job_id(row.id) < 0) {
		http_respond_error(resp, 500, "internal", "no randomness for a job id");
		goto out;
	}
	/* the disk writes run off the loop; the answer comes from there */
	submit_start(d, c, req, json_incref(files), &m, &pd, sha, &row, resp);
out:
	manifest_release(&m);
	json_decref(body);
}

/* The cached document (jobdoc.h) at the caller's view level (view.h),
 * plus the logs' sizes, read now: they grow while the job runs without
 * the store knowing. */
static void api_get_job(struct trexd *d, const struct caller *c, const char *id,
			struct http_response *resp)
{
	struct trex_err err = { 0 };
	const struct jobdoc *doc;
	const struct jobdoc_view *v = NULL;
	int r = jobdoc_get(d->docs, d->store, id, &doc, &err);
	if (r == -ENOENT || (r == 0 && !roles_may_see(d, c, &doc->row))) {
		if (r == 0)
			jobdoc_done(d->docs, doc);
		http_respond_error(resp, 404, "not_found", "no job %s", id);
		return;
	}
	enum view_level level = r == 0 ? view_level(c, &doc->row) : VIEW_RESEARCHER;
	if (r == 0 && (r = jobdoc_view(d->docs, d->store, doc, level, &v, &err)) < 0)
		jobdoc_done(d->docs, doc);
	if (r < 0) {
		http_respond_error(resp, 500, "internal", "%s", err.msg);
		return;
	}
	char logs[sizeof(v->tail)];
	size_t n = v->tail_len;
	if (n) {
		memcpy(logs, v->tail, n + 1);
	} else {
		n = logs_tail(d, doc->row.id, doc->log_states, level, logs, sizeof(logs));
		/* a finished job's logs no longer grow, and their review
		 * states change only with a store write */
		if (logs_job_ended(doc->row.state))
			jobdoc_keep_tail(d->docs, doc, level, logs, n);
	}
	char *body = trex_malloc(v->len + n + 1);
	if (!body) {
		jobdoc_done(d->docs, doc);
		http_respond_error(resp, 500, "internal", "out of memory");
		return;
	}
	memcpy(body, v->body, v->len);
	memcpy(body + v->len, logs, n + 1);
	size_t len = v->len + n;
	jobdoc_done(d->docs, doc);
	trex_free(resp->body);
	resp->status = 200;
	resp->content_type = "application/json";
	resp->body = body;
	resp->len = len;
}

static void api_get_outputs(struct trexd *d, const struct caller *c, const char *id,
			    struct http_response *resp)
{
	struct job_row row;
	if (roles_load_job(d, c, id, &row, resp) < 0)
		return;
	store_job_free(&row);
	struct trex_err err = { 0 };
	json_t *outs = NULL;
	if (store_list_outputs(d->store, id, 1, &outs, &err) < 0) {
		http_respond_error(resp, 500, "internal", "%s", err.msg);
		return;
	}
	/* the released list carries only what a fetcher needs */
	size_t i;
	json_t *o;
	json_array_foreach(outs, i, o) {
		json_object_del(o, "kind");
		json_object_del(o, "summary");
		json_object_del(o, "released");
	}
	json_t *j = json_pack("{s:o}", "outputs", outs);
	http_respond_json(resp, 200, j);
	json_decref(j);
}

static void api_get_output_file(struct trexd *d, const struct caller *c,
				const char *id, const char *name, struct http_response *resp)
{
	struct job_row row;
	if (roles_load_job(d, c, id, &row, resp) < 0)
		return;
	struct trex_err err = { 0 };
	json_t *outs = NULL;
	int released = 0;
	if (store_list_outputs(d->store, id, 1, &outs, &err) == 0) {
		size_t i;
		json_t *o;
		json_array_foreach(outs, i, o)
			if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0)
				released = 1;
	}
	json_decref(outs);
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/release/%s/%s/%s", d->cfg->state_dir, row.project, id,
		 name);
	json_t *af = json_pack("{s:s,s:s,s:s,s:s}", "job", id, "project", row.project, "file",
			       name, "user", c->name);
	store_job_free(&row);
	if (!released) {
		json_decref(af);
		http_respond_error(resp, 404, "not_found", "no released output \"%.200s\" in job %s",
				   name, id);
		return;
	}
	/* a download is audited before a byte leaves */
	int ar = af ? alog_event(d, "download", af, &err) : -ENOMEM;
	json_decref(af);
	if (ar < 0) {
		http_respond_error(resp, 500, "internal", "the download could not be audited");
		return;
	}
	char *data = NULL;
	size_t len = 0;
	if (trex_read_file(AT_FDCWD, path, (size_t)d->cfg->limits_max.output_mb << 20, &data,
			   &len, &err) < 0) {
		trex_log(TREX_LOG_ERROR, "release_read_failed", "job=%s", id);
		http_respond_error(resp, 500, "internal", "the released file cannot be read");
		return;
	}
	resp->status = 200;
	resp->content_type = "application/octet-stream";
	resp->body = data;
	resp->len = len;
}

/* Every refused submission is in the audit log (its code from the answer)
 * before the answer leaves. */
static void api_audit_refusal(struct trexd *d, const struct caller *c,
			      const struct http_response *resp)
{
	json_t *ans = resp->body ? json_loadb(resp->body, resp->len, 0, NULL) : NULL;
	const char *code = json_string_value(json_object_get(json_object_get(ans, "error"), "code"));
	json_t *f = json_pack("{s:s,s:I,s:i,s:s}", "user", c->name ? c->name : "", "uid",
			      (json_int_t)c->uid, "status", resp->status, "code",
			      code ? code : "");
	struct trex_err err = { 0 };
	if (!f || alog_event(d, "submission_refused", f, &err) < 0)
		trex_log(TREX_LOG_ERROR, "audit_failed", "event=submission_refused");
	json_decref(f);
	json_decref(ans);
}

void api_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct trexd *d = ctx;
	struct api_route r;
	struct caller c;
	uint64_t t0 = uv_hrtime();
	api_route(req->method, req->path, &r);
	/* identity first: an unknown caller learns nothing but health */
	if (r.kind != API_HEALTH && r.kind != API_NOT_FOUND && r.kind != API_BAD_METHOD &&
	    roles_identify(d, req, &c, resp) < 0)
		r.kind = API_REFUSED;
	switch (r.kind) {
	case API_HEALTH: {
		json_t *j = json_pack("{s:s}", "status", d->stopping ? "stopping" : "ok");
		http_respond_json(resp, 200, j);
		json_decref(j);
		break;
	}
	case API_SUBMIT:
		if (d->stopping)
			http_respond_error(resp, 503, "unavailable", "trexd is stopping");
		else if (roles_require(d, &c, ROLE_RESEARCHER, "submitting a job", resp) == 0)
			api_submit(d, &c, req, resp);
		if (resp->status >= 400)
			api_audit_refusal(d, &c, resp);
		break;
	case API_JOB:
		api_get_job(d, &c, r.id, resp);
		break;
	case API_OUTPUTS:
		api_get_outputs(d, &c, r.id, resp);
		break;
	case API_OUTPUT_FILE:
		/* released data goes to the project's researchers only */
		if (roles_require(d, &c, ROLE_RESEARCHER, "downloading a released output", resp) == 0)
			api_get_output_file(d, &c, r.id, r.name, resp);
		break;
	case API_APPROVE:
		approve_route(d, &c, r.id, req, resp);
		break;
	case API_REVIEW:
		review_decide(d, &c, r.id, req, resp);
		break;
	case API_HELD_FILE:
		review_held_file(d, &c, r.id, r.name, resp);
		break;
	case API_RELEASE_MANIFEST:
		relman_get(d, &c, r.id, resp);
		break;
	case API_AUDIT_JOB:
		alog_show(d, &c, "job", r.id, resp);
		break;
	case API_AUDIT_PROJECT:
		alog_show(d, &c, "project", r.name, resp);
		break;
	case API_AUDIT_HEAD:
		ahead_show(d, &c, resp);
		break;
	case API_TREXD_KEY: {
		json_t *j = json_pack("{s:s,s:s}", "key_id", d->acc->key_id, "public_key",
				      d->acc->pub_pem);
		http_respond_json(resp, 200, j);
		json_decref(j);
		break;
	}
	case API_METRICS:
		/* counts only, but of everyone's jobs: operators and auditors */
		if (roles_require(d, &c, ROLE_OPERATOR | ROLE_AUDITOR, "reading metrics", resp) == 0)
			metrics_serve(d, resp);
		break;
	case API_CANCEL:
		cancel_job(d, &c, r.id, resp);
		break;
	case API_LOGS:
		logs_list(d, &c, r.id, resp);
		break;
	case API_LOG:
		logs_get(d, &c, r.id, r.name, resp);
		break;
	case API_ACRO:
		acroview_get(d, &c, r.id, resp);
		break;
	case API_QUEUE:
		queue_serve(d, &c, resp);
		break;
	case API_REVIEW_WEB:
		web_login_link(d, &c, resp);
		break;
	case API_DATASETS:
		if (roles_require(d, &c, VIEW_CODEBOOK_ROLES, "listing datasets", resp) == 0)
			codebooks_list(d, resp);
		break;
	case API_DATASET:
		if (roles_require(d, &c, VIEW_CODEBOOK_ROLES, "reading a dataset's codebook", resp) == 0)
			codebooks_show(d, req, r.name, resp);
		break;
	case API_LIST:
		if (roles_require(d, &c, ROLE_RESEARCHER | ROLE_APPROVER | ROLE_CHECKER |
				  ROLE_OPERATOR | ROLE_AUDITOR, "listing jobs", resp) == 0)
			jobs_list_serve(d, &c, req, resp);
		break;
	case API_EVENTS:
		/* any role: each caller gets only the jobs they may see */
		if (roles_require(d, &c, ROLE_RESEARCHER | ROLE_APPROVER | ROLE_CHECKER |
				  ROLE_OPERATOR | ROLE_AUDITOR, "following job events", resp) == 0)
			events_serve(d, &c, req, resp);
		break;
	case API_REFUSED:
		break;
	case API_BAD_METHOD:
		http_respond_error(resp, 405, "method_not_allowed", "%s is not allowed on %.200s",
				   req->method, req->path);
		break;
	case API_NOT_FOUND:
	default:
		http_respond_error(resp, 404, "not_found", "no route %.200s", req->path);
		break;
	}
	/* a deferred answer (a submission's disk half, submit.c) is counted
	 * when it is sent: its status is not known yet */
	if (!http_is_deferred(req))
		api_answered(r.kind, req->method, resp->status, req->uid, r.id, t0);
}
