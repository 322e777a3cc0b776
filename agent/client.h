/* HTTP/1.1 client for trexd's unix socket or TLS listener (an endpoint is
 * a socket path or "https://HOST:PORT"): one request per connection
 * (Connection: close), response parsed by llhttp with hard caps on header
 * and body sizes, so a misbehaving daemon cannot make trex eat memory. */
#ifndef TREX_AGENT_CLIENT_H
#define TREX_AGENT_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "common/err.h"
#include "client_tls.h"

/* Caps on what trex accepts from trexd. JSON answers are small; released
 * files are bounded by the job's output_mb (at most a few hundred MiB). */
#define CLIENT_JSON_MAX (16u << 20)
#define CLIENT_FILE_MAX (1024u << 20)
#define CLIENT_HEADER_MAX (64u << 10)

/* Returned when trexd answered with a 4xx/5xx status (err->msg holds the
 * server's code and message, escaped). */
#define CLIENT_EREFUSED (-EREMOTEIO)
/* Returned when no connection to trexd could be made (no socket, refused,
 * TLS handshake failed): trex exits CLI_EXIT_UNREACHABLE. */
#define CLIENT_EUNREACHABLE (-EHOSTUNREACH)

struct client_resp {
	int status;
	char *body;  /* NUL-terminated, caller frees with client_resp_free */
	size_t len;
};

/* The client certificate and CA file used for every https:// endpoint
 * (copied; the strings must outlive the requests). */
void client_set_tls(const struct client_tls_files *f);
const struct client_tls_files *client_tls_files(void);

/* Send one request and read the whole answer (body capped at max_body).
 * Any HTTP status is a success here; callers interpret it. */
int client_request(const char *endpoint, const char *method,
		   const char *target, const char *body, size_t body_len,
		   size_t max_body, struct client_resp *resp,
		   struct trex_err *err);
void client_resp_free(struct client_resp *resp);

/* A connected unix socket to trexd (close-on-exec, 120 s send/receive
 * timeouts), for callers that speak to it themselves (sse.c). */
int client_connect(const char *socket_path, struct trex_err *err);

/* A JSON API call: the answer must be a JSON object. A 4xx/5xx status
 * becomes CLIENT_EREFUSED with "HTTP 400 bad_manifest: message". */
int client_call_json(const char *endpoint, const char *method,
		     const char *target, json_t *request, json_t **answer,
		     struct trex_err *err);
/* The same with an answer of up to max_answer bytes (the SACRO Viewer
 * export carries files: trex acro). */
int client_call_json_max(const char *endpoint, const char *method, const char *target,
			 json_t *request, size_t max_answer, json_t **answer,
			 struct trex_err *err);

/* The whole text of the last CLIENT_EREFUSED (err->msg may cut it). */
const char *client_last_refusal(void);

/* Append a percent-encoded path segment to out (outsz bytes); -ENAMETOOLONG
 * when it does not fit. */
int client_path_escape(const char *segment, char *out, size_t outsz);

#endif
