/* The review page's listener: sign-in links, sessions, CSRF checks and the
 * routes, each answered by the API's own code (queue_serve, review_decide,
 * review_held_file, jobdoc) with the session's user as the caller, then
 * rendered by webpage.c. Sessions live in trexd's memory only: a restart
 * signs everyone out. */
#include "web.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "alloc.h"
#include "api.h"
#include "beneath.h"
#include "buf.h"
#include "config.h"
#include "http_query.h"
#include "jobdoc.h"
#include "logs.h"
#include "log.h"
#include "manifest.h"
#include "queue.h"
#include "view.h"
#include "webform.h"
#include "webpage.h"

struct web_session {
	char sid[65];    /* 256 random bits, hex; "" = free slot */
	char csrf[65];   /* HMAC(secret, sid, uid, name), hex */
	uid_t uid;
	char name[64];
	uint64_t created, used;
};

struct web_token {
	char token[65];
	uid_t uid;
	char name[64];
	uint64_t expires;
};

struct web {
	struct http_server *srv;
	char bound[80];      /* "IP:PORT": the only Host the listener answers */
	char origin[96];     /* "http://IP:PORT" */
	unsigned char secret[32];
	struct web_session sessions[WEB_SESSIONS];
	struct web_token tokens[WEB_TOKENS];
};

/* Every page's answer headers: no script, no framing, no referrer, no
 * sniffing, no caching (http.c adds Cache-Control: no-store). */
#define WEB_HEADERS                                                                          \
	"Content-Security-Policy: default-src 'none'; style-src 'self'; script-src 'self'; "  \
	"img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"     \
	"X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n"                \
	"X-Frame-Options: DENY\r\nCross-Origin-Opener-Policy: same-origin\r\n"               \
	"Cross-Origin-Resource-Policy: same-origin\r\n"

#define WEB_COOKIE "trex_review"

static int web_random_hex(char out[65])
{
	unsigned char rnd[32];
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(out + 2 * i, 3, "%02x", rnd[i]);
	explicit_bzero(rnd, sizeof(rnd));
	return 0;
}

/* Constant-time equality of two 64-hex-digit strings. */
static int web_same(const char *a, const char *b)
{
	return strlen(a) == 64 && strlen(b) == 64 && CRYPTO_memcmp(a, b, 64) == 0;
}

/* The CSRF token of a session: bound to its id and to the user it signed
 * in, so it is worth nothing outside that session. */
static int web_csrf(const struct web *w, const struct web_session *s, char out[65])
{
	char msg[200];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int n = snprintf(msg, sizeof(msg), "trex-review-csrf\n%s\n%u\n%s", s->sid,
			 (unsigned)s->uid, s->name);
	if (!HMAC(EVP_sha256(), w->secret, sizeof(w->secret), (unsigned char *)msg, (size_t)n,
		  mac, &len) || len != 32)
		return -EIO;
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

/* 0 once the line is in the audit log (a link or a session is given only
 * then), else -EIO (logged). */
static int web_audit(struct trexd *d, const char *event, const char *code, uid_t uid,
		     const char *name)
{
	json_t *f = json_pack("{s:s,s:I,s:s}", "code", code, "uid",
			      uid == (uid_t)-1 ? (json_int_t)-1 : (json_int_t)uid, "user",
			      name ? name : "");
	struct trex_err err = { 0 };
	int r = 0;
	if (!f || alog_event(d, event, f, &err) < 0) {
		trex_log(TREX_LOG_ERROR, "audit_failed", "event=%s", event);
		r = -EIO;
	}
	json_decref(f);
	return r;
}

int web_listen(struct trexd *d, const char *addr, char *bound, size_t bound_len,
	       struct trex_err *err)
{
	struct sockaddr_storage ss;
	int r = config_tls_addr(addr, &ss, err);
	if (r < 0)
		return r;
	struct web *w = trex_calloc(1, sizeof(*w));
	if (!w)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	if (getrandom(w->secret, sizeof(w->secret), 0) != sizeof(w->secret)) {
		trex_free(w);
		return trex_err_setx(err, -EIO, "no randomness for the review page's key");
	}
	/* forms and sign-in links are small: 64 KiB bodies at most */
	r = http_listen_tcp(d->loop, (struct sockaddr *)&ss, 64 * 1024, web_handle, d, &w->srv,
			    w->bound, sizeof(w->bound), err);
	if (r < 0) {
		explicit_bzero(w->secret, sizeof(w->secret));
		trex_free(w);
		return r;
	}
	http_set_timeouts(w->srv, (uint64_t)d->cfg->request_timeout_ms,
			  (uint64_t)d->cfg->idle_timeout_ms);
	snprintf(w->origin, sizeof(w->origin), "http://%s", w->bound);
	snprintf(bound, bound_len, "%s", w->bound);
	d->web = w;
	return 0;
}

void web_close(struct trexd *d)
{
	if (d->web && d->web->srv) {
		http_close(d->web->srv);
		d->web->srv = NULL;
	}
}

void web_free(struct trexd *d)
{
	if (!d->web)
		return;
	explicit_bzero(d->web, sizeof(*d->web));
	trex_free(d->web);
	d->web = NULL;
}

void web_login_link(struct trexd *d, const struct caller *c, struct http_response *resp)
{
	if (roles_require(d, c, ROLE_CHECKER, "signing in to the review page", resp) < 0)
		return;
	struct web *w = d->web;
	if (!w) {
		http_respond_error(resp, 409, "not_configured",
				   "this trexd has no review page (config review_listen)");
		return;
	}
	uint64_t now = uv_now(d->loop);
	struct web_token *t = &w->tokens[0];
	for (size_t i = 0; i < WEB_TOKENS; i++) {
		if (w->tokens[i].expires <= now) {
			t = &w->tokens[i];
			break;
		}
		if (w->tokens[i].expires < t->expires)
			t = &w->tokens[i];
	}
	if (web_random_hex(t->token) < 0) {
		t->expires = 0;
		http_respond_error(resp, 500, "internal", "no randomness for a sign-in link");
		return;
	}
	t->uid = c->uid;
	snprintf(t->name, sizeof(t->name), "%s", c->name ? c->name : "");
	t->expires = now + WEB_TOKEN_MS;
	if (web_audit(d, "review_web_link", "issued", c->uid, c->name) < 0) {
		explicit_bzero(t, sizeof(*t));
		http_respond_error(resp, 500, "internal", "the sign-in link could not be audited");
		return;
	}
	char url[256];
	snprintf(url, sizeof(url), "%s/review/login?token=%s", w->origin, t->token);
	json_t *j = json_pack("{s:s,s:i}", "url", url, "expires_in", WEB_TOKEN_MS / 1000);
	http_respond_json(resp, 200, j);
	json_decref(j);
}

/* The answer: an HTML body (taken over) and the page headers plus
 * `extra` (header lines, or ""). */
static void web_answer(struct http_response *resp, int status, struct trex_buf *b,
		       const char *extra)
{
	trex_free(resp->body);
	trex_free(resp->headers);
	size_t xl = strlen(extra);
	resp->headers = trex_malloc(sizeof(WEB_HEADERS) + xl);
	if (resp->headers) {
		memcpy(resp->headers, WEB_HEADERS, sizeof(WEB_HEADERS) - 1);
		memcpy(resp->headers + sizeof(WEB_HEADERS) - 1, extra, xl + 1);
	}
	resp->body = trex_buf_steal(b, &resp->len);
	if (!resp->headers || (!resp->body && b)) {
		trex_free(resp->body);
		trex_free(resp->headers);
		resp->body = resp->headers = NULL;
		resp->len = 0;
		http_respond_error(resp, 500, "internal", "out of memory");
		return;
	}
	resp->status = status;
	resp->content_type = "text/html; charset=utf-8";
}

static void web_message(struct http_response *resp, int status, const char *title,
			const char *user, const char *csrf, const char *text, const char *link,
			const char *link_text)
{
	struct trex_buf b;
	trex_buf_init(&b, 0);
	if (webpage_message(&b, title, user, csrf, text, link, link_text) < 0)
		trex_buf_reset(&b);
	web_answer(resp, status, &b, "");
	trex_buf_free(&b);
}

/* A page built into b (r its builder's answer): sent, or 500 when it ran
 * out of memory; b is freed either way. */
static void web_page_done(struct http_response *resp, const struct web_session *s,
			  struct trex_buf *b, int r)
{
	if (r < 0)
		web_message(resp, 500, "Internal error", s->name, s->csrf, "out of memory", NULL, NULL);
	else
		web_answer(resp, 200, b, "");
	trex_buf_free(b);
}

/* A refusal in the API's words (an error answer's message) as a page. */
static void web_api_error(struct http_response *resp, struct http_response *api,
			  const char *user, const char *csrf)
{
	json_t *j = api->body ? json_loadb(api->body, api->len, 0, NULL) : NULL;
	const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
	char text[600];
	snprintf(text, sizeof(text), "%s", msg ? msg : "trexd could not answer");
	int status = api->status ? api->status : 500;
	json_decref(j);
	trex_free(api->body);
	api->body = NULL;
	web_message(resp, status, http_status_text(status), user, csrf, text, "/review",
		    "back to the queue");
}

/* The session the request's cookie names, or NULL. */
static struct web_session *web_session_of(struct trexd *d, const struct http_request *req)
{
	struct web *w = d->web;
	char sid[65];
	if (!req->cookie || webform_cookie(req->cookie, WEB_COOKIE, 64, sid) != 1)
		return NULL;
	uint64_t now = uv_now(d->loop);
	for (size_t i = 0; i < WEB_SESSIONS; i++) {
		struct web_session *s = &w->sessions[i];
		if (!s->sid[0] || !web_same(s->sid, sid))
			continue;
		if (now - s->used > WEB_IDLE_MS || now - s->created > WEB_MAX_MS) {
			explicit_bzero(s, sizeof(*s));
			return NULL;
		}
		s->used = now;
		return s;
	}
	return NULL;
}

/* GET /review/login?token=T: the link's token, once, for a session. */
static void web_login(struct trexd *d, const struct http_request *req, struct http_response *resp)
{
	struct web *w = d->web;
	char tok[80];
	struct trex_err err = { 0 };
	/* a link followed from another site is refused: someone else's
	 * link could sign the user in as someone else */
	if (req->sec_fetch_site && strcmp(req->sec_fetch_site, "none") != 0 &&
	    strcmp(req->sec_fetch_site, "same-origin") != 0) {
		web_audit(d, "review_web_refused", "cross_site_login", (uid_t)-1, NULL);
		web_message(resp, 403, "Forbidden", NULL, NULL,
			    "a sign-in link works only when opened directly (paste it into the address bar)",
			    NULL, NULL);
		return;
	}
	uint64_t now = uv_now(d->loop);
	struct web_token *t = NULL;
	if (http_query_get(req, "token", tok, sizeof(tok), &err) == 1)
		for (size_t i = 0; i < WEB_TOKENS; i++)
			if (w->tokens[i].expires > now && web_same(w->tokens[i].token, tok))
				t = &w->tokens[i];
	if (!t) {
		web_audit(d, "review_web_refused", "bad_link", (uid_t)-1, NULL);
		web_message(resp, 403, "Forbidden", NULL, NULL,
			    "this sign-in link is not valid (used already, expired, or trexd restarted): run trex review web for a new one",
			    NULL, NULL);
		return;
	}
	struct web_session *s = &w->sessions[0];
	for (size_t i = 0; i < WEB_SESSIONS; i++) {
		struct web_session *x = &w->sessions[i];
		int dead = !x->sid[0] || now - x->used > WEB_IDLE_MS || now - x->created > WEB_MAX_MS;
		if (dead) {
			s = x;
			break;
		}
		if (x->used < s->used)
			s = x;
	}
	explicit_bzero(s, sizeof(*s));
	s->uid = t->uid;
	memcpy(s->name, t->name, sizeof(s->name));
	s->created = s->used = now;
	explicit_bzero(t, sizeof(*t)); /* once */
	if (web_random_hex(s->sid) < 0 || web_csrf(w, s, s->csrf) < 0) {
		explicit_bzero(s, sizeof(*s));
		web_message(resp, 500, "Internal error", NULL, NULL, "no randomness for a session",
			    NULL, NULL);
		return;
	}
	if (web_audit(d, "review_web_login", "session", s->uid, s->name) < 0) {
		explicit_bzero(s, sizeof(*s));
		web_message(resp, 500, "Internal error", NULL, NULL,
			    "the sign-in could not be audited", NULL, NULL);
		return;
	}
	char extra[256];
	snprintf(extra, sizeof(extra),
		 "Set-Cookie: " WEB_COOKIE "=%s; Path=/review; HttpOnly; SameSite=Strict; Max-Age=%d\r\n"
		 "Location: /review\r\n",
		 s->sid, WEB_MAX_MS / 1000);
	struct trex_buf b;
	trex_buf_init(&b, 0);
	if (webpage_message(&b, "Signed in", s->name, s->csrf, "signed in", "/review",
			    "the review queue") < 0)
		trex_buf_reset(&b);
	web_answer(resp, 303, &b, extra);
	trex_buf_free(&b);
	explicit_bzero(extra, sizeof(extra));
}

/* The checks of a state-changing request: same origin (Origin and
 * Sec-Fetch-Site, when the browser sends them), a form, and the
 * session's CSRF token in it. 0, or -EACCES after answering. */
static int web_post_ok(struct trexd *d, const struct http_request *req,
		       const struct web_session *s, const char *csrf, struct http_response *resp)
{
	const char *why = NULL;
	/* under Referrer-Policy: no-referrer a browser sends "Origin: null"
	 * with the page's own forms; Sec-Fetch-Site, which no page can set,
	 * then says whether the form was ours */
	int null_origin = req->origin && strcmp(req->origin, "null") == 0 &&
			  req->sec_fetch_site && strcmp(req->sec_fetch_site, "same-origin") == 0;
	if (req->origin && !null_origin && strcmp(req->origin, d->web->origin) != 0)
		why = "cross_origin";
	else if (req->sec_fetch_site && strcmp(req->sec_fetch_site, "same-origin") != 0)
		why = "cross_site";
	else if (!req->content_type ||
		 strncmp(req->content_type, "application/x-www-form-urlencoded", 33) != 0)
		why = "not_a_form";
	else if (!csrf || !web_same(csrf, s->csrf))
		why = "csrf";
	if (!why)
		return 0;
	web_audit(d, "review_web_refused", why, s->uid, s->name);
	web_message(resp, 403, "Forbidden", s->name, s->csrf,
		    "this request did not come from the review page (its form token or origin is wrong): reload the page and try again",
		    "/review", "back to the queue");
	return -EACCES;
}

/* The caller a session is under the configuration now (roles may have
 * changed since sign-in: SIGHUP), who must be a checker. */
static int web_caller(struct trexd *d, struct web_session *s, struct caller *c,
		      struct http_response *resp)
{
	struct http_response api = { 0 };
	if (roles_lookup(d, s->uid, s->name, c) < 0) {
		web_audit(d, "review_web_refused", "unknown_user", s->uid, s->name);
		explicit_bzero(s, sizeof(*s));
		web_message(resp, 403, "Forbidden", NULL, NULL, "you are no longer a user of this trexd",
			    NULL, NULL);
		return -EACCES;
	}
	if (roles_require(d, c, ROLE_CHECKER, "the review page", &api) < 0) {
		web_api_error(resp, &api, s->name, s->csrf);
		return -EACCES;
	}
	return 0;
}

/* The job as the page may show it: the caller may see it, it is not
 * theirs, and they see it whole (view.c: not a researcher of its
 * project). Its document at that level into *doc. */
static int web_job(struct trexd *d, const struct caller *c, struct web_session *s,
		   const char *id, json_t **doc, struct http_response *resp)
{
	struct http_response api = { 0 };
	struct job_row row;
	if (roles_load_job(d, c, id, &row, &api) < 0) {
		web_api_error(resp, &api, s->name, s->csrf);
		return -ENOENT;
	}
	enum view_level level = view_level(c, &row);
	int r = 0;
	if (!view_review_page(level)) {
		json_t *f = json_pack("{s:s,s:s,s:s,s:I,s:s}", "job", row.id, "project",
				      row.project, "action", "review page", "uid",
				      (json_int_t)c->uid, "user", c->name);
		struct trex_err err = { 0 };
		if (f)
			alog_event(d, "authz_failure", f, &err);
		json_decref(f);
		web_message(resp, 403, "Forbidden", s->name, s->csrf,
			    "you do research in this job's project: its review page is for other checkers",
			    "/review", "back to the queue");
		r = -EACCES;
	} else if (review_not_own(d, c, &row, "review", &api) < 0) {
		web_api_error(resp, &api, s->name, s->csrf);
		r = -EACCES;
	}
	store_job_free(&row);
	if (r < 0)
		return r;
	const struct jobdoc *jd;
	const struct jobdoc_view *v;
	struct trex_err err = { 0 };
	if (jobdoc_get(d->docs, d->store, id, &jd, &err) < 0) {
		web_message(resp, 500, "Internal error", s->name, s->csrf, "the job cannot be read",
			    NULL, NULL);
		return -EIO;
	}
	r = jobdoc_view(d->docs, d->store, jd, level, &v, &err);
	*doc = NULL;
	if (r == 0) {
		/* the cached body lacks its closing brace (jobdoc.h) */
		char *text = trex_malloc(v->len + 2);
		if (text) {
			memcpy(text, v->body, v->len);
			memcpy(text + v->len, "}", 2);
			*doc = json_loadb(text, v->len + 1, 0, NULL);
			trex_free(text);
		}
	}
	jobdoc_done(d->docs, jd);
	if (!*doc) {
		web_message(resp, 500, "Internal error", s->name, s->csrf, "the job cannot be read",
			    NULL, NULL);
		return -EIO;
	}
	return 0;
}

/* A file of the bundle (its names are the researcher's): opened beneath
 * the folder without following any link, a regular file of at most max
 * bytes, read whole. */
static int web_read_code(int dir, const char *name, size_t max, char **out, size_t *len)
{
	int fd = trex_open_beneath(dir, name, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0)
		return fd;
	struct stat st;
	int r = 0;
	char *buf = NULL;
	size_t got = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		r = -EINVAL;
	else if (!(buf = trex_malloc((size_t)st.st_size + 1)))
		r = -ENOMEM;
	while (r == 0 && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* it shrank: what was there */
		got += (size_t)n;
	}
	close(fd);
	if (r < 0) {
		trex_free(buf);
		return r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* The job's code from its bundle (STATE/jobs/<id>/code): what the
 * researcher submitted, before any data; each file as text up to 64 KiB,
 * 1 MiB in all. */
static json_t *web_code(struct trexd *d, const char *id, const json_t *files)
{
	json_t *out = json_array();
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/jobs/%s/code", d->cfg->state_dir, id);
	int dir = open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	size_t total = 0;
	const char *name;
	json_t *f;
	json_object_foreach((json_t *)files, name, f) {
		json_int_t size = json_integer_value(json_object_get(f, "size"));
		json_t *e = json_pack("{s:s,s:I}", "name", name, "size", size);
		char *data = NULL;
		size_t len = 0;
		const char *omit = NULL;
		if (size > 64 * 1024 || total + (size_t)size > (1u << 20))
			omit = "too large for the page";
		else if (dir < 0 || web_read_code(dir, name, 64 * 1024, &data, &len) < 0)
			omit = "cannot be read";
		else if (memchr(data, '\0', len))
			omit = "not text";
		if (omit)
			json_object_set_new(e, "omitted", json_string(omit));
		else
			json_object_set_new(e, "text", json_stringn_nocheck(data, len));
		total += len;
		trex_free(data);
		json_array_append_new(out, e);
	}
	if (dir >= 0)
		close(dir);
	return out;
}

/* GET /review/JOB/NAME */
static void web_output_page(struct trexd *d, struct web_session *s, const struct caller *c,
			    const char *id, const char *name, struct http_response *resp)
{
	json_t *doc = NULL;
	if (web_job(d, c, s, id, &doc, resp) < 0)
		return;
	const json_t *o = NULL, *x;
	size_t i;
	json_array_foreach(json_object_get(doc, "outputs"), i, x)
		if (strcmp(json_string_value(json_object_get(x, "name")), name) == 0)
			o = x;
	if (!o) {
		json_decref(doc);
		web_message(resp, 404, "Not found", s->name, s->csrf,
			    "the job has no such output (or it has not been checked yet)", "/review",
			    "back to the queue");
		return;
	}
	const char *kind = json_string_value(json_object_get(o, "kind"));
	int held = strcmp(json_string_value(json_object_get(o, "verdict")), "review") == 0 &&
		   !json_is_true(json_object_get(o, "released"));
	int tabular = kind && strcmp(kind, "figure") != 0 && strcmp(kind, "text") != 0;
	struct http_response held_bytes = { 0 };
	if (held && tabular) {
		/* the API's held-file route: its checks and its audit line */
		review_held_file(d, c, id, name, &held_bytes);
		if (held_bytes.status != 200) {
			json_decref(doc);
			web_api_error(resp, &held_bytes, s->name, s->csrf);
			return;
		}
	}
	json_t *code = web_code(d, id, json_object_get(doc, "files"));
	struct webpage_output in = {
		.job = doc, .name = name, .csv = held_bytes.body, .csv_len = held_bytes.len,
		.code = code, .me = s->name, .csrf = s->csrf,
	};
	struct trex_buf b;
	trex_buf_init(&b, 0);
	int r = webpage_output(&b, &in);
	trex_free(held_bytes.body);
	json_decref(code);
	json_decref(doc);
	web_page_done(resp, s, &b, r);
}

/* GET /review/logs/JOB/{stdout|stderr} */
static void web_log_page(struct trexd *d, struct web_session *s, const struct caller *c,
			 const char *id, const char *log, struct http_response *resp)
{
	json_t *doc = NULL;
	if (web_job(d, c, s, id, &doc, resp) < 0)
		return;
	const char *state = logs_job_ended(json_string_value(json_object_get(doc, "state")))
				    ? logs_state(d->store, id, log)
				    : "not ended";
	struct http_response bytes = { 0 };
	if (strcmp(state, "held") == 0) {
		/* the API's log route: its checks and its audit line */
		logs_get(d, c, id, log, &bytes);
		if (bytes.status != 200) {
			json_decref(doc);
			web_api_error(resp, &bytes, s->name, s->csrf);
			return;
		}
	}
	struct trex_buf b;
	trex_buf_init(&b, 0);
	int r = webpage_log(&b, doc, log, state, bytes.status == 200 ? bytes.body : NULL, bytes.len,
			    s->name, s->csrf);
	trex_free(bytes.body);
	json_decref(doc);
	web_page_done(resp, s, &b, r);
}

/* POST /review/JOB/NAME (an output) or /review/logs/JOB/LOG (is_log):
 * csrf, decision, reason. */
static void web_decide(struct trexd *d, struct web_session *s, const struct caller *c,
		       const char *id, const char *name, int is_log, const struct http_request *req,
		       struct http_response *resp)
{
	char csrf[80], decision[16], reason[2048];
	static const char *const names[] = { "csrf", "decision", "reason" };
	char *vals[] = { csrf, decision, reason };
	static const size_t sizes[] = { sizeof(csrf), sizeof(decision), sizeof(reason) };
	int fr = webform_fields(req->body, req->body_len, names, vals, sizes, 3);
	if (web_post_ok(d, req, s, fr == 0 ? csrf : NULL, resp) < 0)
		return;
	size_t lead = strspn(reason, " \t\r\n");
	if (fr < 0 || (strcmp(decision, "release") != 0 && strcmp(decision, "reject") != 0)) {
		web_message(resp, 400, "Bad request", s->name, s->csrf,
			    "the form must carry a decision (release or reject) and a reason of at most 2000 characters",
			    "/review", "back to the queue");
		return;
	}
	if (!reason[lead]) {
		web_message(resp, 400, "A reason is required", s->name, s->csrf,
			    "every decision needs a reason: it goes into the audit log", "/review",
			    "back to the queue");
		return;
	}
	json_t *doc = NULL;
	if (web_job(d, c, s, id, &doc, resp) < 0)
		return;
	json_decref(doc);
	/* the API's own review: roles, own job, two-checker rule, audit */
	json_t *body = json_pack("{s:s,s:s,s:s}", is_log ? "log" : "name", name, "decision",
				 decision, "reason", reason + lead);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (!text) {
		web_message(resp, 500, "Internal error", s->name, s->csrf, "out of memory", NULL, NULL);
		return;
	}
	struct http_request api_req = *req;
	api_req.method = "POST";
	api_req.body = text;
	api_req.body_len = strlen(text);
	struct http_response api = { 0 };
	review_decide(d, c, id, &api_req, &api);
	free(text); /* jansson's */
	if (api.status != 200) {
		web_api_error(resp, &api, s->name, s->csrf);
		return;
	}
	json_t *ans = json_loadb(api.body, api.len, 0, NULL);
	int released = json_is_true(json_object_get(ans, "released"));
	json_decref(ans);
	trex_free(api.body);
	struct job_row row;
	struct trex_err err = { 0 };
	char msg[400];
	const char *state = store_get_job(d->store, id, &row, &err) == 0 ? row.state : "unknown";
	snprintf(msg, sizeof(msg), "%s: %s. Job %s is now %s.", name,
		 strcmp(decision, "reject") == 0 ? "rejected"
		 : released                      ? "released"
						 : "your release is recorded; a second checker must also release it",
		 id, state);
	if (strcmp(state, "unknown") != 0)
		store_job_free(&row);
	web_message(resp, 200, "Decision recorded", s->name, s->csrf, msg, "/review",
		    "back to the queue");
}

/* /review/JOB/NAME into id and name (NAME percent-decoded, a manifest
 * path); -1 when it is not one. */
static int web_parse_item(const char *rest, char id[STORE_ID_MAX], char *name, size_t name_sz)
{
	const char *slash = strchr(rest, '/');
	size_t idlen = slash ? (size_t)(slash - rest) : 0;
	size_t bad;
	if (!slash || idlen == 0 || idlen >= STORE_ID_MAX ||
	    strspn(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != idlen)
		return -1;
	memcpy(id, rest, idlen);
	id[idlen] = '\0';
	if (http_pct_decode(slash + 1, strlen(slash + 1), 0, name, name_sz, &bad) < 0 ||
	    !manifest_path_ok(name, strlen(name)))
		return -1;
	return 0;
}

static void web_route(struct trexd *d, const struct http_request *req, struct http_response *resp)
{
	struct web *w = d->web;
	int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
	/* only the name the link gave: another name pointing at this
	 * address (DNS rebinding) is another origin's page */
	if (!req->host || strcmp(req->host, w->bound) != 0) {
		web_message(resp, 421, "Misdirected request", NULL, NULL,
			    "open the review page at the address trex review web printed", NULL, NULL);
		return;
	}
	if (strcmp(req->path, "/review/static/review.css") == 0 && get) {
		struct trex_buf b;
		trex_buf_init(&b, 0);
		if (trex_buf_append(&b, webpage_css, strlen(webpage_css)) < 0)
			trex_buf_reset(&b);
		web_answer(resp, 200, &b, "");
		resp->content_type = "text/css; charset=utf-8";
		trex_buf_free(&b);
		return;
	}
	if (strcmp(req->path, "/review/login") == 0 && get) {
		web_login(d, req, resp);
		return;
	}
	if (strcmp(req->path, "/review") != 0 && strcmp(req->path, "/review/logout") != 0 &&
	    strncmp(req->path, "/review/", 8) != 0) {
		web_message(resp, 404, "Not found", NULL, NULL, "no such page", "/review", "the review queue");
		return;
	}
	if (!get && !post) {
		web_message(resp, 405, "Method not allowed", NULL, NULL, "GET or POST only", NULL, NULL);
		return;
	}
	struct web_session *s = web_session_of(d, req);
	if (!s) {
		web_audit(d, "review_web_refused", "no_session", (uid_t)-1, NULL);
		web_message(resp, 403, "Sign in", NULL, NULL,
			    "you are not signed in: run trex review web and open the link it prints",
			    NULL, NULL);
		return;
	}
	struct caller c;
	if (web_caller(d, s, &c, resp) < 0)
		return;
	if (strcmp(req->path, "/review/logout") == 0) {
		char csrf[80];
		static const char *const names[] = { "csrf" };
		char *vals[] = { csrf };
		static const size_t sizes[] = { sizeof(csrf) };
		int fr = webform_fields(req->body, req->body_len, names, vals, sizes, 1);
		if (!post || web_post_ok(d, req, s, fr == 0 ? csrf : NULL, resp) < 0) {
			if (!post)
				web_message(resp, 405, "Method not allowed", s->name, s->csrf,
					    "sign out with the button", "/review", "back");
			return;
		}
		web_audit(d, "review_web_logout", "session", s->uid, s->name);
		explicit_bzero(s, sizeof(*s));
		struct trex_buf b;
		trex_buf_init(&b, 0);
		if (webpage_message(&b, "Signed out", NULL, NULL, "signed out", NULL, NULL) < 0)
			trex_buf_reset(&b);
		web_answer(resp, 200, &b,
			   "Set-Cookie: " WEB_COOKIE "=; Path=/review; HttpOnly; SameSite=Strict; Max-Age=0\r\n");
		trex_buf_free(&b);
		return;
	}
	if (strcmp(req->path, "/review") == 0) {
		if (!get) {
			web_message(resp, 405, "Method not allowed", s->name, s->csrf, "GET only",
				    "/review", "the review queue");
			return;
		}
		struct http_response api = { 0 };
		queue_serve(d, &c, &api);
		if (api.status != 200) {
			web_api_error(resp, &api, s->name, s->csrf);
			return;
		}
		json_t *q = json_loadb(api.body, api.len, 0, NULL);
		trex_free(api.body);
		/* (GET /v1/review already left out the projects the user does
		 * research in: review_independent) */
		struct trex_buf b;
		trex_buf_init(&b, 0);
		if (!q || webpage_queue(&b, q, s->name, s->csrf) < 0) {
			json_decref(q);
			trex_buf_free(&b);
			web_message(resp, 500, "Internal error", s->name, s->csrf, "out of memory", NULL, NULL);
			return;
		}
		json_decref(q);
		web_answer(resp, 200, &b, "");
		trex_buf_free(&b);
		return;
	}
	char id[STORE_ID_MAX], name[1025];
	/* a held log: /review/logs/JOB/stdout (no job id is "logs") */
	if (strncmp(req->path, "/review/logs/", 13) == 0) {
		if (web_parse_item(req->path + 13, id, name, sizeof(name)) < 0 ||
		    (strcmp(name, "stdout") != 0 && strcmp(name, "stderr") != 0)) {
			web_message(resp, 404, "Not found", s->name, s->csrf, "no such page", "/review",
				    "the review queue");
			return;
		}
		if (get)
			web_log_page(d, s, &c, id, name, resp);
		else
			web_decide(d, s, &c, id, name, 1, req, resp);
		return;
	}
	if (web_parse_item(req->path + 8, id, name, sizeof(name)) < 0) {
		web_message(resp, 404, "Not found", s->name, s->csrf, "no such page", "/review",
			    "the review queue");
		return;
	}
	if (get)
		web_output_page(d, s, &c, id, name, resp);
	else
		web_decide(d, s, &c, id, name, 0, req, resp);
}

void web_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct trexd *d = ctx;
	uint64_t t0 = uv_hrtime();
	web_route(d, req, resp);
	/* counted as one route: the page's paths carry job ids and names */
	api_answered(API_REVIEW_PAGE, req->method, resp->status, (uid_t)-1, NULL, t0);
}
