/* HTTP/1.1 server on a unix socket (SO_PEERCRED identity) and optionally
 * over TLS 1.3 on TCP (client certificate identity, tls.c): libuv for I/O,
 * llhttp for parsing. Requests are bounded (URL + headers, body) and
 * answered by one handler, at once or later (http_defer, for work off the
 * loop); keep-alive and pipelining work, with the same caps and timeouts on
 * both transports. A handler may instead turn its connection into a
 * server-sent event stream (http_response.stream_open), which the server
 * keeps open. */
#ifndef TREX_RUNNER_HTTP_H
#define TREX_RUNNER_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <jansson.h>
#include <uv.h>

#include "err.h"

#define HTTP_MAX_HEAD (32 * 1024)   /* request line + headers */
#define HTTP_MAX_CONNS 4096 /* needs RLIMIT_NOFILE above it plus the jobs' pipes */
#define HTTP_IDLE_MS 60000     /* idle connections are closed (default) */
#define HTTP_REQUEST_MS 30000  /* a request must arrive whole within (default) */
#define HTTP_MAX_QUEUED (64u << 20)    /* unread answers per connection */
#define HTTP_HEARTBEAT_MS 15000        /* a comment line on every event stream */
#define HTTP_STREAM_QUEUED (256u << 10) /* default unread bytes per stream */

/* The request headers http.c keeps (struct http_request). */
enum {
	HTTP_HDR_LAST_EVENT_ID,
	HTTP_HDR_COOKIE,
	HTTP_HDR_ORIGIN,
	HTTP_HDR_HOST,
	HTTP_HDR_SEC_FETCH_SITE,
	HTTP_HDR_CONTENT_TYPE,
	HTTP_HDR_N
};

struct http_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* URL without the query string, not decoded */
	const char *query;  /* raw query string after '?', "" when none (http_query.h) */
	const char *body;   /* NUL-terminated, body_len bytes */
	size_t body_len;
	uid_t uid;          /* peer uid (SO_PEERCRED; over TLS the uid of the
			     * account the certificate names, -1 if none) */
	const char *user;   /* peer user name, or the uid in decimal */
	/* Headers, each NULL when absent, repeated or longer than trexd keeps
	 * (Cookie 1023 bytes, Origin and Host 255, Sec-Fetch-Site 31,
	 * Content-Type 127, Last-Event-ID 64) */
	const char *last_event_id;
	const char *cookie;
	const char *origin;
	const char *host;
	const char *sec_fetch_site;
	const char *content_type;
	void *conn;         /* the server's connection, for http_defer */
};

/* A connection turned into an event stream (opaque). */
struct http_conn;
typedef void (*http_stream_fn)(void *arg, struct http_conn *stream);

struct http_response {
	int status;
	const char *content_type;
	char *body; /* heap (trex_malloc), freed by the server */
	size_t len;
	/* More header lines, each ending "\r\n" (heap, trex_malloc, freed by
	 * the server), or NULL */
	char *headers;
	/* Streaming: a handler that sets stream_open (and status 200) gets
	 * no body sent; the server answers with text/event-stream headers,
	 * no length, and calls stream_open(stream_arg, stream). It calls
	 * stream_closed(stream_arg, stream) exactly once when the stream
	 * ends (client gone, too slow, server closing), or
	 * stream_closed(stream_arg, NULL) when it could not start; the
	 * stream pointer is invalid after that call. Unread bytes above
	 * stream_max_queued (0: HTTP_STREAM_QUEUED) close the stream. */
	http_stream_fn stream_open;
	http_stream_fn stream_closed;
	void *stream_arg;
	size_t stream_max_queued;
};

typedef void (*http_handler)(void *ctx, const struct http_request *req,
			     struct http_response *resp);

struct http_server;
struct tls_server;

/* A handler whose work runs off the loop answers later: it calls
 * http_defer(req), leaves `resp` empty and hands the token to its work;
 * the connection reads no further request (pipelined ones wait, in order)
 * until http_deferred_answer, on the loop thread. A client gone meanwhile
 * is noticed there and the answer dropped. NULL: out of memory, answer now. */
struct http_deferred;
struct http_deferred *http_defer(const struct http_request *req);
void http_deferred_answer(struct http_deferred *d, struct http_response *resp);
/* Undo http_defer from within the handler: it answers in `resp` after all. */
void http_deferred_cancel(struct http_deferred *d);
/* Whether the handler deferred req's answer (its status is not known yet). */
int http_is_deferred(const struct http_request *req);

/* A server with no listener yet: the unix socket comes as a bound fd
 * (http_serve_fd: trexd's monitor binds it, runner/monitor.c, or systemd
 * passed it: sdnotify.h), the TLS listener through http_listen_tls. */
int http_server_start(uv_loop_t *loop, size_t max_body, http_handler handler, void *ctx,
		      struct http_server **out, struct trex_err *err);
/* Serve the bound unix socket fd (taken: closed on failure too). */
int http_serve_fd(struct http_server *srv, int fd, struct trex_err *err);
/* Also serve TLS on TCP `addr` (port 0: any free port) with `tls`, which
 * the server takes over (freed on failure too). A handshake not finished
 * handshake_ms after the accept is closed. `bound` receives the address
 * actually bound ("127.0.0.1:PORT"). */
int http_listen_tls(struct http_server *srv, const struct sockaddr *addr,
		    struct tls_server *tls, uint64_t handshake_ms, char *bound, size_t bound_len,
		    struct trex_err *err);
/* A server of its own on plain TCP `addr` (port 0: any free port), no TLS
 * and no peer identity (req->uid is -1, req->user "network"): for an
 * answer anyone who reaches the port may read (the metrics listener).
 * `bound` receives the address bound. */
int http_listen_tcp(uv_loop_t *loop, const struct sockaddr *addr, size_t max_body,
		    http_handler handler, void *ctx, struct http_server **out, char *bound,
		    size_t bound_len, struct trex_err *err);
/* Switch new TLS connections to `tls` (taken over; a reload's new
 * certificates). Established sessions keep the old ones until they close. */
void http_set_tls(struct http_server *srv, struct tls_server *tls, uint64_t handshake_ms);
/* A request not whole `request_ms` after its first byte gets 408 and the
 * connection closes (a client trickling bytes keeps a connection "active"
 * for ever otherwise); a connection with nothing in flight for `idle_ms`
 * is closed. */
void http_set_timeouts(struct http_server *srv, uint64_t request_ms, uint64_t idle_ms);
/* Stop accepting and close every connection; the server is freed once all
 * handles are closed (run the loop). */
void http_close(struct http_server *srv);

/* Response helpers. They steal nothing: `j` is still the caller's. */
void http_respond_json(struct http_response *resp, int status, json_t *j);
void http_respond_error(struct http_response *resp, int status, const char *code,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

const char *http_status_text(int status);

/* Queue bytes on an event stream (copied). -EPIPE when it is closing;
 * -ENOBUFS when the client fell behind: the stream is then closed (its
 * stream_closed runs before this returns). */
int http_stream_send(struct http_conn *stream, const char *data, size_t len);
/* End a stream from the server side (stream_closed runs before return). */
void http_stream_close(struct http_conn *stream);

#endif
