/* HTTP/1.1 on a unix socket and, optionally, over TLS on TCP. Each
 * connection owns an llhttp parser and bounded buffers; a request that
 * breaks a bound gets a JSON error and the connection is closed after the
 * answer, without disturbing other clients. A TLS connection differs only
 * in its transport: the bytes read go through tls_conn_input and the bytes
 * written through tls_conn_write (tls.c) before reaching the socket.
 * An event stream is a connection whose answer never ends: it is exempt
 * from the idle sweep (which sends it heartbeats instead), its requests
 * are no longer parsed, and it is closed when its unread bytes pass its
 * own cap. */
#include "http.h"

#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
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
#include "tls.h"

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
	uv_tcp_t tcp;     /* the TLS listener (http_listen_tls) */
	int tcp_open;
	struct tls_server *tls;
	uint64_t handshake_ms;
	size_t conns_peak; /* most connections since the last heap trim */
	uint64_t request_ms; /* http_set_timeouts */
	uint64_t idle_ms;
};

struct http_conn {
	union { /* first: freed in its close callback */
		uv_pipe_t pipe;     /* unix socket */
		uv_tcp_t tcp;       /* TLS */
		uv_stream_t stream; /* either */
	};
	struct tls_conn *tls; /* NULL on the unix socket */
	uint64_t accepted;    /* uv_now() at accept: the handshake deadline */
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
	/* the request headers a handler reads (http_request): a value is kept
	 * whole or not at all (longer than its buffer, or repeated: dropped,
	 * as if absent) */
	char last_event_id[65];
	char cookie[1024];
	char origin[256];
	char host[256];
	char sec_fetch_site[32];
	char content_type[128];
	int hdr_cur;                   /* the header whose value is being read, -1 none */
	unsigned char hdr_seen[HTTP_HDR_N], hdr_bad[HTTP_HDR_N];
	size_t max_queued;      /* unread bytes before the connection is dropped */
	int streaming;          /* an event stream: no more requests are read */
	uint64_t last_beat;     /* uv_now() of its last heartbeat */
	http_stream_fn stream_closed;
	void *stream_arg;
	uint64_t last_active; /* uv_now() of the last byte read or written */
	uid_t uid;
	char user[64];
	char peer[64];        /* TLS: the client's "IP:PORT" */
	int in_request;       /* a request's first byte came, not yet its last */
	uint64_t req_started; /* uv_now() at that first byte */
	struct http_deferred *deferred; /* an answer owed by work off the loop */
	char *rest;       /* bytes read after the deferred request */
	size_t rest_len;
};

/* The headers kept, by name, with where each goes. */
static const struct {
	const char *name;
	size_t off, size;
} http_hdrs[HTTP_HDR_N] = {
	{ "last-event-id", offsetof(struct http_conn, last_event_id), 65 },
	{ "cookie", offsetof(struct http_conn, cookie), 1024 },
	{ "origin", offsetof(struct http_conn, origin), 256 },
	{ "host", offsetof(struct http_conn, host), 256 },
	{ "sec-fetch-site", offsetof(struct http_conn, sec_fetch_site), 32 },
	{ "content-type", offsetof(struct http_conn, content_type), 128 },
};

struct http_deferred {
	struct http_conn *conn; /* NULL once the connection is gone */
	int keep;
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
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 421: return "Misdirected Request";
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
	if (srv->closing && srv->n_conns == 0 && !srv->pipe_open && !srv->sweep_open &&
	    !srv->tcp_open) {
		tls_server_free(srv->tls);
		trex_free(srv);
	}
}

static void http_conn_closed(uv_handle_t *h)
{
	struct http_conn *c = (struct http_conn *)h;
	struct http_server *srv = c->srv;
	trex_buf_free(&c->url);
	trex_buf_free(&c->body);
	tls_conn_free(c->tls);
	if (c->deferred)
		c->deferred->conn = NULL;
	trex_free(c->rest);
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
	/* the stream's owner forgets it now, before another send can try */
	if (c->stream_closed) {
		http_stream_fn fn = c->stream_closed;
		c->stream_closed = NULL;
		fn(c->stream_arg, c);
	}
	uv_close((uv_handle_t *)&c->stream, http_conn_closed);
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

/* Queue bytes for the socket as they are (data is taken over). */
static void http_write_stream(struct http_conn *c, char *data, size_t len, int close_after)
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
	if (uv_write(&w->req, &c->stream, &b, 1, http_write_done) < 0) {
		trex_free(w->data);
		trex_free(w);
		http_conn_close(c);
		return;
	}
	/* a client that pipelines requests without reading the answers, or
	 * an event stream's reader that fell behind, would make trexd buffer
	 * without end */
	if (c->stream.write_queue_size > c->max_queued) {
		trex_log(TREX_LOG_WARN, "http_slow_reader", "uid=%u stream=%d queued=%zu",
			 (unsigned)c->uid, c->streaming, c->stream.write_queue_size);
		c->closing = 1;
		uv_read_stop(&c->stream);
		http_conn_close(c);
	}
}

/* Send the ciphertext the TLS session has ready (handshake messages,
 * alerts, records); close afterwards when asked. */
static void http_tls_flush(struct http_conn *c, int close_after)
{
	size_t len;
	if (c->closed)
		return;
	char *data = tls_conn_take(c->tls, &len);
	if (data)
		http_write_stream(c, data, len, close_after);
	else if (close_after)
		http_conn_close(c);
}

/* Queue plaintext HTTP bytes (data is taken over); over TLS they are
 * encrypted first. */
static void http_write_raw(struct http_conn *c, char *data, size_t len, int close_after)
{
	if (!c->tls) {
		http_write_stream(c, data, len, close_after);
		return;
	}
	struct trex_err err = { 0 };
	int r = tls_conn_write(c->tls, data, len, &err);
	trex_free(data);
	if (r < 0) {
		trex_log(TREX_LOG_WARN, "tls_write_failed", "user=%s error=\"%s\"", c->user,
			 err.msg);
		http_conn_close(c);
		return;
	}
	if (close_after)
		tls_conn_shutdown(c->tls);
	http_tls_flush(c, close_after);
}

static void http_send(struct http_conn *c, struct http_response *r, int close_after)
{
	if (c->closed) {
		trex_free(r->body);
		trex_free(r->headers);
		r->body = r->headers = NULL;
		return;
	}
	char head[256];
	const char *extra = r->headers ? r->headers : "";
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Cache-Control: no-store\r\n%s",
			 r->status, http_status_text(r->status),
			 r->content_type ? r->content_type : "application/json", r->len,
			 close_after ? "Connection: close\r\n" : "");
	size_t xl = strlen(extra);
	char *data = trex_malloc((size_t)n + xl + 2 + r->len + 1);
	if (!data) {
		trex_free(r->body);
		trex_free(r->headers);
		r->body = r->headers = NULL;
		http_conn_close(c);
		return;
	}
	memcpy(data, head, (size_t)n);
	memcpy(data + n, extra, xl);
	memcpy(data + n + xl, "\r\n", 2);
	if (r->len)
		memcpy(data + n + xl + 2, r->body, r->len);
	trex_free(r->body);
	trex_free(r->headers);
	r->body = r->headers = NULL;
	http_write_raw(c, data, (size_t)n + xl + 2 + r->len, close_after);
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
	for (size_t i = 0; i < HTTP_HDR_N; i++)
		((char *)c + http_hdrs[i].off)[0] = '\0';
	memset(c->hdr_seen, 0, sizeof(c->hdr_seen));
	memset(c->hdr_bad, 0, sizeof(c->hdr_bad));
	c->hdr_cur = -1;
	c->in_request = 1;
	c->req_started = uv_now(c->srv->loop);
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
	if (!c->field_done) {
		/* the value's first piece (llhttp may hand it over in several) */
		c->field_done = 1;
		if (c->field_len == 6 && strncasecmp(c->field, "expect", 6) == 0 && len >= 12 &&
		    strncasecmp(at, "100-continue", 12) == 0)
			c->expect_continue = 1;
		c->hdr_cur = -1;
		for (int i = 0; i < HTTP_HDR_N; i++)
			if (c->field_len == strlen(http_hdrs[i].name) &&
			    strncasecmp(c->field, http_hdrs[i].name, c->field_len) == 0)
				c->hdr_cur = i;
		if (c->hdr_cur >= 0 && c->hdr_seen[c->hdr_cur]++)
			c->hdr_bad[c->hdr_cur] = 1; /* repeated: ambiguous */
	}
	/* a value longer than its buffer is dropped (a Last-Event-ID longer
	 * than an id can be: the stream then starts over) */
	if (c->hdr_cur >= 0 && !c->hdr_bad[c->hdr_cur]) {
		char *v = (char *)c + http_hdrs[c->hdr_cur].off;
		size_t have = strlen(v);
		if (have + len < http_hdrs[c->hdr_cur].size) {
			memcpy(v + have, at, len);
			v[have + len] = '\0';
		} else {
			c->hdr_bad[c->hdr_cur] = 1;
		}
	}
	return http_count_head(c, len);
}

/* A kept header's value, or NULL when absent, too long or repeated. */
static const char *http_hdr(const struct http_conn *c, int i)
{
	const char *v = (const char *)c + http_hdrs[i].off;
	return c->hdr_seen[i] && !c->hdr_bad[i] ? v : NULL;
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

/* The handler's answer is an event stream: headers without a length,
 * then the connection belongs to the stream's owner until it closes. */
static int http_stream_begin(struct http_conn *c, struct http_response *r)
{
	trex_free(r->body);
	trex_free(r->headers);
	r->body = r->headers = NULL;
	if (c->closed || c->srv->closing || r->status != 200) {
		r->stream_closed(r->stream_arg, NULL);
		struct http_response e = { 0 };
		http_respond_error(&e, 503, "unavailable", "trexd is stopping");
		http_send(c, &e, 1);
		c->closing = 1;
		return HPE_PAUSED;
	}
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
				   "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\n\r\n";
	c->streaming = 1;
	c->max_queued = r->stream_max_queued ? r->stream_max_queued : HTTP_STREAM_QUEUED;
	c->stream_closed = r->stream_closed;
	c->stream_arg = r->stream_arg;
	/* a small kernel buffer, so that a reader that stopped reading is
	 * caught by max_queued after a bounded number of events, not after
	 * the kernel's default hundreds of KiB */
	int sz = c->max_queued < 4096 ? 4096 : c->max_queued > (1u << 20) ? 1 << 20
										: (int)c->max_queued;
	uv_send_buffer_size((uv_handle_t *)&c->stream, &sz);
	c->last_beat = uv_now(c->srv->loop);
	char *d = trex_strdup(head);
	if (!d)
		http_conn_close(c); /* runs stream_closed */
	else
		http_write_raw(c, d, sizeof(head) - 1, 0);
	if (!c->closed)
		r->stream_open(r->stream_arg, c);
	return HPE_PAUSED;
}

static int http_on_message_complete(llhttp_t *p)
{
	struct http_conn *c = http_conn_of(p);
	struct http_server *srv = c->srv;
	c->in_request = 0;
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
		.last_event_id = c->last_event_id[0] ? http_hdr(c, HTTP_HDR_LAST_EVENT_ID) : NULL,
		.cookie = http_hdr(c, HTTP_HDR_COOKIE),
		.origin = http_hdr(c, HTTP_HDR_ORIGIN),
		.host = http_hdr(c, HTTP_HDR_HOST),
		.sec_fetch_site = http_hdr(c, HTTP_HDR_SEC_FETCH_SITE),
		.content_type = http_hdr(c, HTTP_HDR_CONTENT_TYPE),
		.body = c->body.data ? c->body.data : "",
		.body_len = c->body.len,
		.uid = c->uid,
		.user = c->user,
		.conn = c,
	};
	struct http_response resp = { 0 };
	srv->handler(srv->ctx, &req, &resp);
	int keep = llhttp_should_keep_alive(p) && !srv->closing;
	if (c->deferred) {
		/* stop here: the next request waits for this answer */
		trex_free(resp.body);
		trex_free(resp.headers);
		c->deferred->keep = keep;
		return HPE_PAUSED;
	}
	if (!resp.status)
		http_respond_error(&resp, 500, "internal", "no answer");
	if (resp.stream_open)
		return http_stream_begin(c, &resp);
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

/* Keep plaintext that arrived after a request answered later
 * (http_deferred_answer parses it). */
static int http_keep_rest(struct http_conn *c, const char *data, size_t len)
{
	if (!len)
		return 0;
	char *r = trex_realloc(c->rest, c->rest_len + len);
	if (!r) {
		http_conn_close(c);
		return -1;
	}
	memcpy(r + c->rest_len, data, len);
	c->rest = r;
	c->rest_len += len;
	return 0;
}

/* Parse request bytes (plaintext); -1 once the connection reads no more.
 * A request answered later (http_defer) stops the parse: what follows it
 * waits in c->rest, and reading stops until the answer. */
static int http_parse(struct http_conn *c, const char *data, size_t len)
{
	if (c->deferred) /* more plaintext out of the same TLS records */
		return http_keep_rest(c, data, len);
	llhttp_errno_t e = llhttp_execute(&c->parser, data, len);
	if (e == HPE_OK || (e == HPE_PAUSED && (c->closing || c->streaming))) {
		if (!c->closing)
			return 0;
		uv_read_stop(&c->stream);
		return -1;
	}
	if (e == HPE_PAUSED && c->deferred) {
		const char *pos = llhttp_get_error_pos(&c->parser);
		size_t used = pos && pos >= data && pos <= data + len ? (size_t)(pos - data) : len;
		uv_read_stop(&c->stream);
		return http_keep_rest(c, data + used, len - used);
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
	uv_read_stop(&c->stream);
	http_send(c, &resp, 1);
	return -1;
}

/* A verified certificate's user stands for the host account of that name,
 * exactly as if that account had connected to the unix socket (same uid,
 * same name, so "users" and job ownership apply unchanged). A name with no
 * account gets uid -1, which roles_identify refuses. */
static void http_tls_identify(struct http_conn *c)
{
	const char *name = tls_conn_user(c->tls);
	struct passwd pw, *res = NULL;
	char buf[1024];
	c->uid = (uid_t)-1;
	snprintf(c->user, sizeof(c->user), "%s", name);
	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res) {
		c->uid = pw.pw_uid;
		snprintf(c->user, sizeof(c->user), "%s", pw.pw_name);
	}
	trex_log(TREX_LOG_DEBUG, "tls_established", "peer=%s user=%s uid=%ld", c->peer, c->user,
		 c->uid == (uid_t)-1 ? -1L : (long)c->uid);
}

static int http_tls_deliver(void *arg, const char *data, size_t len)
{
	struct http_conn *c = arg;
	if (c->closing)
		return -1;
	if (c->streaming)
		return 0; /* see http_read */
	if (!c->user[0])
		http_tls_identify(c);
	return http_parse(c, data, len);
}

static void http_tls_input(struct http_conn *c, const char *data, size_t len)
{
	struct trex_err err = { 0 };
	int r = tls_conn_input(c->tls, data, len, http_tls_deliver, c, &err);
	if (r < 0) {
		trex_log(TREX_LOG_WARN, "tls_refused", "peer=%s user=%s error=\"%s\"", c->peer,
			 c->user[0] ? c->user : "-", err.msg);
		c->closing = 1;
		uv_read_stop(&c->stream);
	} else if (r == 1 && !c->closing) { /* close_notify: answer it, then close */
		c->closing = 1;
		uv_read_stop(&c->stream);
		tls_conn_shutdown(c->tls);
	}
	http_tls_flush(c, r != 0);
}

static void http_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct http_conn *c = (struct http_conn *)s;
	c->last_active = uv_now(c->srv->loop);
	/* an event stream reads only to see the client go (and, over TLS,
	 * its session's own records); what it sends is dropped, so it costs
	 * no memory */
	if (c->streaming && (nread < 0 || !c->tls)) {
		trex_free(buf->base);
		if (nread < 0)
			http_conn_close(c);
		return;
	}
	if (nread < 0 || c->closing) {
		trex_free(buf->base);
		if (nread < 0 || !c->closing)
			http_conn_close(c);
		else
			uv_read_stop(s);
		return;
	}
	if (nread > 0 && c->tls)
		http_tls_input(c, buf->base, (size_t)nread);
	else if (nread > 0)
		http_parse(c, buf->base, (size_t)nread);
	trex_free(buf->base);
}

struct http_deferred *http_defer(const struct http_request *req)
{
	struct http_conn *c = req->conn;
	struct http_deferred *d = trex_calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->conn = c;
	c->deferred = d;
	return d;
}

int http_is_deferred(const struct http_request *req)
{
	const struct http_conn *c = req->conn;
	return c && c->deferred != NULL;
}

void http_deferred_cancel(struct http_deferred *d)
{
	if (d->conn)
		d->conn->deferred = NULL;
	trex_free(d);
}

void http_deferred_answer(struct http_deferred *d, struct http_response *resp)
{
	struct http_conn *c = d->conn;
	int keep = d->keep;
	trex_free(d);
	if (!c || c->closed) {
		trex_free(resp->body);
		resp->body = NULL;
		return;
	}
	c->deferred = NULL;
	c->last_active = uv_now(c->srv->loop);
	if (!resp->status)
		http_respond_error(resp, 500, "internal", "no answer");
	keep = keep && !c->srv->closing;
	http_send(c, resp, !keep);
	char *rest = c->rest;
	size_t n = c->rest_len;
	c->rest = NULL;
	c->rest_len = 0;
	if (!keep) {
		c->closing = 1;
		trex_free(rest);
		return;
	}
	llhttp_resume(&c->parser);
	if (rest)
		http_parse(c, rest, n); /* may defer again */
	trex_free(rest);
	if (!c->deferred && !c->closing && !c->closed &&
	    uv_read_start(&c->stream, http_alloc, http_read) < 0)
		http_conn_close(c);
}

static void http_peer(struct http_conn *c)
{
	int fd;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	c->uid = (uid_t)-1;
	snprintf(c->user, sizeof(c->user), "unknown");
	if (uv_fileno((uv_handle_t *)&c->stream, &fd) < 0 ||
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

/* "IP:PORT" of a TLS client, for the log lines of refused handshakes */
static void http_peer_addr(struct http_conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	snprintf(c->peer, sizeof(c->peer), "?");
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	snprintf(c->peer, sizeof(c->peer), "%s:%d", ip, port);
}

enum http_transport { HTTP_UNIX, HTTP_TLS, HTTP_TCP };

static void http_accept(struct http_server *srv, uv_stream_t *server, enum http_transport kind)
{
	int tls = kind == HTTP_TLS;
	struct http_conn *c = trex_calloc(1, sizeof(*c));
	if (!c)
		return;
	c->srv = srv;
	c->max_queued = HTTP_MAX_QUEUED;
	if ((kind != HTTP_UNIX ? uv_tcp_init(srv->loop, &c->tcp)
			       : uv_pipe_init(srv->loop, &c->pipe, 0)) < 0) {
		trex_free(c);
		return;
	}
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->n_conns++;
	if (srv->n_conns > srv->conns_peak)
		srv->conns_peak = srv->n_conns;
	trex_buf_init(&c->url, 8192);
	trex_buf_init(&c->body, srv->max_body);
	if (uv_accept(server, &c->stream) < 0) {
		http_conn_close(c);
		return;
	}
	if (srv->n_conns > HTTP_MAX_CONNS) {
		trex_log(TREX_LOG_WARN, "http_too_many_connections", "limit=%d", HTTP_MAX_CONNS);
		http_conn_close(c);
		return;
	}
	if (tls) {
		/* who it is is known once the handshake has verified it */
		c->uid = (uid_t)-1;
		http_peer_addr(c);
		uv_tcp_nodelay(&c->tcp, 1);
		c->tls = tls_conn_new(srv->tls);
		if (!c->tls) {
			http_conn_close(c);
			return;
		}
	} else if (kind == HTTP_TCP) {
		/* nobody in particular: the handler answers anyone alike */
		c->uid = (uid_t)-1;
		snprintf(c->user, sizeof(c->user), "network");
		http_peer_addr(c);
		uv_tcp_nodelay(&c->tcp, 1);
	} else {
		http_peer(c);
	}
	c->last_active = c->accepted = uv_now(srv->loop);
	llhttp_init(&c->parser, HTTP_REQUEST, &srv->settings);
	if (uv_read_start(&c->stream, http_alloc, http_read) < 0)
		http_conn_close(c);
}

static void http_on_connection(uv_stream_t *server, int status)
{
	struct http_server *srv = (struct http_server *)server;
	if (status < 0 || srv->closing)
		return;
	http_accept(srv, server, HTTP_UNIX);
}

static void http_on_tcp_connection(uv_stream_t *server, int status)
{
	struct http_server *srv = server->data;
	if (status < 0 || srv->closing)
		return;
	http_accept(srv, server, HTTP_TCP);
}

static void http_on_tls_connection(uv_stream_t *server, int status)
{
	struct http_server *srv = server->data;
	if (status < 0 || srv->closing)
		return;
	http_accept(srv, server, HTTP_TLS);
}

/* Close connections that sent or received nothing for HTTP_IDLE_MS and
 * have no answer in flight, and TLS connections whose handshake did not
 * finish within handshake_ms of the accept however many bytes they
 * trickled, so idle or slow clients cannot hold every connection slot.
 * Event streams are meant to be quiet: they get a comment line every
 * HTTP_HEARTBEAT_MS instead (it keeps proxies from timing them out, and a
 * vanished reader shows up as a write error). */
static void http_sweep(uv_timer_t *t)
{
	struct http_server *srv = t->data;
	uint64_t now = uv_now(srv->loop);
	struct http_conn *next;
	for (struct http_conn *c = srv->conns; c; c = next) {
		next = c->next; /* closing unlinks only in the close callback */
		if (c->closed)
			continue;
		if (c->streaming) {
			/* the sweep may tick faster than the heartbeat (TLS
			 * handshake deadlines); a second of slack for timer jitter */
			if (now - c->last_beat + 1000 >= HTTP_HEARTBEAT_MS) {
				static const char hb[] = ":\n\n";
				c->last_beat = now;
				http_stream_send(c, hb, sizeof(hb) - 1);
			}
		} else if (c->tls && !tls_conn_established(c->tls) &&
			   now - c->accepted >= srv->handshake_ms) {
			trex_log(TREX_LOG_WARN, "tls_handshake_timeout", "peer=%s ms=%llu", c->peer,
				 (unsigned long long)srv->handshake_ms);
			http_conn_close(c);
		} else if (c->in_request && !c->closing &&
			   now - c->req_started >= srv->request_ms) {
			trex_log(TREX_LOG_WARN, "http_request_timeout", "uid=%u ms=%llu",
				 (unsigned)c->uid, (unsigned long long)srv->request_ms);
			struct http_response resp = { 0 };
			http_respond_error(&resp, 408, "timeout",
					   "the request did not arrive whole within %llu ms",
					   (unsigned long long)srv->request_ms);
			c->closing = 1;
			uv_read_stop(&c->stream);
			http_send(c, &resp, 1);
		} else if (!c->deferred && now - c->last_active > srv->idle_ms &&
			   c->stream.write_queue_size == 0) {
			http_conn_close(c);
		}
	}
	/* a burst of connections (TLS ones above all: OpenSSL's handshake
	 * buffers, ~19 KiB each while in flight) leaves freed heap that glibc
	 * keeps; give it back once most of the burst is gone, so trexd idles
	 * small again (bench/BENCHMARKS.md, API over TLS) */
	if (srv->conns_peak >= 256 && srv->n_conns < srv->conns_peak / 4) {
		malloc_trim(0);
		srv->conns_peak = srv->n_conns;
	}
}

_Static_assert(HTTP_IDLE_MS / 4 <= HTTP_HEARTBEAT_MS, "the sweep sends the heartbeats");

int http_stream_send(struct http_conn *c, const char *data, size_t len)
{
	if (c->closed || !c->streaming)
		return -EPIPE;
	char *d = trex_malloc(len ? len : 1);
	if (!d) {
		http_conn_close(c);
		return -ENOMEM;
	}
	memcpy(d, data, len);
	http_write_raw(c, d, len, 0);
	return c->closed ? -ENOBUFS : 0;
}

void http_stream_close(struct http_conn *c)
{
	http_conn_close(c);
}

static struct http_server *http_server_new(uv_loop_t *loop, size_t max_body, http_handler handler,
					   void *ctx)
{
	struct http_server *srv = trex_calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->loop = loop;
	srv->max_body = max_body;
	srv->request_ms = HTTP_REQUEST_MS;
	srv->idle_ms = HTTP_IDLE_MS;
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
	return srv;
}

int http_server_start(uv_loop_t *loop, size_t max_body, http_handler handler, void *ctx,
		      struct http_server **out, struct trex_err *err)
{
	struct http_server *srv = http_server_new(loop, max_body, handler, ctx);
	if (!srv)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int r = uv_timer_init(loop, &srv->sweep);
	if (r == 0) {
		srv->sweep_open = 1;
		srv->sweep.data = srv;
		r = uv_timer_start(&srv->sweep, http_sweep, HTTP_REQUEST_MS / 4, HTTP_REQUEST_MS / 4);
	}
	if (r < 0) {
		trex_err_setx(err, r, "timer: %s", uv_strerror(r));
		http_close(srv);
		return r;
	}
	*out = srv;
	return 0;
}

int http_serve_fd(struct http_server *srv, int fd, struct trex_err *err)
{
	int r = uv_pipe_init(srv->loop, &srv->pipe, 0);
	if (r < 0) {
		close(fd);
		return trex_err_setx(err, r, "uv_pipe_init: %s", uv_strerror(r));
	}
	srv->pipe_open = 1;
	r = uv_pipe_open(&srv->pipe, fd);
	if (r < 0)
		close(fd);
	else
		r = uv_listen((uv_stream_t *)&srv->pipe, 128, http_on_connection);
	if (r < 0)
		return trex_err_setx(err, r, "listen on the socket: %s", uv_strerror(r));
	return 0;
}

static void http_tcp_closed(uv_handle_t *h)
{
	struct http_server *srv = h->data;
	srv->tcp_open = 0;
	http_server_maybe_free(srv);
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

/* The sweep runs often enough for the shortest timeout. */
static void http_sweep_period(struct http_server *srv)
{
	uint64_t p = srv->idle_ms / 4;
	if (srv->request_ms / 4 < p)
		p = srv->request_ms / 4;
	if (srv->tls && srv->handshake_ms / 4 < p)
		p = srv->handshake_ms / 4;
	if (HTTP_HEARTBEAT_MS / 2 < p) /* event streams' heartbeats stay on time */
		p = HTTP_HEARTBEAT_MS / 2;
	if (p < 50)
		p = 50;
	if (srv->sweep_open)
		uv_timer_start(&srv->sweep, http_sweep, p, p);
}

void http_set_timeouts(struct http_server *srv, uint64_t request_ms, uint64_t idle_ms)
{
	srv->request_ms = request_ms;
	srv->idle_ms = idle_ms;
	http_sweep_period(srv);
}

/* srv's TCP listener on addr, connections to on_conn; `what` names it in
 * errors (the config key) */
static int http_bind_tcp(struct http_server *srv, const struct sockaddr *addr, uv_connection_cb on_conn,
			 const char *what, char *bound, size_t bound_len, struct trex_err *err)
{
	int r = uv_tcp_bind(&srv->tcp, addr, 0);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&srv->tcp, SOMAXCONN, on_conn);
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";
	if (r == 0)
		r = uv_tcp_getsockname(&srv->tcp, (struct sockaddr *)&ss, &len);
	if (r < 0) {
		if (addr->sa_family == AF_INET6)
			uv_ip6_name((const struct sockaddr_in6 *)addr, ip, sizeof(ip));
		else
			uv_ip4_name((const struct sockaddr_in *)addr, ip, sizeof(ip));
		return trex_err_setx(err, r, "%s on %s: %s", what, ip, uv_strerror(r));
	}
	if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
		snprintf(bound, bound_len, "[%s]:%d", ip,
			 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	} else {
		uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
		snprintf(bound, bound_len, "%s:%d", ip, ntohs(((struct sockaddr_in *)&ss)->sin_port));
	}
	http_sweep_period(srv);
	return 0;
}

int http_listen_tls(struct http_server *srv, const struct sockaddr *addr,
		    struct tls_server *tls, uint64_t handshake_ms, char *bound, size_t bound_len,
		    struct trex_err *err)
{
	int r = uv_tcp_init(srv->loop, &srv->tcp);
	if (r < 0) {
		tls_server_free(tls);
		return trex_err_setx(err, r, "uv_tcp_init: %s", uv_strerror(r));
	}
	srv->tcp_open = 1;
	srv->tcp.data = srv;
	srv->tls = tls;
	srv->handshake_ms = handshake_ms;
	r = http_bind_tcp(srv, addr, http_on_tls_connection, "tls.listen", bound, bound_len, err);
	if (r < 0)
		uv_close((uv_handle_t *)&srv->tcp, http_tcp_closed);
	return r;
}

int http_listen_tcp(uv_loop_t *loop, const struct sockaddr *addr, size_t max_body,
		    http_handler handler, void *ctx, struct http_server **out, char *bound,
		    size_t bound_len, struct trex_err *err)
{
	struct http_server *srv = http_server_new(loop, max_body, handler, ctx);
	if (!srv)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int r = uv_timer_init(loop, &srv->sweep);
	if (r == 0) {
		srv->sweep_open = 1;
		srv->sweep.data = srv;
		r = uv_tcp_init(loop, &srv->tcp);
	}
	if (r < 0) {
		trex_err_setx(err, r, "uv_tcp_init: %s", uv_strerror(r));
		http_close(srv);
		return r;
	}
	srv->tcp_open = 1;
	srv->tcp.data = srv;
	r = http_bind_tcp(srv, addr, http_on_tcp_connection, "metrics_listen", bound, bound_len, err);
	if (r < 0) {
		http_close(srv);
		return r;
	}
	*out = srv;
	return 0;
}

void http_set_tls(struct http_server *srv, struct tls_server *tls, uint64_t handshake_ms)
{
	tls_server_free(srv->tls);
	srv->tls = tls;
	srv->handshake_ms = handshake_ms;
	http_sweep_period(srv);
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
	if (srv->tcp_open)
		uv_close((uv_handle_t *)&srv->tcp, http_tcp_closed);
	/* a TCP-only server (http_listen_tcp) has no pipe */
	if (srv->pipe_open)
		uv_close((uv_handle_t *)&srv->pipe, http_server_closed);
	else
		http_server_maybe_free(srv);
}
