/* TLS 1.3 with mutual authentication for trexd's HTTP server (http.c),
 * driven from the libuv loop through two memory BIOs: the loop feeds the
 * ciphertext it read into the session and writes out whatever ciphertext the
 * session produced. No socket is ever handed to OpenSSL, nothing blocks and
 * no thread is added. The verified client certificate's subject CN is the
 * caller's user name (docs/config.md "tls"). */
#ifndef TREX_RUNNER_TLS_H
#define TREX_RUNNER_TLS_H

#include <stddef.h>

#include "config.h"
#include "err.h"

#define TLS_MAX_USER 64 /* longest accepted CN, as for configured user names */

/* Certificate, key and client CA of one configuration: an SSL_CTX that
 * requires TLS 1.3 and a client certificate. Sessions made from it keep it
 * alive (OpenSSL counts references), so a reload may free it at once. */
struct tls_server;

/* Load cert (PEM chain), key (PEM, must match the cert), client_ca (PEM
 * bundle) and, when set, crl (PEM CRLs, each signed by a CA of client_ca
 * and current) of c->tls. Errors name the file and OpenSSL's reason. */
int tls_server_new(const struct tls_config *c, struct tls_server **out,
		   struct trex_err *err);
/* The same, reading the files from at[0..3] (cert, key, client_ca, crl:
 * e.g. /proc/self/fd/N of copies the monitor opened for the service,
 * which may not read the configured files itself: reload.c). */
int tls_server_new_at(const struct tls_config *c, const char *const at[4],
		      struct tls_server **out, struct trex_err *err);
void tls_server_free(struct tls_server *s);

/* One connection's TLS session (server side, accept state). */
struct tls_conn;

struct tls_conn *tls_conn_new(struct tls_server *s);
void tls_conn_free(struct tls_conn *t);

/* Plaintext delivered by tls_conn_input; return <0 to stop delivering. */
typedef int (*tls_deliver_fn)(void *arg, const char *data, size_t len);

/* Feed ciphertext read from the socket: advances the handshake, then hands
 * every decrypted byte to deliver. <0 with err set when the peer failed the
 * handshake (no or unverifiable certificate, TLS below 1.3) or sent a bad
 * record; an alert may then be pending (tls_conn_take) before the close.
 * 1 when the peer sent close_notify. */
int tls_conn_input(struct tls_conn *t, const char *data, size_t len, tls_deliver_fn deliver,
		   void *arg, struct trex_err *err);
/* Encrypt plaintext into the pending ciphertext. */
int tls_conn_write(struct tls_conn *t, const char *data, size_t len, struct trex_err *err);
/* Queue a close_notify alert (the last thing written on a closing connection). */
void tls_conn_shutdown(struct tls_conn *t);
/* Ciphertext waiting for the socket, moved into a trex_malloc'd buffer the
 * caller owns; NULL (len 0) when there is none or memory ran out. */
char *tls_conn_take(struct tls_conn *t, size_t *len);

/* 1 once the handshake completed and the client certificate was verified. */
int tls_conn_established(const struct tls_conn *t);
/* The verified client's user name (certificate subject CN), "" before. */
const char *tls_conn_user(const struct tls_conn *t);

#endif
