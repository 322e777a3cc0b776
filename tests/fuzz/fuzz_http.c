/* Fuzz target: trexd's HTTP request path up to the route (runner/http.c:
 * llhttp, the caps on the head and body, the headers kept, keep-alive,
 * pipelining, answers deferred off the loop, event streams; then
 * runner/api.c's api_route and runner/http_query.c's query check), the
 * first code that touches what any local user sends to trexd's socket.
 *
 * The real server runs on a libuv loop with a unix socket; each input is
 * sent on a fresh connection, which is then half-closed, and the loop
 * runs until trexd closes it. A POST to /v1/jobs is answered later, as
 * submissions are (http_defer), so that pipelined bytes wait; GET
 * /v1/events turns into an event stream. Whatever the bytes: every
 * request the handler sees has a method, a path without its query, a
 * body within the cap and NUL-terminated, and kept headers within their
 * sizes; its route names a clean job id; every answer starts with a
 * status line; and the connection ends (trexd never waits for ever on a
 * client that has gone). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <uv.h>

#include "common/alloc.h"
#include "common/log.h"
#include "runner/api.h"
#include "runner/http.h"
#include "runner/http_query.h"

#define FUZZ_MAX_BODY 4096

static uv_loop_t loop;
static struct http_server *srv;
static char sock_path[108];
static struct http_deferred *pending;

static void fuzz_cleanup(void)
{
	unlink(sock_path);
}

static void fuzz_stream_open(void *arg, struct http_conn *stream)
{
	static const char ev[] = "event: job\ndata: {}\n\n";
	http_stream_send(stream, ev, sizeof(ev) - 1);
}

static void fuzz_stream_closed(void *arg, struct http_conn *stream)
{
}

static void fuzz_strcheck(const char *s, size_t max)
{
	if (s && strnlen(s, max + 1) > max)
		abort();
}

static void fuzz_handler(void *ctx, const struct http_request *req, struct http_response *resp)
{
	if (!req->method || !req->path || !req->query || !req->body || strchr(req->path, '?') ||
	    req->body_len > FUZZ_MAX_BODY || req->body[req->body_len] != '\0')
		abort();
	fuzz_strcheck(req->last_event_id, 64);
	fuzz_strcheck(req->cookie, 1023);
	fuzz_strcheck(req->origin, 255);
	fuzz_strcheck(req->host, 255);
	fuzz_strcheck(req->sec_fetch_site, 31);
	fuzz_strcheck(req->content_type, 127);
	struct api_route rt;
	api_route(req->method, req->path, &rt);
	if (strnlen(rt.id, sizeof(rt.id)) == sizeof(rt.id) ||
	    strnlen(rt.name, sizeof(rt.name)) == sizeof(rt.name))
		abort();
	for (const char *p = rt.id; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", *p))
			abort();
	if (!api_route_name(rt.kind))
		abort();
	static const char *const known[] = { "state", "project", "limit", "cursor", NULL };
	struct trex_err err = { 0 };
	char buf[64];
	if (http_query_check(req, known, &err) == 0)
		http_query_get(req, "state", buf, sizeof(buf), &err);
	if (rt.kind == API_EVENTS) {
		resp->status = 200;
		resp->stream_open = fuzz_stream_open;
		resp->stream_closed = fuzz_stream_closed;
		return;
	}
	if (rt.kind == API_SUBMIT && !pending) {
		pending = http_defer(req);
		if (pending)
			return;
	}
	json_t *j = json_pack("{s:s}", "route", api_route_name(rt.kind));
	http_respond_json(resp, 200, j);
	json_decref(j);
}

static void fuzz_init(void)
{
	if (srv)
		return;
	struct trex_err err = { 0 };
	trex_log_init("fuzz_http", TREX_LOG_ERROR);
	snprintf(sock_path, sizeof(sock_path), "/tmp/trex-fuzz-http-%d.sock", (int)getpid());
	unlink(sock_path);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	atexit(fuzz_cleanup);
	if (uv_loop_init(&loop) < 0 ||
	    http_server_start(&loop, FUZZ_MAX_BODY, fuzz_handler, NULL, &srv, &err) < 0 ||
	    http_serve_fd(srv, fd, &err) < 0)
		abort();
}

static void fuzz_answer_pending(void)
{
	if (!pending)
		return;
	struct http_response resp = { 0 };
	json_t *j = json_pack("{s:s}", "id", "20261207T000000-000000000000");
	http_respond_json(&resp, 201, j);
	json_decref(j);
	struct http_deferred *d = pending;
	pending = NULL;
	http_deferred_answer(d, &resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_init();
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	size_t off = 0, got = 0;
	int shut = 0;
	char head[9];
	for (long round = 0;; round++) {
		if (round > 200000)
			abort(); /* the connection never ended */
		if (off < size) {
			ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				off += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				off = size; /* trexd closed: the rest is not read */
		}
		if (off == size && !shut) {
			shutdown(fd, SHUT_WR);
			shut = 1;
		}
		uv_run(&loop, UV_RUN_NOWAIT);
		fuzz_answer_pending();
		char buf[65536];
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
		for (ssize_t i = 0; i < n && got < sizeof(head); i++)
			head[got++] = buf[i];
	}
	close(fd);
	/* the server's side of the connection closes in its callbacks */
	for (int i = 0; i < 4; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	if (got && memcmp(head, "HTTP/1.1 ", got < 9 ? got : 9) != 0)
		abort();
	return 0;
}
