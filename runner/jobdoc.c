/* Job documents, cached by job id in a direct-mapped table. An entry is
 * valid while the store's change counter (store_version) has not moved:
 * trexd's connection is the state dir's only writer, so any write -- a
 * state change, an output, a review -- invalidates every entry, and a
 * reader can never see a document older than the last commit. */
#include "jobdoc.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "access.h"
#include "alloc.h"
#include "fnv.h"
#include "logs.h"

#define JOBDOC_SLOTS 512
#define JOBDOC_BUDGET (16u << 20) /* bytes of documents kept at most */

struct jobdoc_cache {
	struct jobdoc slot[JOBDOC_SLOTS];
	size_t bytes;
};

struct jobdoc_cache *jobdoc_cache_new(void)
{
	return trex_calloc(1, sizeof(struct jobdoc_cache));
}

static void jobdoc_clear(struct jobdoc_cache *c, struct jobdoc *e)
{
	if (e->version >= 0)
		c->bytes -= e->bytes;
	store_job_free(&e->row);
	for (int l = 0; l < VIEW_LEVELS; l++)
		trex_free(e->view[l].body);
	memset(e, 0, sizeof(*e));
}

void jobdoc_cache_free(struct jobdoc_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < JOBDOC_SLOTS; i++)
		jobdoc_clear(c, &c->slot[i]);
	trex_free(c);
}

static size_t jobdoc_slot(const char *id)
{
	return (size_t)(trex_fnv64_str(TREX_FNV64_INIT, id) % JOBDOC_SLOTS);
}

static json_t *jobdoc_json_or_null(const char *text)
{
	json_t *j = text ? json_loads(text, 0, NULL) : NULL;
	return j ? j : json_null();
}

/* Everything but the logs, whose sizes change while the job runs and are
 * read by the caller at each request. */
static json_t *jobdoc_build(struct store *s, const struct job_row *row, struct trex_err *err)
{
	json_t *outs = NULL;
	if (store_list_outputs(s, row->id, 0, &outs, err) < 0)
		return NULL;
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:o,s:o,s:o}",
			      "id", row->id, "project", row->project, "dataset", row->dataset,
			      "runtime", row->runtime, "state", row->state, "reason", row->reason,
			      "submitted_by", row->submitted_name,
			      "submitted_uid", (json_int_t)row->submitted_uid,
			      "created_at", row->created_at, "updated_at", row->updated_at,
			      "run", jobdoc_json_or_null(row->run), "outputs", outs,
			      "report", jobdoc_json_or_null(row->report));
	if (!j) {
		trex_err_setx(err, -ENOMEM, "out of memory");
		return NULL;
	}
	json_object_set_new(j, "manifest", jobdoc_json_or_null(row->manifest));
	/* the job an approver approves (common/jobdigest.h): absent for a job
	 * stored before store version 5 */
	char job_sha[65];
	json_t *files = NULL;
	if (sacc_get_digest(s, row->id, job_sha, &files, err) == 0) {
		json_object_set_new(j, "job_sha256", json_string(job_sha));
		json_object_set_new(j, "files", files);
	}
	struct job_access acc;
	json_t *reviews = NULL;
	if (sacc_get(s, row->id, &acc, err) == 0)
		json_object_set_new(j, "permit", json_pack("{s:s,s:s,s:b,s:s}", "permit_id",
				    acc.permit_id, "policy", acc.policy, "strict", acc.strict,
				    "bundle_sha256", acc.bundle_sha256));
	if (sacc_reviews(s, row->id, &reviews, err) == 0)
		json_object_set_new(j, "reviews", reviews);
	return j;
}

int jobdoc_get(struct jobdoc_cache *c, struct store *s, const char *id,
	       const struct jobdoc **out, struct trex_err *err)
{
	struct jobdoc *e = &c->slot[jobdoc_slot(id)];
	int64_t version = store_version(s);
	if (e->row.project && e->version == version && strcmp(e->row.id, id) == 0) {
		*out = e;
		return 0;
	}
	jobdoc_clear(c, e);
	int r = store_get_job(s, id, &e->row, err);
	if (r < 0)
		return r;
	/* a checker's decision on a log is a store write: cached with the rest */
	logs_states(s, id, e->log_states);
	e->version = version;
	*out = e;
	return 0;
}

int jobdoc_view(struct jobdoc_cache *c, struct store *s, const struct jobdoc *doc,
		enum view_level level, const struct jobdoc_view **out, struct trex_err *err)
{
	struct jobdoc *e = &c->slot[doc - c->slot];
	struct jobdoc_view *v = &e->view[level];
	if (v->body) {
		*out = v;
		return 0;
	}
	json_t *j = jobdoc_build(s, &e->row, err);
	int built = j != NULL;
	if (j && view_job(level, j) < 0) {
		json_decref(j);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	size_t n = text ? strlen(text) : 0;
	if (n < 2 || text[n - 1] != '}') {
		free(text); /* jansson's allocator */
		return built ? trex_err_setx(err, -ENOMEM, "out of memory") : err->code;
	}
	v->len = n - 1;
	v->body = trex_malloc(v->len);
	if (v->body)
		memcpy(v->body, text, v->len);
	free(text);
	if (!v->body)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	e->bytes += v->len;
	/* over budget: served once, then dropped (jobdoc_done) */
	if (e->version >= 0) {
		if (c->bytes + v->len <= JOBDOC_BUDGET)
			c->bytes += v->len;
		else {
			c->bytes -= e->bytes - v->len;
			e->version = -1;
		}
	}
	*out = v;
	return 0;
}

void jobdoc_done(struct jobdoc_cache *c, const struct jobdoc *doc)
{
	struct jobdoc *e = &c->slot[doc - c->slot];
	if (e->version < 0)
		jobdoc_clear(c, e);
}

void jobdoc_keep_tail(struct jobdoc_cache *c, const struct jobdoc *doc, enum view_level level,
		      const char *tail, size_t len)
{
	struct jobdoc_view *v = &c->slot[doc - c->slot].view[level];
	if (len >= sizeof(v->tail))
		return;
	memcpy(v->tail, tail, len + 1);
	v->tail_len = len;
}
