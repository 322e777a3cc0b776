/* Server-sent events of job state changes. The store tells us about each
 * committed change (store_set_observer); we read the job back, format one
 * event frame, keep it in a ring of the last EVENTS_RING frames and send
 * it to every stream whose filters match and whose caller may see the job
 * (roles_may_see, asked again for each event under the configuration in
 * force). Memory is bounded three ways: the ring, the number of streams
 * (config events.max_subscribers) and each stream's unread bytes (config
 * events.queue_kb, enforced by http.c, which drops a reader that falls
 * behind). */
#include "events.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "http_query.h"
#include "log.h"
#include "view.h"

struct events_entry {
	uint64_t id;
	char job[STORE_ID_MAX];
	char *project;
	uid_t submitted_uid;
	char *frame; /* "id: N\nevent: job\ndata: {...}\n\n" */
	size_t len;
};

struct events_sub {
	struct events_sub *next, *prev;
	struct trexd *d;
	struct http_conn *stream; /* NULL until opened */
	int linked;
	uid_t uid;
	char peer[64];            /* peer user name, for roles_lookup */
	char job[STORE_ID_MAX];   /* filters; "" = any */
	char project[129];
	int resume;               /* Last-Event-ID was sent */
	uint64_t last_id;
};

struct events {
	struct events_entry ring[EVENTS_RING];
	size_t start, n;  /* oldest entry, count */
	uint64_t next_id; /* ids in the ring are next_id - n .. next_id - 1 */
	struct events_sub *subs;
	size_t n_subs;
};

size_t events_subscribers(const struct trexd *d)
{
	return d->events ? d->events->n_subs : 0;
}

static int events_may_see(struct trexd *d, const struct events_sub *s,
			  const struct events_entry *e)
{
	if (s->job[0] && strcmp(s->job, e->job) != 0)
		return 0;
	if (s->project[0] && strcmp(s->project, e->project) != 0)
		return 0;
	struct caller c;
	if (roles_lookup(d, s->uid, s->peer, &c) < 0)
		return 0; /* no longer a user since a reload */
	struct job_row row = { .project = e->project, .submitted_uid = e->submitted_uid };
	return roles_may_see(d, &c, &row);
}

/* The event frame of a job as the store has it now. */
static char *events_frame(uint64_t id, const struct job_row *row, size_t *len)
{
	json_t *j = view_summary(row, EVENTS_REASON_MAX);
	/* compact JSON escapes every control character: one data line */
	char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!data)
		return NULL;
	size_t n = strlen(data) + 64;
	char *f = trex_malloc(n);
	if (f) {
		int w = snprintf(f, n, "id: %" PRIu64 "\nevent: job\ndata: %s\n\n", id, data);
		*len = (size_t)w;
	}
	free(data); /* jansson's allocator */
	return f;
}

static void events_send(struct events_sub *s, const char *data, size_t len)
{
	/* a failed send closed the stream: events_closed freed s already */
	http_stream_send(s->stream, data, len);
}

/* store observer: one committed change of job `id` */
static void events_job_changed(void *arg, const char *id)
{
	struct trexd *d = arg;
	struct events *ev = d->events;
	struct job_row row;
	struct trex_err err = { 0 };
	if (store_get_job(d->store, id, &row, &err) < 0) {
		trex_log(TREX_LOG_ERROR, "event_lost", "job=%s error=\"%s\"", id, err.msg);
		return;
	}
	size_t len = 0;
	char *frame = events_frame(ev->next_id, &row, &len);
	char *project = trex_strdup(row.project);
	uid_t uid = row.submitted_uid;
	store_job_free(&row);
	if (!frame || !project) {
		trex_free(frame);
		trex_free(project);
		trex_log(TREX_LOG_ERROR, "event_lost", "job=%s error=\"out of memory\"", id);
		return;
	}
	struct events_entry *e;
	if (ev->n == EVENTS_RING) {
		e = &ev->ring[ev->start];
		trex_free(e->frame);
		trex_free(e->project);
		ev->start = (ev->start + 1) % EVENTS_RING;
	} else {
		e = &ev->ring[(ev->start + ev->n) % EVENTS_RING];
		ev->n++;
	}
	e->id = ev->next_id++;
	snprintf(e->job, sizeof(e->job), "%s", id);
	e->project = project;
	e->submitted_uid = uid;
	e->frame = frame;
	e->len = len;
	struct events_sub *next;
	for (struct events_sub *s = ev->subs; s; s = next) {
		next = s->next;
		if (events_may_see(d, s, e))
			events_send(s, e->frame, e->len);
	}
}

int events_init(struct trexd *d, struct trex_err *err)
{
	struct events *ev = trex_calloc(1, sizeof(*ev));
	if (!ev)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	/* ids start at the start time in microseconds: they keep growing
	 * across restarts, so a Last-Event-ID from an earlier run is never
	 * mistaken for one of this run's events */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev->next_id = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	d->events = ev;
	store_set_observer(d->store, events_job_changed, d);
	return 0;
}

void events_free(struct trexd *d)
{
	struct events *ev = d->events;
	if (!ev)
		return;
	store_set_observer(d->store, NULL, NULL);
	/* streams are gone with the HTTP server; any left are only unlinked */
	for (struct events_sub *s = ev->subs; s; s = s->next)
		s->linked = 0;
	for (size_t i = 0; i < ev->n; i++) {
		struct events_entry *e = &ev->ring[(ev->start + i) % EVENTS_RING];
		trex_free(e->frame);
		trex_free(e->project);
	}
	trex_free(ev);
	d->events = NULL;
}

/* What a new stream gets first: a comment (the client knows it is
 * subscribed), then, with Last-Event-ID, the events it missed, or a reset
 * event when they are no longer in the ring. */
static void events_open(void *arg, struct http_conn *stream)
{
	struct events_sub *s = arg;
	struct events *ev = s->d->events;
	s->stream = stream;
	s->next = ev->subs;
	s->prev = NULL;
	if (ev->subs)
		ev->subs->prev = s;
	ev->subs = s;
	s->linked = 1;
	ev->n_subs++;
	trex_log(TREX_LOG_INFO, "events_subscribed", "uid=%u job=%s project=%s streams=%zu",
		 (unsigned)s->uid, s->job[0] ? s->job : "-", s->project[0] ? s->project : "-",
		 ev->n_subs);
	static const char hello[] = ": trexd events\n\n";
	if (http_stream_send(stream, hello, sizeof(hello) - 1) < 0 || !s->resume)
		return;
	uint64_t last = ev->next_id - 1, oldest = ev->next_id - ev->n;
	if (s->last_id + 1 < oldest || s->last_id > last) {
		char f[512];
		int n = snprintf(f, sizeof(f),
				 "id: %" PRIu64 "\nevent: reset\ndata: {\"last_id\":%" PRIu64
				 ",\"reason\":\"Last-Event-ID %" PRIu64 " is not among the %zu"
				 " events kept: read the jobs' state again\"}\n\n",
				 last, last, s->last_id, ev->n);
		http_stream_send(stream, f, (size_t)n);
		return;
	}
	for (uint64_t id = s->last_id + 1; id <= last; id++) {
		const struct events_entry *e = &ev->ring[(ev->start + (id - oldest)) % EVENTS_RING];
		/* the stream may be dropped (too slow) in the middle */
		if (events_may_see(s->d, s, e) && http_stream_send(stream, e->frame, e->len) < 0)
			return;
	}
}

static void events_closed(void *arg, struct http_conn *stream)
{
	struct events_sub *s = arg;
	(void)stream;
	if (s->linked) {
		struct events *ev = s->d->events;
		if (s->prev)
			s->prev->next = s->next;
		else
			ev->subs = s->next;
		if (s->next)
			s->next->prev = s->prev;
		ev->n_subs--;
		trex_log(TREX_LOG_INFO, "events_unsubscribed", "uid=%u streams=%zu",
			 (unsigned)s->uid, ev->n_subs);
	}
	trex_free(s);
}

/* ?job=ID&project=P (http_query.c: decoded, unknown names and repeats
 * refused); values must be spelled as job ids and project names are. */
static int events_query(const struct http_request *req, struct events_sub *s,
			struct http_response *resp)
{
	static const char *const known[] = { "job", "project", NULL };
	static const char idchars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
	static const char projchars[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	struct trex_err err = { 0 };
	int r = http_query_check(req, known, &err);
	if (r == 0)
		r = http_query_get(req, "job", s->job, sizeof(s->job), &err);
	if (r >= 0)
		r = http_query_get(req, "project", s->project, sizeof(s->project), &err);
	if (r < 0) {
		http_respond_error(resp, 400, "bad_request", "%s", err.msg);
		return r;
	}
	if (strspn(s->job, idchars) != strlen(s->job)) {
		http_respond_error(resp, 400, "bad_request", "\"job\" must be a job id");
		return -EINVAL;
	}
	if (strspn(s->project, projchars) != strlen(s->project)) {
		http_respond_error(resp, 400, "bad_request", "\"project\" must be a project name");
		return -EINVAL;
	}
	return 0;
}

void events_serve(struct trexd *d, const struct caller *c, const struct http_request *req,
		  struct http_response *resp)
{
	struct events *ev = d->events;
	if (!ev || d->stopping) {
		http_respond_error(resp, 503, "unavailable", "trexd is stopping");
		return;
	}
	struct events_sub *s = trex_calloc(1, sizeof(*s));
	if (!s) {
		http_respond_error(resp, 503, "internal", "out of memory");
		return;
	}
	s->d = d;
	s->uid = req->uid;
	snprintf(s->peer, sizeof(s->peer), "%s", req->user ? req->user : "");
	if (events_query(req, s, resp) < 0)
		goto refuse;
	if (s->job[0]) {
		/* the same 404 whether the job does not exist or is not theirs */
		struct job_row row;
		struct trex_err err = { 0 };
		int r = store_get_job(d->store, s->job, &row, &err);
		int visible = r == 0 && roles_may_see(d, c, &row);
		if (r == 0)
			store_job_free(&row);
		if (r < 0 && r != -ENOENT) {
			http_respond_error(resp, 500, "internal", "%s", err.msg);
			goto refuse;
		}
		if (!visible) {
			http_respond_error(resp, 404, "not_found", "no job %s", s->job);
			goto refuse;
		}
	}
	if (req->last_event_id) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(req->last_event_id, &end, 10);
		/* an id that cannot be ours gets the reset event */
		s->resume = 1;
		s->last_id = errno || end == req->last_event_id || *end ? UINT64_MAX : v;
	}
	if (ev->n_subs >= (size_t)d->cfg->events_max_subscribers) {
		trex_log(TREX_LOG_WARN, "events_refused", "uid=%u streams=%zu limit=%d",
			 (unsigned)req->uid, ev->n_subs, d->cfg->events_max_subscribers);
		http_respond_error(resp, 503, "too_many_subscribers",
				   "%d event streams are open, the most this trexd serves: retry later",
				   d->cfg->events_max_subscribers);
		goto refuse;
	}
	resp->status = 200;
	resp->content_type = "text/event-stream";
	resp->stream_open = events_open;
	resp->stream_closed = events_closed;
	resp->stream_arg = s;
	resp->stream_max_queued = d->cfg->events_queue;
	return;
refuse:
	trex_free(s);
}
