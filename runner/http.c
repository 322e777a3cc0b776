/* HTTP/1.1 on a unix socket. Each connection owns an llhttp parser and
 * bounded buffers; a request that breaks a bound gets a JSON error and the
 * connection is closed after the answer, without disturbing other clients. */
#include "http.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llhttp.h>

#include "alloc.h"
#include "buf.h"
#include "cleanup.h"
#include "log.h"

struct http_conn;

struct http_server {
	uv_pipe_t pipe; /* first: the handle's memory is the server's */
	uv_loop_t *loop;
	size_t max_body;
	http_handler handler;
	void *ctx;
	llhttp_settings_t settings;
	struct http_conn *conns;
	size_t n_conns;
	int closing;
	int pipe_open;
	uv_timer_t sweep; /* closes idle connections */
	int sweep_open;
};

struct http_conn {
	uv_pipe_t pipe; /* first: freed in its close callback */
	struct http_server *srv;
	struct http_conn *next, *prev;
	llhttp_t parser;
	struct trex_buf url;
	struct trex_buf body;
	char field[32];   /* current header name, enough to spot Expect */
	size_t field_len;
	int field_done;
	int expect_continue;
	size_t head_bytes;
	int err_status;   /* set by a callback that refused the request */
	const char *err_code;
	const char *err_msg;
	int closing;      /* answer pending writes, then close */
	int closed;
	uint64_t last_active; /* uv_now() of the last byte read or written */
	uid_t uid;
	char user[64];
};

struct http_write {
	uv_write_t req;
	struct http_conn *conn;
	char *data;
	int close_after;
};

const char *http_status_text(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return "Unknown";
	}
}

void http_respond_json(struct http_response *resp, int status, json_t *j)
{
	trex_free(resp->body);
	resp->status = status;
	resp->content_type = "application/json";
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!s) {
		resp->status = 500;
		resp->body = trex_strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
		resp->len = resp->body ? strlen(resp->body) : 0;
		return;
	}
	size_t n = strlen(s);
	resp->body = trex_malloc(n + 2);
	if (resp->body) {
		memcpy(resp->body, s, n);
		resp->body[n] = '\n';
		resp->body[n + 1] = '\0';
		resp->len = n + 1;
	}
	free(s);
}

void http_respond_error(struct http_response *resp, int status, const char *code,
			const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	http_respond_json(resp, status, j);
	json_decref(j);
}

static void http_server_maybe_free(struct http_server *srv)
{
	if (srv->closing && srv->n_conns == 0 && !srv->pipe_open && !srv->sweep_open)
		trex_free(srv);
}

static void http_conn_closed(uv_handle_t *h)
{
	struct http_conn *c = (struct http_conn *)h;
	struct http_server *srv = c->srv;
	trex_buf_free(&c->url);
	trex_buf_free(&c->body);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_conns--;
	trex_free(c);
	http_server_maybe_free(srv);
}

static void http_conn_close(struct http_conn *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	uv_close((uv_handle_t *)&c->pipe, http_conn_closed);
}

static void http_write_done(uv_write_t *req, int status)
{
	struct http_write *w = (struct http_write *)req;
	w->conn->last_active = uv_now(w->conn->srv->loop);
	if (status < 0 || w->close_after)
		http_conn_close(w->conn);
	trex_free(w->data);
	trex_free(w);
}

/* Queue raw bytes (data is taken over). */
static void http_write_raw(struct http_conn *c, char *data, size_t len, int close_after)
{
	struct http_write *w = trex_calloc(1, sizeof(*w));
	if (!w) {
		trex_free(data);
		http_conn_close(c);
		return;
	}
	w->conn = c;
	w->data = data;
	w->close_after = close_after;
	uv_buf_t b = uv_buf_init(data, (unsigned int)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->pipe, &b, 1, http_write_done) < 0) {
		trex_free(w->data);
		trex_free(w);
		http_conn_close(c);
		return;
	}
	/* a client that pipelines requests without reading the answers
	 * would make trexd buffer without end */
	if (c->pipe.write_queue_size > HTTP_MAX_QUEUED) {
		trex_log(TREX_LOG_WARN, "http_slow_reader", "uid=%u", (unsigned)c->uid);
		c->closing = 1;
		uv_read_stop((uv_stream_t *)&c->pipe);
		http_conn_close(c);
	}
}

static void http_send(struct http_conn *c, struct http_response *r, int close_after)
{
	if (c->closed) {
		trex_free(r->body);
		return;
	}
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n%s\r\n",
			 r->status, http_status_text(r->status),
			 r->content_type ? r->content_type : "application/json", r->len,
			 close_after ? "Connection: close\r\n" : "");
	char *data = trex_malloc((size_t)n + r->len + 1);
	if (!data) {
		trex_free(r->body);
		http_conn_close(c);
		return;
	}
	memcpy(data, head, (size_t)n);
	if (r->len)
		memcpy(data + n, r->body, r->len);
	trex_free(r->body);
	r->body = NULL;
	http_write_raw(c, data, (size_t)n + r->len, close_after);
}

static int http_refuse(struct http_conn *c, int status, const char *code, const char *msg)
{
	if (!c->err_status) {
		c->err_status = status;
		c->err_code = code;
		c->err_msg = msg;
	}
	return -1;
}

static struct http_conn *http_conn_of(llhttp_t *p)
{
	return (struct http_conn *)((char *)p - offsetof(struct http_conn, parser));
}

static int http_count_head(struct http_conn *c, size_t len)
{
	c->head_bytes += len;
	if (c->head_bytes > HTTP_MAX_HEAD)
		return http_refuse(c, 431, "bad_request", "request line and headers exceed 32 KiB");
	return 0;
}

static int http_on_message_begin(llhttp_t *p)
{
	struct http_conn *c = http_conn_of(p);
	trex_buf_reset(&c->url);
	trex_buf_reset(&c->body);
	c->head_bytes = 0;
	c->field_len = 0;
	c->field_done = 0;
	c->expect_continue = 0;
	return 0;
}

static int http_on_url(llhttp_t *p, const char *at, size_t len)
{
	struct http_conn *c = http_conn_of(p);
	if (http_count_head(c, len) < 0 || trex_buf_append(&c->url, at, len) < 0)
		return http_refuse(c, 431, "bad_request", "request line too long");
	return 0;
}

static int http_on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct http_conn *c = http_conn_of(p);
	if (c->field_done) {
		c->field_len = 0;
		c->field_done = 0;
	}
	if (c->field_len + len < sizeof(c->field)) {
		memcpy(c->field + c->field_len, at, len);
		c->field_len += len;
	} else {
		c->field_len = sizeof(c->field); /* too long to be one we care about */
	}
	return http_count_head(c, len);
}

static int http_on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct http_conn *c = http_conn_of(p);
	c->field_done = 1;
	if (c->field_len == 6 && strncasecmp(c->field, "expect", 6) == 0 && len >= 12 &&
	    strncasecmp(at, "100-continue", 12) == 0)
		c->expect_continue = 1;
	return http_count_head(c, len);
}

static int http_on_headers_complete(llhttp_t *p)
{
	struct http_conn *c = http_conn_of(p);
	if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->srv->max_body)
		return http_refuse(c, 413, "too_large", "request body exceeds the limit");
	if (c->expect_continue) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		char *d = trex_strdup(cont);
		if (d)
			http_write_raw(c, d, sizeof(cont) - 1, 0);
	}
	return 0;
}

static int http_on_body(llhttp_t *p, const char *at, size_t len)
{
	struct http_conn *c = http_conn_of(p);
	int r = trex_buf_append(&c->body, at, len);
	if (r == -EFBIG)
		return http_refuse(c, 413, "too_large", "request body exceeds the limit");
	if (r < 0)
		return http_refuse(c, 503, "internal", "out of memory");
	return 0;
}

static int http_on_message_complete(llhttp_t *p)
{
	struct http_conn *c = http_conn_of(p);
	struct http_server *srv = c->srv;
	char *path = c->url.data ? c->url.data : (char *)"";
	char *q = strchr(path, '?');
	const char *query = "";
	if (q) {
		*q = '\0';
		query = q + 1;
	}
	struct http_request req = {
		.method = llhttp_method_name((llhttp_method_t)p->method),
		.path = path,
		.query = query,
		.body = c->body.data ? c->body.data : "",
		.body_len = c->body.len,
		.uid = c->uid,
		.user = c->user,
	};
	struct http_response resp = { 0 };
	srv->handler(srv->ctx, &req, &resp);
	if (!resp.status)
		http_respond_error(&resp, 500, "internal", "no answer");
	int keep = llhttp_should_keep_alive(p) && !srv->closing;
	http_send(c, &resp, !keep);
	if (!keep) {
		c->closing = 1;
		return HPE_PAUSED;
	}
	return 0;
}

static void http_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	char *b = trex_malloc(64 * 1024);
	*buf = uv_buf_init(b, b ? 64 * 1024 : 0);
}

static void http_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct http_conn *c = (struct http_conn *)s;
	c->last_active = uv_now(c->srv->loop);
	if (nread < 0 || c->closing) {
		trex_free(buf->base);
		if (nread < 0 || !c->closing)
			http_conn_close(c);
		else
			uv_read_stop(s);
		return;
	}
	if (nread == 0) {
		trex_free(buf->base);
		return;
	}
	llhttp_errno_t e = llhttp_execute(&c->parser, buf->base, (size_t)nread);
	trex_free(buf->base);
	if (e == HPE_OK || (e == HPE_PAUSED && c->closing)) {
		if (c->closing)
			uv_read_stop(s);
		return;
	}
	struct http_response resp = { 0 };
	if (c->err_status)
		http_respond_error(&resp, c->err_status, c->err_code, "%s", c->err_msg);
	else
		http_respond_error(&resp, 400, "bad_request", "malformed HTTP request: %s",
				   llhttp_errno_name(e));
	trex_log(TREX_LOG_WARN, "http_refused", "uid=%u status=%d", (unsigned)c->uid,
		 resp.status);
	c->closing = 1;
	uv_read_stop(s);
	http_send(c, &resp, 1);
}

static void http_peer(struct http_conn *c)
{
	int fd;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	c->uid = (uid_t)-1;
	snprintf(c->user, sizeof(c->user), "unknown");
	if (uv_fileno((uv_handle_t *)&c->pipe, &fd) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return;
	c->uid = cred.uid;
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(cred.uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(c->user, sizeof(c->user), "%s", pw.pw_name);
	else
		snprintf(c->user, sizeof(c->user), "%u", (unsigned)cred.uid);
}

static void http_on_connection(uv_stream_t *server, int status)
{
	struct http_server *srv = (struct http_server *)server;
	if (status < 0 || srv->closing)
		return;
	struct http_conn *c = trex_calloc(1, sizeof(*c));
	if (!c)
		return;
	c->srv = srv;
	if (uv_pipe_init(srv->loop, &c->pipe, 0) < 0) {
		trex_free(c);
		return;
	}
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	trex_buf_init(&c->url, 8192);
	trex_buf_init(&c->body, srv->max_body);
	if (uv_accept(server, (uv_stream_t *)&c->pipe) < 0) {
		http_conn_close(c);
		return;
	}
	if (srv->n_conns > HTTP_MAX_CONNS) {
		trex_log(TREX_LOG_WARN, "http_too_many_connections", "limit=%d", HTTP_MAX_CONNS);
		http_conn_close(c);
		return;
	}
	http_peer(c);
	c->last_active = uv_now(srv->loop);
	llhttp_init(&c->parser, HTTP_REQUEST, &srv->settings);
	if (uv_read_start((uv_stream_t *)&c->pipe, http_alloc, http_read) < 0)
		http_conn_close(c);
}

/* Close connections that sent or received nothing for HTTP_IDLE_MS and
 * have no answer in flight, so idle or trickling clients cannot hold every
 * connection slot. */
static void http_sweep(uv_timer_t *t)
{
	struct http_server *srv = t->data;
	uint64_t now = uv_now(srv->loop);
	for (struct http_conn *c = srv->conns; c; c = c->next)
		if (!c->closed && now - c->last_active > HTTP_IDLE_MS &&
		    c->pipe.write_queue_size == 0)
			http_conn_close(c);
}

int http_listen(uv_loop_t *loop, const char *path, mode_t mode, size_t max_body,
		http_handler handler, void *ctx, struct http_server **out,
		struct trex_err *err)
{
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return trex_err_setx(err, -EEXIST, "%s exists and is not a socket", path);
		unlink(path); /* stale socket of a previous run */
	}
	struct http_server *srv = trex_calloc(1, sizeof(*srv));
	if (!srv)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	srv->loop = loop;
	srv->max_body = max_body;
	srv->handler = handler;
	srv->ctx = ctx;
	llhttp_settings_init(&srv->settings);
	srv->settings.on_message_begin = http_on_message_begin;
	srv->settings.on_url = http_on_url;
	srv->settings.on_header_field = http_on_header_field;
	srv->settings.on_header_value = http_on_header_value;
	srv->settings.on_headers_complete = http_on_headers_complete;
	srv->settings.on_body = http_on_body;
	srv->settings.on_message_complete = http_on_message_complete;
	int r = uv_pipe_init(loop, &srv->pipe, 0);
	if (r < 0) {
		trex_free(srv);
		return trex_err_setx(err, r, "uv_pipe_init: %s", uv_strerror(r));
	}
	srv->pipe_open = 1;
	/* bind with a tight umask so the socket is never wider than `mode` */
	mode_t old = umask(0177);
	r = uv_pipe_bind(&srv->pipe, path);
	umask(old);
	if (r == 0 && chmod(path, mode) < 0)
		r = -errno;
	if (r == 0)
		r = uv_listen((uv_stream_t *)&srv->pipe, 128, http_on_connection);
	if (r == 0 && (r = uv_timer_init(loop, &srv->sweep)) == 0) {
		srv->sweep_open = 1;
		srv->sweep.data = srv;
		r = uv_timer_start(&srv->sweep, http_sweep, HTTP_IDLE_MS / 4, HTTP_IDLE_MS / 4);
	}
	if (r < 0) {
		trex_err_setx(err, r, "listen on %s: %s", path, uv_strerror(r));
		http_close(srv);
		return r;
	}
	*out = srv;
	return 0;
}

static void http_server_closed(uv_handle_t *h)
{
	struct http_server *srv = (struct http_server *)h;
	srv->pipe_open = 0;
	http_server_maybe_free(srv);
}

static void http_sweep_closed(uv_handle_t *h)
{
	struct http_server *srv = h->data;
	srv->sweep_open = 0;
	http_server_maybe_free(srv);
}

void http_close(struct http_server *srv)
{
	if (!srv || srv->closing)
		return;
	srv->closing = 1;
	for (struct http_conn *c = srv->conns; c; c = c->next)
		http_conn_close(c);
	if (srv->sweep_open)
		uv_close((uv_handle_t *)&srv->sweep, http_sweep_closed);
	uv_close((uv_handle_t *)&srv->pipe, http_server_closed);
}
