/* trex's side of trexd's TLS listener: TLS 1.3 over TCP with a client
 * certificate, verifying trexd's certificate against --cacert and its host
 * name or IP against the URL. Blocking I/O with the same timeouts as the
 * unix socket: trex is a one-shot command, not a server. */
#ifndef TREX_AGENT_CLIENT_TLS_H
#define TREX_AGENT_CLIENT_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"

/* Files given by --cert/--key/--cacert or TREX_CERT/TREX_KEY/TREX_CACERT
 * (any may be NULL: no client certificate, the system's CA store). */
struct client_tls_files {
	const char *cert;
	const char *key;
	const char *cacert;
};

/* One connection to trexd (an https:// endpoint). */
struct client_tls;

/* 1 when endpoint is an https:// URL (else it is a unix socket path). */
int client_tls_is_url(const char *endpoint);

/* Connect to "https://HOST:PORT[/]" (HOST an IP, [IPv6] or a name) and
 * finish the handshake; io_timeout_s bounds every read and write. */
int client_tls_connect(const char *url, const struct client_tls_files *files, int io_timeout_s,
		       struct client_tls **out, struct trex_err *err);
int client_tls_send_all(struct client_tls *t, const char *p, size_t len, struct trex_err *err);
/* Bytes read (0 at the end of the stream), or <0 with err set. */
ssize_t client_tls_recv(struct client_tls *t, char *buf, size_t len, struct trex_err *err);
void client_tls_close(struct client_tls *t);

#endif
