/* TLS for trexd's HTTP server through memory BIOs (tls.h). Policy, in one
 * place: TLS 1.3 only; a client certificate is required and must chain to
 * the configured client CA (OpenSSL checks it is fit for client use); its
 * subject must carry exactly one CN made of [A-Za-z0-9._-], which becomes
 * the caller's user name. No session tickets and no session cache: every
 * connection presents and verifies its certificate in a full handshake, so
 * a reloaded CA applies to the next connection; keep-alive makes the cost
 * rare. With tls.crl, the leaf's issuer must have a CRL in that file and
 * the leaf must not be on it (X509_V_FLAG_CRL_CHECK), on every handshake;
 * a reload reads the CRL again like the other files. */
#include "tls.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "sslerr.h"

struct tls_server {
	SSL_CTX *ctx;
};

struct tls_conn {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
	int established;
	int bad_cn;       /* the chain verified but the subject names no user */
	char user[TLS_MAX_USER + 1];
};

/* The user name a certificate stands for: its one subject CN, restricted to
 * the characters of account names so it can be logged and compared as is. */
static int tls_cert_user(X509 *cert, char *out, size_t outsz)
{
	X509_NAME *n = X509_get_subject_name(cert);
	int i = n ? X509_NAME_get_index_by_NID(n, NID_commonName, -1) : -1;
	if (i < 0 || X509_NAME_get_index_by_NID(n, NID_commonName, i) >= 0)
		return -EINVAL; /* none, or ambiguous */
	unsigned char *u = NULL;
	int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
	int r = 0;
	if (len < 1 || (size_t)len >= outsz || u[0] == '-' || u[0] == '.')
		r = -EINVAL;
	for (int k = 0; r == 0 && k < len; k++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    u[k]) || u[k] == '\0')
			r = -EINVAL;
	if (r == 0) {
		memcpy(out, u, (size_t)len);
		out[len] = '\0';
	}
	OPENSSL_free(u);
	return r;
}

/* Called for every certificate of the client's chain; the leaf (depth 0)
 * must also name a user, else the handshake fails like a bad chain. */
static int tls_verify(int ok, X509_STORE_CTX *xs)
{
	if (!ok || X509_STORE_CTX_get_error_depth(xs) != 0)
		return ok;
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_conn *t = ssl ? SSL_get_app_data(ssl) : NULL;
	if (!t)
		return 0;
	if (tls_cert_user(X509_STORE_CTX_get_current_cert(xs), t->user, sizeof(t->user)) < 0) {
		t->bad_cn = 1;
		t->user[0] = '\0';
		X509_STORE_CTX_set_error(xs, X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	return 1;
}

/* errno's message for a file OpenSSL would only call "system lib" */
static int tls_readable(const char *what, const char *path, const char *at, struct trex_err *err)
{
	FILE *f = fopen(at, "r");
	if (!f)
		return trex_err_set(err, -errno, "%s %s", what, path);
	fclose(f);
	return 0;
}

/* The CA of the store that signed crl: same subject as the CRL's issuer
 * and a signature that verifies with its key. NULL when none did. */
static X509 *tls_crl_issuer(X509_STORE *store, X509_CRL *crl)
{
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
	for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
		X509 *ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		if (ca && X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1)
			return ca;
	}
	ERR_clear_error();
	return NULL;
}

/* Every PEM CRL of tls.crl into the context's store, each signed by a CA
 * of tls.client_ca and current (this update passed, next update not);
 * then every handshake checks the client's certificate against them.
 * A CRL OpenSSL could not match to a CA would make it refuse every
 * client of that CA ("unable to get certificate CRL"): refused here,
 * where the message can name the file. */
static int tls_load_crl(SSL_CTX *ctx, const char *path, const char *at, struct trex_err *err)
{
	char why[160];
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);
	BIO *b = BIO_new_file(at, "r");
	if (!b)
		return trex_err_setx(err, -EINVAL, "tls.crl %s: %s", path,
				     trex_ssl_reason(why, sizeof(why), "cannot open"));
	int r = 0, n = 0;
	X509_CRL *crl;
	while (r == 0 && (crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		n++;
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
		if (!tls_crl_issuer(store, crl))
			r = trex_err_setx(err, -EINVAL, "tls.crl %s: CRL %d is not signed by a CA "
					  "of tls.client_ca", path, n);
		else if (X509_cmp_current_time(X509_CRL_get0_lastUpdate(crl)) >= 0)
			r = trex_err_setx(err, -EINVAL, "tls.crl %s: CRL %d is not valid yet "
					  "(its lastUpdate is in the future)", path, n);
		else if (next && X509_cmp_current_time(next) <= 0)
			r = trex_err_setx(err, -EINVAL, "tls.crl %s: CRL %d has expired (nextUpdate "
					  "passed): issue a new one", path, n);
		else if (X509_STORE_add_crl(store, crl) != 1)
			r = trex_err_setx(err, -EINVAL, "tls.crl %s: CRL %d: %s", path, n,
					  trex_ssl_reason(why, sizeof(why), "cannot add"));
		X509_CRL_free(crl);
	}
	/* the loop ends at the first thing that is not a PEM CRL: the end of
	 * the file after one CRL at least, or a malformed one */
	unsigned long e = ERR_peek_last_error();
	if (r == 0 && (n == 0 || ERR_GET_REASON(e) != PEM_R_NO_START_LINE))
		r = trex_err_setx(err, -EINVAL, "tls.crl %s: %s", path,
				  n == 0 && (!e || ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
					  ? "no PEM CRL in it"
					  : trex_ssl_reason(why, sizeof(why), "malformed CRL"));
	BIO_free(b);
	ERR_clear_error();
	if (r == 0)
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	return r;
}

int tls_server_new(const struct tls_config *c, struct tls_server **out, struct trex_err *err)
{
	return tls_server_new_at(c, NULL, out, err);
}

int tls_server_new_at(const struct tls_config *c, const char *const at[4],
		      struct tls_server **out, struct trex_err *err)
{
	char why[160];
	*out = NULL;
	/* read from `at` when given, named as configured in every message */
	const char *cert = at ? at[0] : c->cert, *key = at ? at[1] : c->key;
	const char *client_ca = at ? at[2] : c->client_ca, *crl = at ? at[3] : c->crl;
	if (tls_readable("tls.cert", c->cert, cert, err) < 0 ||
	    tls_readable("tls.key", c->key, key, err) < 0 ||
	    tls_readable("tls.client_ca", c->client_ca, client_ca, err) < 0 ||
	    (c->crl && tls_readable("tls.crl", c->crl, crl, err) < 0))
		return err->code;
	struct tls_server *s = trex_calloc(1, sizeof(*s));
	if (!s)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	ERR_clear_error();
	int r = 0;
	s->ctx = SSL_CTX_new(TLS_server_method());
	if (!s->ctx) {
		r = trex_err_setx(err, -ENOMEM, "SSL_CTX_new: %s",
				  trex_ssl_reason(why, sizeof(why), "unknown error"));
		goto out;
	}
	SSL_CTX_set_min_proto_version(s->ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(s->ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(s->ctx, 0);
	SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_OFF);
	/* idle keep-alive connections hold no record buffers */
	SSL_CTX_set_mode(s->ctx, SSL_MODE_RELEASE_BUFFERS);
	/* send tls.cert's chain as given, never one built from client_ca */
	SSL_CTX_set_mode(s->ctx, SSL_MODE_NO_AUTO_CHAIN);
	if (SSL_CTX_use_certificate_chain_file(s->ctx, cert) != 1) {
		r = trex_err_setx(err, -EINVAL, "tls.cert %s: %s", c->cert,
				  trex_ssl_reason(why, sizeof(why), "unknown error"));
		goto out;
	}
	/* OpenSSL checks the key against the certificate as it loads it */
	if (SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
		r = trex_err_setx(err, -EINVAL, "tls.key %s: %s", c->key,
				  trex_ssl_reason(why, sizeof(why), "unknown error"));
		goto out;
	}
	if (ERR_peek_last_error() || SSL_CTX_check_private_key(s->ctx) != 1) {
		r = trex_err_setx(err, -EINVAL, "tls.key %s does not match tls.cert %s (%s)", c->key,
				  c->cert, trex_ssl_reason(why, sizeof(why), "unknown error"));
		goto out;
	}
	STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(client_ca);
	if (!names || SSL_CTX_load_verify_locations(s->ctx, client_ca, NULL) != 1) {
		sk_X509_NAME_pop_free(names, X509_NAME_free);
		r = trex_err_setx(err, -EINVAL, "tls.client_ca %s: %s", c->client_ca,
				  ERR_peek_last_error() ? trex_ssl_reason(why, sizeof(why), "unknown error")
							: "no PEM certificate in it");
		goto out;
	}
	SSL_CTX_set_client_CA_list(s->ctx, names); /* takes names */
	if (c->crl && (r = tls_load_crl(s->ctx, c->crl, crl, err)) < 0)
		goto out;
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, tls_verify);
	SSL_CTX_set_verify_depth(s->ctx, 8);
out:
	ERR_clear_error();
	if (r < 0) {
		tls_server_free(s);
		return r;
	}
	*out = s;
	return 0;
}

void tls_server_free(struct tls_server *s)
{
	if (!s)
		return;
	SSL_CTX_free(s->ctx);
	trex_free(s);
}

struct tls_conn *tls_conn_new(struct tls_server *s)
{
	struct tls_conn *t = trex_calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ssl = SSL_new(s->ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->rbio || !t->wbio) {
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		SSL_free(t->ssl);
		trex_free(t);
		ERR_clear_error();
		return NULL;
	}
	/* an empty read BIO means "wait for the loop", not end of stream */
	BIO_set_mem_eof_return(t->rbio, -1);
	BIO_set_mem_eof_return(t->wbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_accept_state(t->ssl);
	SSL_set_app_data(t->ssl, t);
	return t;
}

void tls_conn_free(struct tls_conn *t)
{
	if (!t)
		return;
	SSL_free(t->ssl); /* frees both BIOs */
	trex_free(t);
}

static int tls_fail(struct tls_conn *t, int ssl_error, struct trex_err *err)
{
	char why[160];
	long v = SSL_get_verify_result(t->ssl);
	if (t->bad_cn)
		snprintf(why, sizeof(why), "client certificate names no user (one subject CN of "
					   "1-64 characters [A-Za-z0-9._-] is required)");
	else if (!t->established && v != X509_V_OK)
		snprintf(why, sizeof(why), "client certificate: %s", X509_verify_cert_error_string(v));
	else if (ERR_peek_last_error())
		trex_ssl_reason(why, sizeof(why), "unknown error");
	else if (ssl_error == SSL_ERROR_SYSCALL)
		snprintf(why, sizeof(why), "unexpected end of stream");
	else
		snprintf(why, sizeof(why), "TLS error %d", ssl_error);
	ERR_clear_error();
	return trex_err_setx(err, -EPROTO, "%s", why);
}

int tls_conn_input(struct tls_conn *t, const char *data, size_t len, tls_deliver_fn deliver,
		   void *arg, struct trex_err *err)
{
	ERR_clear_error();
	if (len > INT_MAX || (len && BIO_write(t->rbio, data, (int)len) != (int)len)) {
		ERR_clear_error();
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	if (!t->established) {
		int r = SSL_do_handshake(t->ssl);
		if (r != 1) {
			int e = SSL_get_error(t->ssl, r);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
				return 0;
			return tls_fail(t, e, err);
		}
		t->established = 1;
	}
	char buf[16384];
	for (;;) {
		int n = SSL_read(t->ssl, buf, sizeof(buf));
		if (n > 0) {
			if (deliver(arg, buf, (size_t)n) < 0)
				return 0;
			continue;
		}
		int e = SSL_get_error(t->ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		if (e == SSL_ERROR_ZERO_RETURN)
			return 1;
		return tls_fail(t, e, err);
	}
}

int tls_conn_write(struct tls_conn *t, const char *data, size_t len, struct trex_err *err)
{
	ERR_clear_error();
	while (len > 0) {
		int chunk = len > (1u << 30) ? 1 << 30 : (int)len;
		int n = SSL_write(t->ssl, data, chunk);
		if (n <= 0)
			return tls_fail(t, SSL_get_error(t->ssl, n), err);
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

void tls_conn_shutdown(struct tls_conn *t)
{
	if (t->established)
		SSL_shutdown(t->ssl);
	ERR_clear_error();
}

char *tls_conn_take(struct tls_conn *t, size_t *len)
{
	*len = 0;
	size_t n = BIO_ctrl_pending(t->wbio);
	if (n == 0 || n > INT_MAX)
		return NULL;
	char *b = trex_malloc(n);
	if (!b)
		return NULL;
	int got = BIO_read(t->wbio, b, (int)n);
	if (got <= 0) {
		trex_free(b);
		return NULL;
	}
	*len = (size_t)got;
	return b;
}

int tls_conn_established(const struct tls_conn *t)
{
	return t->established;
}

const char *tls_conn_user(const struct tls_conn *t)
{
	return t->established ? t->user : "";
}
