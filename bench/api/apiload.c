/* apiload: an HTTP/1.1 keep-alive load generator for `make bench-api`.
 * N connections (unix socket or TCP loopback) each send one request at a
 * time for D seconds; every Kth request of a connection is a POST of a
 * prepared body, the others GET a path. Prints throughput, latency
 * percentiles and error counts as one JSON line. One epoll thread: the same
 * client for trexd and nginx, so the comparison is like for like. wrk
 * cannot speak to a unix socket.
 *
 * With --cert/--key/--cacert and a target "tls:PORT", every connection is
 * TLS 1.3 with that client certificate, driven by non-blocking OpenSSL in
 * the same epoll loop (handshakes first, all connections at once, then the
 * timed requests on the established sessions: keep-alive, one handshake per
 * connection).
 *
 * With --rate R the load is open-loop: R requests/s in all, each
 * connection sending on its own schedule (every CONNS/R s) whether or not
 * the server keeps up; latency counts from the scheduled time, so a server
 * that falls behind is charged for the queueing it causes (no coordinated
 * omission). Closed-loop (the default) measures saturation throughput, but
 * its latency is just CONNS / throughput. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAXLAT (1u << 24)

struct conn {
	int fd;
	SSL *ssl;       /* NULL: plain */
	int handshaken;
	char in[65536];
	size_t in_len;
	const char *out;
	size_t out_len, out_off;
	uint64_t sent_ns; /* when the request was sent (--rate: was due) */
	unsigned n;
	uint64_t due_ns;  /* --rate: when the next request is due */
	int waiting;      /* --rate: answered, next one not due yet */
};

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* bytes moved, 0 when the socket would block, -1 at end or error */
static ssize_t conn_write(struct conn *x, const char *p, size_t len)
{
	if (!x->ssl) {
		ssize_t w = write(x->fd, p, len);
		return w >= 0 ? w : errno == EAGAIN ? 0 : -1;
	}
	int n = SSL_write(x->ssl, p, (int)len);
	if (n > 0)
		return n;
	int e = SSL_get_error(x->ssl, n);
	return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? 0 : -1;
}

static ssize_t conn_read(struct conn *x, char *p, size_t len)
{
	if (!x->ssl) {
		ssize_t r = read(x->fd, p, len);
		return r > 0 ? r : r < 0 && errno == EAGAIN ? 0 : -1;
	}
	int n = SSL_read(x->ssl, p, (int)len);
	if (n > 0)
		return n;
	int e = SSL_get_error(x->ssl, n);
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
}

static void conn_close(struct conn *x)
{
	if (x->ssl)
		SSL_free(x->ssl);
	x->ssl = NULL;
	close(x->fd);
	x->fd = -1;
}

static int dial(const char *target)
{
	int fd;
	if (strncmp(target, "tls:", 4) == 0)
		target += 4;
	if (target[0] == '/') {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", target);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			return -1;
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)strtol(target, NULL, 10)) };
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			return -1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* bytes of a complete response at the start of buf, 0 if incomplete */
static size_t response_len(const char *buf, size_t len, int *status)
{
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return 0;
	size_t head = (size_t)(end - buf) + 4;
	*status = len > 12 ? (int)strtol(buf + 9, NULL, 10) : 0;
	size_t body = 0;
	for (const char *p = buf; p < end; p++) {
		if ((p == buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) {
			body = (size_t)strtoul(p + 15, NULL, 10);
			break;
		}
	}
	return len >= head + body ? head + body : 0;
}

int main(int argc, char **argv)
{
	const char *cert = NULL, *key = NULL, *cacert = NULL;
	double rate = 0;
	while (argc > 2 && strncmp(argv[1], "--", 2) == 0) {
		if (strcmp(argv[1], "--rate") == 0)
			rate = strtod(argv[2], NULL);
		else if (strcmp(argv[1], "--cert") == 0)
			cert = argv[2];
		else if (strcmp(argv[1], "--key") == 0)
			key = argv[2];
		else if (strcmp(argv[1], "--cacert") == 0)
			cacert = argv[2];
		else
			break;
		argv += 2;
		argc -= 2;
	}
	if (argc != 7) {
		fprintf(stderr, "usage: apiload [--rate REQ_PER_S] [--cert C --key K --cacert CA]\n"
				"               SOCKET|PORT|tls:PORT CONNS\n"
				"               SECONDS GET_PATH POST_PATH|- POST_EVERY\n"
				"  body of the POST on stdin\n");
		return 2;
	}
	SSL_CTX *ctx = NULL;
	if (strncmp(argv[1], "tls:", 4) == 0) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (!ctx || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
		    (cacert && SSL_CTX_load_verify_locations(ctx, cacert, NULL) != 1) ||
		    (cert && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) ||
		    (key && SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)) {
			ERR_print_errors_fp(stderr);
			return 1;
		}
		SSL_CTX_set_verify(ctx, cacert ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	}
	const char *target = argv[1];
	int nconn = (int)strtol(argv[2], NULL, 10), secs = (int)strtol(argv[3], NULL, 10),
	    every = (int)strtol(argv[6], NULL, 10);
	static char body[1 << 16];
	size_t body_len = 0;
	if (strcmp(argv[5], "-") != 0)
		body_len = fread(body, 1, sizeof(body), stdin);
	char get[1024], post[sizeof(body) + 1024];
	int gl = snprintf(get, sizeof(get), "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", argv[4]);
	int pl = snprintf(post, sizeof(post),
			  "POST %s HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
			  "Content-Length: %zu\r\n\r\n%.*s",
			  argv[5], body_len, (int)body_len, body);
	struct conn *c = calloc((size_t)nconn, sizeof(*c));
	uint32_t *lat = malloc(MAXLAT * sizeof(*lat));
	/* the GETs' own latencies: in a mixed run the submissions' fsyncs
	 * would otherwise set the percentiles of both */
	uint32_t *glat = malloc(MAXLAT * sizeof(*glat));
	size_t nglat = 0;
	if (!c || !lat || !glat)
		return 1;
	size_t nlat = 0;
	unsigned long ok = 0, posts = 0, errors = 0, connfail = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < nconn; i++) {
		c[i].fd = dial(target);
		if (c[i].fd < 0) {
			connfail++;
			continue;
		}
		c[i].n = (unsigned)i; /* stagger the POSTs across connections */
		c[i].handshaken = !ctx;
		if (ctx) {
			c[i].ssl = SSL_new(ctx);
			SSL_set_fd(c[i].ssl, c[i].fd);
			SSL_set_connect_state(c[i].ssl);
		}
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = &c[i] };
		epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
	}
	struct epoll_event evs[256];
	/* TLS: every handshake first, all in flight at once */
	int pending = 0;
	unsigned long hsfail = 0;
	uint64_t hs0 = now_ns();
	for (int i = 0; ctx && i < nconn; i++)
		if (c[i].fd >= 0) {
			pending++;
			SSL_do_handshake(c[i].ssl); /* sends the ClientHello */
		}
	while (pending > 0 && now_ns() - hs0 < 60000000000ull) {
		int n = epoll_wait(ep, evs, 256, 100);
		for (int k = 0; k < n; k++) {
			struct conn *x = evs[k].data.ptr;
			if (x->fd < 0 || x->handshaken)
				continue;
			int r = SSL_do_handshake(x->ssl);
			if (r == 1) {
				x->handshaken = 1;
				pending--;
				continue;
			}
			int e = SSL_get_error(x->ssl, r);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				if (hsfail++ == 0)
					ERR_print_errors_fp(stderr);
				conn_close(x);
				pending--;
			}
		}
	}
	double hs_s = (double)(now_ns() - hs0) / 1e9;
	uint64_t start = now_ns(), stop = start + (uint64_t)secs * 1000000000u;
	/* --rate: connection i's requests are due every `period`, the
	 * connections staggered evenly across it */
	uint64_t period = rate > 0 ? (uint64_t)((double)nconn * 1e9 / rate) : 0;
	/* start every connection's first request */
	for (int i = 0; i < nconn; i++) {
		if (c[i].fd < 0 || !c[i].handshaken)
			continue;
		if (period) {
			c[i].due_ns = start + period * (uint64_t)i / (uint64_t)nconn;
			c[i].waiting = 1;
			continue;
		}
		int is_post = every > 0 && body_len && c[i].n % (unsigned)every == 0;
		c[i].out = is_post ? post : get;
		c[i].out_len = (size_t)(is_post ? pl : gl);
		c[i].out_off = 0;
		c[i].sent_ns = now_ns();
		ssize_t w = conn_write(&c[i], c[i].out, c[i].out_len);
		if (w > 0)
			c[i].out_off = (size_t)w;
	}
	while (now_ns() < stop) {
		int n = epoll_wait(ep, evs, 256, period ? 1 : 100);
		for (int i = 0; period && i < nconn; i++) {
			struct conn *x = &c[i];
			uint64_t t = now_ns();
			if (x->fd < 0 || !x->waiting || x->due_ns > t)
				continue;
			x->waiting = 0;
			x->sent_ns = x->due_ns; /* late sends count from when due */
			x->due_ns += period;
			int is_post = every > 0 && body_len && x->n % (unsigned)every == 0;
			x->out = is_post ? post : get;
			x->out_len = (size_t)(is_post ? pl : gl);
			ssize_t w = conn_write(x, x->out, x->out_len);
			x->out_off = w > 0 ? (size_t)w : 0;
		}
		for (int k = 0; k < n; k++) {
			struct conn *x = evs[k].data.ptr;
			if (x->fd < 0)
				continue;
			if (!x->handshaken)
				continue;
			while (x->out_off < x->out_len) {
				ssize_t w = conn_write(x, x->out + x->out_off, x->out_len - x->out_off);
				if (w <= 0)
					break;
				x->out_off += (size_t)w;
			}
			for (;;) {
				ssize_t r = conn_read(x, x->in + x->in_len, sizeof(x->in) - x->in_len);
				if (r < 0) {
					errors++;
					conn_close(x);
					break;
				}
				if (r == 0)
					break;
				x->in_len += (size_t)r;
				int status = 0;
				size_t len;
				while ((len = response_len(x->in, x->in_len, &status)) > 0) {
					uint64_t t = now_ns();
					if (nlat < MAXLAT)
						lat[nlat++] = (uint32_t)((t - x->sent_ns) / 1000);
					if (x->out == get && nglat < MAXLAT)
						glat[nglat++] = (uint32_t)((t - x->sent_ns) / 1000);
					if (status >= 200 && status < 300)
						ok++;
					else
						errors++;
					if (x->out == post)
						posts++;
					memmove(x->in, x->in + len, x->in_len - len);
					x->in_len -= len;
					x->n++;
					if (period) { /* the next one when due */
						x->waiting = 1;
						x->out_len = x->out_off = 0;
						continue;
					}
					int is_post = every > 0 && body_len && x->n % (unsigned)every == 0;
					x->out = is_post ? post : get;
					x->out_len = (size_t)(is_post ? pl : gl);
					x->out_off = 0;
					x->sent_ns = t;
					ssize_t w = conn_write(x, x->out, x->out_len);
					if (w > 0)
						x->out_off = (size_t)w;
				}
			}
		}
	}
	double el = (double)(now_ns() - start) / 1e9;
	qsort(lat, nlat, sizeof(*lat), cmp_u32);
	if (period)
		printf("{\"rate\":%.0f,", rate);
	else
		printf("{");
	printf("\"connections\":%d,\"connect_failed\":%lu,\"seconds\":%.1f,\"requests\":%zu,"
	       "\"ok\":%lu,\"posts\":%lu,\"errors\":%lu,\"rps\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f",
	       nconn, connfail, el, nlat, ok, posts, errors, (double)nlat / el,
	       nlat ? lat[nlat / 2] / 1000.0 : 0, nlat ? lat[nlat * 99 / 100] / 1000.0 : 0);
	if (posts && nglat) {
		qsort(glat, nglat, sizeof(*glat), cmp_u32);
		printf(",\"get_p50_ms\":%.2f,\"get_p99_ms\":%.2f", glat[nglat / 2] / 1000.0,
		       glat[nglat * 99 / 100] / 1000.0);
	}
	if (ctx)
		printf(",\"tls_handshake_failed\":%lu,\"tls_handshakes_s\":%.2f", hsfail, hs_s);
	printf("}\n");
	return 0;
}
