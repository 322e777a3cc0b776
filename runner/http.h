/* HTTP/1.1 server on a unix socket (SO_PEERCRED identity) and optionally
 * over TLS 1.3 on TCP (client certificate identity, tls.c): libuv for I/O,
 * llhttp for parsing. Requests are bounded (URL + headers, body) and
 * answered synchronously by one handler; keep-alive and pipelining work,
 * with the same caps and timeouts on both transports. */
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
#define HTTP_IDLE_MS 60000             /* idle connections are closed */
#define HTTP_MAX_QUEUED (64u << 20)    /* unread answers per connection */

struct http_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* URL without the query string, not decoded */
	const char *query;  /* raw query string after '?', "" when none (http_query.h) */
	const char *body;   /* NUL-terminated, body_len bytes */
	size_t body_len;
	uid_t uid;          /* peer uid (SO_PEERCRED; over TLS the uid of the
			     * account the certificate names, -1 if none) */
	const char *user;   /* peer user name, or the uid in decimal */
};

struct http_response {
	int status;
	const char *content_type;
	char *body; /* heap (trex_malloc), freed by the server */
	size_t len;
};

typedef void (*http_handler)(void *ctx, const struct http_request *req,
			     struct http_response *resp);

struct http_server;
struct tls_server;

/* Bind `path` (a stale socket there is replaced), chmod it to `mode` and
 * serve. */
int http_listen(uv_loop_t *loop, const char *path, mode_t mode, size_t max_body,
		http_handler handler, void *ctx, struct http_server **out,
		struct trex_err *err);
/* Also serve TLS on TCP `addr` (port 0: any free port) with `tls`, which
 * the server takes over (freed on failure too). A handshake not finished
 * handshake_ms after the accept is closed. `bound` receives the address
 * actually bound ("127.0.0.1:PORT"). */
int http_listen_tls(struct http_server *srv, const struct sockaddr *addr,
		    struct tls_server *tls, uint64_t handshake_ms, char *bound, size_t bound_len,
		    struct trex_err *err);
/* Switch new TLS connections to `tls` (taken over; a reload's new
 * certificates). Established sessions keep the old ones until they close. */
void http_set_tls(struct http_server *srv, struct tls_server *tls, uint64_t handshake_ms);
/* Stop accepting and close every connection; the server is freed once all
 * handles are closed (run the loop). */
void http_close(struct http_server *srv);

/* Response helpers. They steal nothing: `j` is still the caller's. */
void http_respond_json(struct http_response *resp, int status, json_t *j);
void http_respond_error(struct http_response *resp, int status, const char *code,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

const char *http_status_text(int status);

#endif
