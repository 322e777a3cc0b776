/* TLS 1.3 client for trexd (client_tls.h). trexd's certificate must chain
 * to --cacert (the system store without it) and name the URL's host: its
 * IP address for an IP, its DNS name otherwise. */
#include "client_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/alloc.h"
#include "common/sslerr.h"
#include "common/esc.h"

struct client_tls {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char where[300]; /* "HOST:PORT" for messages, escaped */
};

int client_tls_is_url(const char *endpoint)
{
	return strncmp(endpoint, "https://", 8) == 0;
}

/* "https://HOST:PORT[/]" -> host (an [IPv6] without its brackets) and port */
static int client_tls_parse(const char *url, char *host, size_t hlen, char *port, size_t plen,
			    struct trex_err *err)
{
	char u[300];
	int n = snprintf(u, sizeof(u), "%s", url + 8);
	if (n > 0 && (size_t)n < sizeof(u) && u[n - 1] == '/')
		u[n - 1] = '\0';
	char *h = u, *p = NULL;
	if (*h == '[') {
		char *rb = strchr(h, ']');
		if (rb && rb[1] == ':') {
			*rb = '\0';
			h++;
			p = rb + 2;
		}
	} else if ((p = strrchr(h, ':'))) {
		*p++ = '\0';
	}
	if (n <= 0 || (size_t)n >= sizeof(u) || !p || !*h || strpbrk(h, "/?#@") ||
	    (!strchr(h, ':') ? 0 : url[8] != '[') || strlen(h) >= hlen || !*p ||
	    strlen(p) >= plen || strspn(p, "0123456789") != strlen(p))
		return trex_err_setx(err, -EINVAL, "--url wants https://HOST:PORT");
	snprintf(host, hlen, "%s", h);
	snprintf(port, plen, "%s", p);
	return 0;
}

static int client_tls_dial(const char *host, const char *port, int io_timeout_s,
			   struct trex_err *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
	int g = getaddrinfo(host, port, &hints, &res);
	if (g != 0)
		return trex_err_setx(err, -EHOSTUNREACH, "cannot resolve %s: %s", host,
				     gai_strerror(g));
	int fd = -1, saved = ECONNREFUSED;
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		struct timeval tv = { .tv_sec = io_timeout_s };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return trex_err_set(err, -saved, "cannot reach trexd at %s:%s (see --url)", host, port);
	return fd;
}

static int client_tls_ctx(const struct client_tls_files *f, SSL_CTX **out, struct trex_err *err)
{
	char why[160];
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		return trex_err_setx(err, -ENOMEM, "TLS: %s",
				     trex_ssl_reason(why, sizeof(why), "connection closed"));
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	int r = 0;
	if (f->cacert ? SSL_CTX_load_verify_locations(ctx, f->cacert, NULL) != 1
		      : SSL_CTX_set_default_verify_paths(ctx) != 1)
		r = trex_err_setx(err, -EINVAL, "--cacert %s: %s", f->cacert ? f->cacert : "(system)",
				  trex_ssl_reason(why, sizeof(why), "connection closed"));
	else if ((f->cert == NULL) != (f->key == NULL))
		r = trex_err_setx(err, -EINVAL, "--cert and --key go together");
	else if (f->cert && SSL_CTX_use_certificate_chain_file(ctx, f->cert) != 1)
		r = trex_err_setx(err, -EINVAL, "--cert %s: %s", f->cert,
				  trex_ssl_reason(why, sizeof(why), "connection closed"));
	else if (f->key && SSL_CTX_use_PrivateKey_file(ctx, f->key, SSL_FILETYPE_PEM) != 1)
		r = trex_err_setx(err, -EINVAL, "--key %s: %s", f->key,
				  trex_ssl_reason(why, sizeof(why), "connection closed"));
	if (r < 0) {
		SSL_CTX_free(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

/* Why a handshake or a read failed, in the user's terms. */
static int client_tls_fail(struct client_tls *t, const char *stage, struct trex_err *err)
{
	char why[160];
	long v = SSL_get_verify_result(t->ssl);
	if (v != X509_V_OK) {
		ERR_clear_error();
		return trex_err_setx(err, -EPROTO,
				     "trexd's certificate at %s is not trusted: %s (see --cacert)",
				     t->where, X509_verify_cert_error_string(v));
	}
	trex_ssl_reason(why, sizeof(why), "connection closed");
	const char *hint = strstr(why, "certificate required") || strstr(why, "unknown ca") ||
					   strstr(why, "bad certificate") ||
					   strstr(why, "unsupported certificate")
				   ? " (trexd refused our client certificate: see --cert/--key)"
				   : "";
	return trex_err_setx(err, -EPROTO, "TLS %s with %s failed: %s%s", stage, t->where, why,
			     hint);
}

int client_tls_connect(const char *url, const struct client_tls_files *files, int io_timeout_s,
		       struct client_tls **out, struct trex_err *err)
{
	char host[256], port[8];
	*out = NULL;
	if (client_tls_parse(url, host, sizeof(host), port, sizeof(port), err) < 0)
		return err->code;
	struct client_tls *t = trex_calloc(1, sizeof(*t));
	if (!t)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	t->fd = -1;
	char eh[256];
	trex_esc_text(host, strlen(host), eh, sizeof(eh));
	snprintf(t->where, sizeof(t->where), "%s:%s", eh, port);
	ERR_clear_error();
	int r = client_tls_ctx(files, &t->ctx, err);
	if (r == 0 && (t->fd = client_tls_dial(host, port, io_timeout_s, err)) < 0)
		r = t->fd;
	if (r == 0 && !(t->ssl = SSL_new(t->ctx)))
		r = trex_err_setx(err, -ENOMEM, "out of memory");
	if (r == 0) {
		/* the name to check in trexd's certificate: an IP address
		 * must be in its IP SANs, a name in its DNS SANs */
		unsigned char ip[16];
		X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
		if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1) {
			X509_VERIFY_PARAM_set1_ip_asc(vp, host);
		} else {
			SSL_set_tlsext_host_name(t->ssl, host);
			SSL_set1_host(t->ssl, host);
		}
		SSL_set_fd(t->ssl, t->fd);
		if (SSL_connect(t->ssl) != 1)
			r = client_tls_fail(t, "handshake", err);
	}
	if (r < 0) {
		client_tls_close(t);
		return r;
	}
	*out = t;
	return 0;
}

int client_tls_send_all(struct client_tls *t, const char *p, size_t len, struct trex_err *err)
{
	while (len > 0) {
		int chunk = len > (1u << 30) ? 1 << 30 : (int)len;
		int n = SSL_write(t->ssl, p, chunk);
		if (n <= 0)
			return client_tls_fail(t, "write", err);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t client_tls_recv(struct client_tls *t, char *buf, size_t len, struct trex_err *err)
{
	int n = SSL_read(t->ssl, buf, len > (1u << 30) ? 1 << 30 : (int)len);
	if (n > 0)
		return n;
	int e = SSL_get_error(t->ssl, n);
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	if (e == SSL_ERROR_WANT_READ || (e == SSL_ERROR_SYSCALL && (errno == EAGAIN ||
								      errno == EWOULDBLOCK))) {
		ERR_clear_error();
		return trex_err_setx(err, -ETIMEDOUT, "trexd at %s did not answer in time", t->where);
	}
	return client_tls_fail(t, "read", err);
}

void client_tls_close(struct client_tls *t)
{
	if (!t)
		return;
	if (t->ssl)
		SSL_free(t->ssl);
	SSL_CTX_free(t->ctx);
	if (t->fd >= 0)
		close(t->fd);
	trex_free(t);
	ERR_clear_error();
}
