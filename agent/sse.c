/* Server-sent events from trexd (docs/api.md, GET /v1/events). The head
 * goes through llhttp (the same parser as every other answer); body bytes
 * are buffered up to one event's cap and cut at blank lines. */
#include "sse.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <llhttp.h>

#include "agent/client.h"
#include "agent/client_tls.h"
#include "common/alloc.h"
#include "common/buf.h"

/* trexd sends a heartbeat every 15 s: three missed ones mean the stream
 * (or trexd) is gone even if the socket does not say so */
#define SSE_IDLE_MS 45000
/* Over TLS a read waits at most this long (SO_RCVTIMEO: OpenSSL reads
 * whole records, so there is no poll() on its socket): the granularity of
 * a wait's deadline there. */
#define SSE_TLS_TICK_S 2

struct sse_stream {
	int fd;                /* the unix socket, or -1 */
	struct client_tls *tls; /* or the TLS connection */
	long last_byte_ms;     /* when a byte last arrived (idle limit) */
	llhttp_t parser;
	llhttp_settings_t settings;
	size_t head_bytes;
	int head_done;
	int ended;           /* the answer ended (a non-stream answer) */
	struct trex_buf in;  /* body bytes not yet cut into events */
	char *data;          /* the last event's data */
};

static struct sse_stream *sse_of(llhttp_t *p)
{
	return p->data;
}

static int sse_on_head_bytes(llhttp_t *p, const char *at, size_t len)
{
	struct sse_stream *s = sse_of(p);
	s->head_bytes += len;
	return s->head_bytes > CLIENT_HEADER_MAX ? -1 : 0;
}

static int sse_on_headers_complete(llhttp_t *p)
{
	sse_of(p)->head_done = 1;
	return 0;
}

static int sse_on_body(llhttp_t *p, const char *at, size_t len)
{
	struct sse_stream *s = sse_of(p);
	return trex_buf_append(&s->in, at, len) < 0 ? -1 : 0;
}

static int sse_on_complete(llhttp_t *p)
{
	sse_of(p)->ended = 1;
	return HPE_PAUSED;
}

static long sse_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what is there, waiting at most timeout_ms (the unix socket) or
 * one SSE_TLS_TICK_S (TLS). 0 on bytes read, 1 when none came, negative on
 * the end, an error, or SSE_IDLE_MS without a byte. */
static int sse_fill(struct sse_stream *s, int timeout_ms, struct trex_err *err)
{
	if (s->ended)
		return trex_err_setx(err, -EPIPE, "the event stream ended");
	if (sse_now_ms() - s->last_byte_ms >= SSE_IDLE_MS)
		return trex_err_setx(err, -ETIMEDOUT, "trexd sent nothing for %d s",
				     SSE_IDLE_MS / 1000);
	char chunk[16384];
	ssize_t n;
	if (s->tls) {
		n = client_tls_recv(s->tls, chunk, sizeof(chunk), err);
		if (n == -ETIMEDOUT)
			return 1; /* one tick without a record */
		if (n < 0)
			return (int)n;
	} else {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		int wait = timeout_ms < 0 || timeout_ms > SSE_IDLE_MS ? SSE_IDLE_MS : timeout_ms;
		int r = poll(&pfd, 1, wait);
		if (r < 0)
			return errno == EINTR ? 1 : trex_err_set(err, -errno, "poll");
		if (r == 0)
			return 1;
		n = recv(s->fd, chunk, sizeof(chunk), 0);
		if (n < 0)
			return errno == EINTR || errno == EAGAIN ? 1
								 : trex_err_set(err, -errno, "read from trexd");
	}
	s->last_byte_ms = sse_now_ms();
	llhttp_errno_t e = n == 0 ? llhttp_finish(&s->parser)
				  : llhttp_execute(&s->parser, chunk, (size_t)n);
	if (e != HPE_OK && e != HPE_PAUSED) {
		if (s->in.len >= s->in.max)
			return trex_err_setx(err, -EFBIG, "an event from trexd exceeds %u bytes",
					     SSE_EVENT_MAX);
		return trex_err_setx(err, -EPROTO, "malformed answer from trexd: %s",
				     llhttp_errno_name(e));
	}
	if (n == 0 || e == HPE_PAUSED) {
		s->ended = 1;
		if (!s->head_done)
			return trex_err_setx(err, -EPROTO, "trexd closed the connection before answering");
	}
	return 0;
}

int sse_open(const char *endpoint, const char *target, int timeout_ms, int *status,
	     struct sse_stream **out, struct trex_err *err)
{
	*out = NULL;
	*status = 0;
	char head[1024];
	int hn = snprintf(head, sizeof(head),
			  "GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: trex/0.1\r\n"
			  "Accept: text/event-stream\r\n\r\n",
			  target);
	if (hn < 0 || (size_t)hn >= sizeof(head))
		return trex_err_setx(err, -ENAMETOOLONG, "request target too long");
	struct sse_stream *s = trex_calloc(1, sizeof(*s));
	if (!s)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	trex_buf_init(&s->in, SSE_EVENT_MAX);
	llhttp_settings_init(&s->settings);
	s->settings.on_status = sse_on_head_bytes;
	s->settings.on_header_field = sse_on_head_bytes;
	s->settings.on_header_value = sse_on_head_bytes;
	s->settings.on_headers_complete = sse_on_headers_complete;
	s->settings.on_body = sse_on_body;
	s->settings.on_message_complete = sse_on_complete;
	llhttp_init(&s->parser, HTTP_RESPONSE, &s->settings);
	s->parser.data = s;
	/* the request is not half-closed: trexd ends a stream whose client
	 * shut its side */
	s->fd = -1;
	s->last_byte_ms = sse_now_ms();
	int r;
	if (client_tls_is_url(endpoint)) {
		r = client_tls_connect(endpoint, client_tls_files(), SSE_TLS_TICK_S, &s->tls, err);
		if (r < 0)
			r = err->code = CLIENT_EUNREACHABLE;
		if (r == 0)
			r = client_tls_send_all(s->tls, head, (size_t)hn, err);
	} else {
		s->fd = client_connect(endpoint, err);
		r = s->fd < 0 ? s->fd : 0;
	}
	size_t off = 0;
	while (r == 0 && s->fd >= 0 && off < (size_t)hn) {
		ssize_t n = send(s->fd, head + off, (size_t)hn - off, MSG_NOSIGNAL);
		if (n < 0 && errno != EINTR)
			r = trex_err_set(err, -errno, "send request to trexd");
		else if (n > 0)
			off += (size_t)n;
	}
	long deadline = sse_now_ms() + timeout_ms;
	while (r == 0 && !s->head_done) {
		long left = deadline - sse_now_ms();
		if (left <= 0) {
			r = trex_err_setx(err, -ETIMEDOUT, "trexd did not answer within %d s",
					  timeout_ms / 1000);
			break;
		}
		r = sse_fill(s, (int)left, err);
		r = r > 0 ? 0 : r;
	}
	if (r < 0) {
		sse_close(s);
		return r;
	}
	*status = s->parser.status_code;
	if (*status != 200) {
		sse_close(s);
		return 0;
	}
	*out = s;
	return 0;
}

/* Cut one event off the front of the buffer: 1 when a block ended by a
 * blank line was there (an event, or only comments: ev->event empty). */
static int sse_cut(struct sse_stream *s, struct sse_event *ev, struct trex_err *err)
{
	char *buf = s->in.data;
	if (!buf)
		return 0;
	char *end = strstr(buf, "\n\n");
	if (!end)
		return 0;
	size_t block = (size_t)(end - buf) + 2;
	struct trex_buf data;
	trex_buf_init(&data, SSE_EVENT_MAX);
	ev->id[0] = ev->event[0] = '\0';
	int has_data = 0, r = 0;
	for (char *line = buf; r == 0 && line < end + 1;) {
		char *nl = strchr(line, '\n');
		*nl = '\0';
		size_t len = (size_t)(nl - line);
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		char *colon = strchr(line, ':');
		const char *value = "";
		if (colon) {
			*colon = '\0';
			value = colon[1] == ' ' ? colon + 2 : colon + 1;
		}
		if (len == 0 || line == colon) {
			/* blank or comment */
		} else if (strcmp(line, "data") == 0) {
			if ((has_data && trex_buf_append(&data, "\n", 1) < 0) ||
			    trex_buf_append(&data, value, strlen(value)) < 0)
				r = trex_err_setx(err, -EFBIG, "an event from trexd is too large");
			has_data = 1;
		} else if (strcmp(line, "event") == 0) {
			snprintf(ev->event, sizeof(ev->event), "%s", value);
		} else if (strcmp(line, "id") == 0) {
			snprintf(ev->id, sizeof(ev->id), "%s", value);
		}
		line = nl + 1;
	}
	memmove(s->in.data, s->in.data + block, s->in.len - block + 1);
	s->in.len -= block;
	trex_free(s->data);
	s->data = NULL;
	if (r < 0) {
		trex_buf_free(&data);
		return r;
	}
	if (!has_data) {
		trex_buf_free(&data);
		ev->event[0] = '\0'; /* comments only, or no data: not dispatched */
		ev->data = NULL;
		return 1;
	}
	if (!ev->event[0])
		snprintf(ev->event, sizeof(ev->event), "message");
	if (trex_buf_append(&data, "", 0) < 0) {
		trex_buf_free(&data);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	size_t dlen;
	s->data = trex_buf_steal(&data, &dlen);
	ev->data = s->data;
	return 1;
}

int sse_next(struct sse_stream *s, int timeout_ms, struct sse_event *ev, struct trex_err *err)
{
	long deadline = timeout_ms < 0 ? 0 : sse_now_ms() + timeout_ms;
	for (;;) {
		int r = sse_cut(s, ev, err);
		if (r < 0)
			return r;
		if (r == 1 && ev->event[0])
			return 1;
		if (r == 1)
			continue;
		long left = -1;
		if (timeout_ms >= 0) {
			left = deadline - sse_now_ms();
			if (left <= 0)
				return 0;
		}
		r = sse_fill(s, left > SSE_IDLE_MS ? SSE_IDLE_MS : (int)left, err);
		if (r < 0)
			return r;
	}
}

void sse_close(struct sse_stream *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	client_tls_close(s->tls);
	trex_buf_free(&s->in);
	trex_free(s->data);
	trex_free(s);
}
