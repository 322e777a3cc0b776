/* Ed25519 signatures through OpenSSL: data permits are signed by approver
 * keys, release manifests and audit checkpoints by trexd's own key. Keys are
 * PEM files (PKCS#8 private, SubjectPublicKeyInfo public); signatures travel
 * as base64 text. Not linked into trex-sandbox. */
#ifndef TREX_SIGN_H
#define TREX_SIGN_H

#include <stddef.h>

#include "err.h"

struct trex_key; /* opaque: an Ed25519 private or public key */

/* Generate a key pair; the private file is created 0600 and never
 * overwritten (-EEXIST). */
int trex_key_generate(const char *priv_path, const char *pub_path, struct trex_err *err);
int trex_key_load_private(const char *path, struct trex_key **key, struct trex_err *err);
int trex_key_load_public(const char *path, struct trex_key **key, struct trex_err *err);
/* Load a public key from PEM text held in memory (e.g. from a config). */
int trex_key_parse_public(const char *pem, size_t len, struct trex_key **key,
			  struct trex_err *err);
void trex_key_free(struct trex_key *key);
/* SHA-256 of the raw public key, hex: a short stable key id. */
int trex_key_id(const struct trex_key *key, char out[65]);

/* Sign data; *sig_b64 is base64 text the caller frees with trex_free. */
int trex_sign(const struct trex_key *key, const void *data, size_t len,
	      char **sig_b64, struct trex_err *err);
/* 0 when sig_b64 is a valid signature of data by key; -EBADMSG when not. */
int trex_verify(const struct trex_key *key, const void *data, size_t len,
		const char *sig_b64, struct trex_err *err);

#endif
