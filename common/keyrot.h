/* A rotation of trexd's signing key, attested by the key it retires
 * (docs/operations.md "Key rotation"). `trexd rotate-key` writes the
 * statement to STATE/keys/NEW_ID.rotation.json; the first start with the
 * new key copies it into the audit log as a "key_rotated" line; `trex
 * audit verify` follows it from the old key to the new one. Fields:
 *
 *   {"old_key_id", "new_key_id", "rotated_at", "public_key" (the new
 *    key's PEM), "signature" (by the old key over keyrot_text)}
 */
#ifndef TREX_KEYROT_H
#define TREX_KEYROT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct trex_key;

/* "trex-key-rotation old=OLD new=NEW at=ROTATED_AT" from stmt's fields;
 * -EINVAL when one is missing or not a key id / time. */
int keyrot_text(json_t *stmt, char *out, size_t len);

/* 0 when stmt retires old (its id is old_key_id), is signed by it and
 * names a public key whose id is new_key_id: *next is that key (the
 * caller frees it). -EBADMSG otherwise, err saying which. */
int keyrot_check(json_t *stmt, const struct trex_key *old, struct trex_key **next,
		 struct trex_err *err);

/* trexd's public keys a verifier holds, by key id: the current one and
 * the ones rotations retired (STATE/keys/ID.pub). */
#define KEYRING_MAX 64
struct keyring {
	size_t n;
	struct trex_key *key[KEYRING_MAX];
	char id[KEYRING_MAX][65];
};

/* Add a public key PEM file, or every *.pub file of a folder. A key held
 * already is not added twice. */
int keyring_load(struct keyring *kr, const char *path, struct trex_err *err);
/* Add k (the ring owns it from now, even on failure). */
int keyring_add(struct keyring *kr, struct trex_key *k, struct trex_err *err);
const struct trex_key *keyring_find(const struct keyring *kr, const char *id);
void keyring_free(struct keyring *kr);

/* One line (seq, hash of the line before: prev) of trexd's audit log as
 * a verifier walks it: a checkpoint must be signed, over the line before
 * it, by the key its key_id names (the only key held when a line from
 * before key ids names none); a key_rotated line whose statement a held
 * key signed adds the new key. *signed_line is 1 for a checked
 * checkpoint. -EBADMSG naming the line otherwise. */
int keyring_audit_line(struct keyring *kr, uint64_t seq, const char *prev, json_t *line,
		       int *signed_line, struct trex_err *err);

#endif
