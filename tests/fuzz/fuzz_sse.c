/* Fuzz target: what trex reads from trexd's socket, which an attacker who
 * took the service process (or a socket path pointing elsewhere) would
 * write: the server-sent event stream (agent/sse.c: the answer's head
 * through llhttp, then events cut at blank lines) and, when the first
 * byte is odd, a plain answer (agent/client.c, every other command).
 *
 * A thread plays trexd on a unix socket: it reads the request, answers
 * with the input's bytes (after the first) and closes. Whatever they
 * are: the stream opens or says why; every event has a name, an id that
 * fits its buffer and NUL-terminated data, and the stream ends (EOF is
 * noticed, never waited out); a plain answer stays within its cap and
 * is NUL-terminated. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/client.h"
#include "agent/sse.h"

#define FUZZ_MAX_BODY 4096

static int listen_fd = -1;
static char sock_path[108];

struct fuzz_answer {
	const uint8_t *data;
	size_t size;
};

static void fuzz_cleanup(void)
{
	unlink(sock_path);
}

static void fuzz_init(void)
{
	if (listen_fd >= 0)
		return;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sock_path, sizeof(sock_path), "/tmp/trex-fuzz-sse-%d.sock", (int)getpid());
	unlink(sock_path);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(listen_fd, 4) < 0)
		abort();
	atexit(fuzz_cleanup);
}

/* trexd: read the request head (closing with it unread would reset the
 * connection and lose the answer), send the answer, close. */
static void *fuzz_server(void *arg)
{
	const struct fuzz_answer *a = arg;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		abort();
	char req[4096];
	size_t have = 0;
	while (have < sizeof(req) - 1) {
		ssize_t n = recv(fd, req + have, sizeof(req) - 1 - have, 0);
		if (n <= 0)
			break;
		have += (size_t)n;
		req[have] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	for (size_t off = 0; off < a->size;) {
		ssize_t n = send(fd, a->data + off, a->size - off, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the client gave up on a bad answer */
		off += (size_t)n;
	}
	close(fd);
	return NULL;
}

static void fuzz_events(void)
{
	struct sse_stream *s = NULL;
	struct trex_err err = { 0 };
	int status = 0;
	int r = sse_open(sock_path, "/v1/events", 5000, &status, &s, &err);
	if (r < 0) {
		if (s || err.msg[0] == '\0')
			abort();
		return;
	}
	if ((status == 200) != (s != NULL))
		abort();
	for (int i = 0; s; i++) {
		struct sse_event ev;
		r = sse_next(s, 5000, &ev, &err);
		if (r == 0)
			abort(); /* the server closed: the stream must say so */
		if (r < 0)
			break;
		if (!ev.event[0] || strnlen(ev.id, sizeof(ev.id)) == sizeof(ev.id) ||
		    strnlen(ev.event, sizeof(ev.event)) == sizeof(ev.event) || !ev.data ||
		    strlen(ev.data) > SSE_EVENT_MAX)
			abort();
	}
	sse_close(s);
}

static void fuzz_answer(void)
{
	struct client_resp resp = { 0 };
	struct trex_err err = { 0 };
	if (client_request(sock_path, "GET", "/v1/jobs", NULL, 0, FUZZ_MAX_BODY, &resp, &err) == 0) {
		if (resp.len > FUZZ_MAX_BODY || (resp.body && resp.body[resp.len] != '\0'))
			abort();
	} else if (err.msg[0] == '\0') {
		abort();
	}
	client_resp_free(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	fuzz_init();
	struct fuzz_answer a = { data + 1, size - 1 };
	pthread_t t;
	if (pthread_create(&t, NULL, fuzz_server, &a) != 0)
		abort();
	if (data[0] & 1)
		fuzz_answer();
	else
		fuzz_events();
	pthread_join(t, NULL);
	return 0;
}
