/* trexd's HTTP API over its unix socket or its TLS listener (an https://
 * endpoint, client_tls.c). Requests are built by hand (they are a few
 * fixed lines); responses are parsed with llhttp, the same parser trexd
 * uses, rather than a second hand-written one. */
#include "client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <llhttp.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/esc.h"
#include "client_tls.h"

/* How long one request may stay silent before trex gives up: submitting a
 * bundle makes trexd write and fsync it, so be generous. */
#define CLIENT_IO_TIMEOUT_S 120

static struct client_tls_files client_tls_cfg;

void client_set_tls(const struct client_tls_files *f)
{
	client_tls_cfg = *f;
}

const struct client_tls_files *client_tls_files(void)
{
	return &client_tls_cfg;
}

/* One connection: a unix socket, or TLS when tls is set. */
struct client_io {
	int fd;
	struct client_tls *tls;
};

struct client_parse {
	struct trex_buf body;
	size_t header_bytes;
	int complete;
	int too_big;
};

static int client_on_header_bytes(llhttp_t *p, const char *at, size_t len)
{
	struct client_parse *cp = p->data;
	cp->header_bytes += len;
	if (cp->header_bytes > CLIENT_HEADER_MAX) {
		cp->too_big = 1;
		return -1;
	}
	return 0;
}

static int client_on_body(llhttp_t *p, const char *at, size_t len)
{
	struct client_parse *cp = p->data;
	if (trex_buf_append(&cp->body, at, len) < 0) {
		cp->too_big = 1;
		return -1;
	}
	return 0;
}

static int client_on_complete(llhttp_t *p)
{
	struct client_parse *cp = p->data;
	/* a 1xx interim answer is not the response we wait for */
	if (p->status_code >= 100 && p->status_code < 200)
		return 0;
	cp->complete = 1;
	return HPE_PAUSED;
}

int client_connect(const char *socket_path, struct trex_err *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(socket_path);
	if (n == 0 || n >= sizeof(sa.sun_path))
		return trex_err_setx(err, -ENAMETOOLONG,
				     "socket path too long (max %zu bytes)",
				     sizeof(sa.sun_path) - 1);
	memcpy(sa.sun_path, socket_path, n + 1);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return trex_err_set(err, -errno, "socket");
	struct timeval tv = { .tv_sec = CLIENT_IO_TIMEOUT_S };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		char esc[256];
		trex_esc_text(socket_path, n, esc, sizeof(esc));
		trex_err_set(err, -errno, "cannot reach trexd at %s (is it running? see --socket)",
			     esc);
		err->code = CLIENT_EUNREACHABLE;
		return CLIENT_EUNREACHABLE;
	}
	return TREX_TAKE_FD(fd);
}

static int client_send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void client_resp_free(struct client_resp *resp)
{
	trex_free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

static int client_exchange(struct client_io *io, const char *method, const char *target,
			   const char *body, size_t body_len, size_t max_body,
			   struct client_resp *resp, struct trex_err *err);

int client_request(const char *endpoint, const char *method,
		   const char *target, const char *body, size_t body_len,
		   size_t max_body, struct client_resp *resp,
		   struct trex_err *err)
{
	*resp = (struct client_resp){ 0 };
	struct client_io io = { .fd = -1 };
	int r;
	if (client_tls_is_url(endpoint)) {
		r = client_tls_connect(endpoint, &client_tls_cfg, CLIENT_IO_TIMEOUT_S, &io.tls, err);
		if (r < 0)
			r = err->code = CLIENT_EUNREACHABLE;
	} else
		r = io.fd = client_connect(endpoint, err);
	if (r < 0)
		return r;
	r = client_exchange(&io, method, target, body, body_len, max_body, resp, err);
	client_tls_close(io.tls);
	if (io.fd >= 0)
		close(io.fd);
	return r;
}

static int client_exchange(struct client_io *io, const char *method, const char *target,
			   const char *body, size_t body_len, size_t max_body,
			   struct client_resp *resp, struct trex_err *err)
{
	int fd = io->fd;
	struct trex_err send_err = { 0 };

	char head[1024];
	int hn;
	if (body)
		hn = snprintf(head, sizeof(head),
			      "%s %s HTTP/1.1\r\nHost: localhost\r\n"
			      "User-Agent: trex/0.1\r\nAccept: application/json\r\n"
			      "Connection: close\r\nContent-Type: application/json\r\n"
			      "Content-Length: %zu\r\n\r\n",
			      method, target, body_len);
	else
		hn = snprintf(head, sizeof(head),
			      "%s %s HTTP/1.1\r\nHost: localhost\r\n"
			      "User-Agent: trex/0.1\r\nAccept: */*\r\n"
			      "Connection: close\r\n\r\n",
			      method, target);
	if (hn < 0 || (size_t)hn >= sizeof(head))
		return trex_err_setx(err, -ENAMETOOLONG, "request target too long");

	/* trexd may answer (413, 400) and close before reading a large body:
	 * a send error is only fatal when no answer can be read afterwards */
	int send_r;
	if (io->tls) {
		/* no half-close over TLS: Connection: close ends the exchange */
		send_r = client_tls_send_all(io->tls, head, (size_t)hn, &send_err);
		if (send_r == 0 && body)
			send_r = client_tls_send_all(io->tls, body, body_len, &send_err);
	} else {
		send_r = client_send_all(fd, head, (size_t)hn);
		if (send_r == 0 && body)
			send_r = client_send_all(fd, body, body_len);
		if (send_r == 0)
			shutdown(fd, SHUT_WR);
		else
			trex_err_set(&send_err, send_r, "send request to trexd");
	}

	struct client_parse cp = { 0 };
	trex_buf_init(&cp.body, max_body);
	llhttp_settings_t st;
	llhttp_settings_init(&st);
	st.on_status = client_on_header_bytes;
	st.on_header_field = client_on_header_bytes;
	st.on_header_value = client_on_header_bytes;
	st.on_body = client_on_body;
	st.on_message_complete = client_on_complete;
	llhttp_t parser;
	llhttp_init(&parser, HTTP_RESPONSE, &st);
	parser.data = &cp;

	int r = 0;
	char chunk[65536];
	while (!cp.complete) {
		ssize_t n = io->tls ? client_tls_recv(io->tls, chunk, sizeof(chunk), err)
				    : recv(fd, chunk, sizeof(chunk), 0);
		if (n < 0 && io->tls) {
			/* a refused write explains a failed read best */
			if (send_r < 0)
				*err = send_err;
			r = err->code;
			break;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = errno == EAGAIN || errno == EWOULDBLOCK
				    ? trex_err_setx(err, -ETIMEDOUT,
						    "trexd did not answer within %d s",
						    CLIENT_IO_TIMEOUT_S)
				    : trex_err_set(err, -errno, "read from trexd");
			break;
		}
		llhttp_errno_t e = n == 0 ? llhttp_finish(&parser)
					  : llhttp_execute(&parser, chunk, (size_t)n);
		if (cp.complete)
			break;
		if (e != HPE_OK) {
			if (cp.too_big)
				r = trex_err_setx(err, -EFBIG,
						  "answer from trexd too large (body max %zu bytes)",
						  max_body);
			else if (n == 0)
				r = trex_err_setx(err, -EPROTO,
						  "trexd closed the connection in the middle of its answer");
			else
				r = trex_err_setx(err, -EPROTO,
						  "malformed HTTP answer from trexd: %s",
						  llhttp_errno_name(e));
			break;
		}
		if (n == 0) {
			if (send_r < 0)
				*err = send_err;
			r = send_r < 0 ? send_r
				       : trex_err_setx(err, -EPROTO,
						       "trexd closed the connection before answering");
			break;
		}
	}
	if (r < 0) {
		trex_buf_free(&cp.body);
		return r;
	}
	resp->status = parser.status_code;
	if (!cp.body.data && trex_buf_append(&cp.body, "", 0) < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	resp->body = trex_buf_steal(&cp.body, &resp->len);
	return 0;
}

/* The last refusal whole: a message listing the valid choices can be
 * longer than a struct trex_err holds. */
static char client_refusal_text[4096];

const char *client_last_refusal(void)
{
	return client_refusal_text;
}

/* Turn {"error": {"code", "message"}} into one line, control characters
 * escaped (trex_esc_text). */
static int client_refusal(int status, const json_t *answer, struct trex_err *err)
{
	const json_t *e = json_object_get(answer, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	char ecode[64], emsg[3800];
	if (!code)
		code = "error";
	if (!msg)
		msg = "(no message)";
	trex_esc_text(code, strlen(code), ecode, sizeof(ecode));
	trex_esc_text(msg, strlen(msg), emsg, sizeof(emsg));
	snprintf(client_refusal_text, sizeof(client_refusal_text), "trexd refused (HTTP %d %s): %s",
		 status, ecode, emsg);
	return trex_err_setx(err, CLIENT_EREFUSED, "%s", client_refusal_text);
}

int client_call_json(const char *endpoint, const char *method,
		     const char *target, json_t *request, json_t **answer,
		     struct trex_err *err)
{
	return client_call_json_max(endpoint, method, target, request, CLIENT_JSON_MAX, answer,
				    err);
}

int client_call_json_max(const char *endpoint, const char *method, const char *target,
			 json_t *request, size_t max_answer, json_t **answer,
			 struct trex_err *err)
{
	*answer = NULL;
	_cleanup_free_ char *body = NULL;
	size_t body_len = 0;
	if (request) {
		body_len = json_dumpb(request, NULL, 0, JSON_COMPACT);
		if (body_len == 0)
			return trex_err_setx(err, -EINVAL, "cannot encode request");
		body = trex_malloc(body_len);
		if (!body)
			return trex_err_setx(err, -ENOMEM, "out of memory (request of %zu bytes)",
					     body_len);
		json_dumpb(request, body, body_len, JSON_COMPACT);
	}
	struct client_resp resp;
	int r = client_request(endpoint, method, target, body, body_len,
			       max_answer, &resp, err);
	if (r < 0)
		return r;
	json_error_t je;
	json_t *j = json_loadb(resp.body, resp.len, JSON_REJECT_DUPLICATES, &je);
	int status = resp.status;
	client_resp_free(&resp);
	if (status >= 400) {
		r = client_refusal(status, j, err);
		json_decref(j);
		return r;
	}
	if (!j || !json_is_object(j)) {
		json_decref(j);
		return trex_err_setx(err, -EPROTO, "trexd answered HTTP %d without a JSON object",
				     status);
	}
	if (status < 200 || status >= 300) {
		json_decref(j);
		return trex_err_setx(err, -EPROTO, "unexpected HTTP status %d from trexd", status);
	}
	*answer = j;
	return 0;
}

int client_path_escape(const char *segment, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (const unsigned char *s = (const unsigned char *)segment; *s; s++) {
		int plain = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
			    *s == '.' || *s == '~';
		if (o + (plain ? 1 : 3) + 1 > outsz)
			return -ENAMETOOLONG;
		if (plain) {
			out[o++] = (char)*s;
		} else {
			out[o++] = '%';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 15];
		}
	}
	if (o + 1 > outsz)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return 0;
}
