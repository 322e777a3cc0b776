/* Key rotation statements (keyrot.h). */
#include "keyrot.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "sign.h"

static int keyrot_is_id(const char *s)
{
	if (!s || strlen(s) != 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

int keyrot_text(json_t *stmt, char *out, size_t len)
{
	const char *old = json_string_value(json_object_get(stmt, "old_key_id"));
	const char *new = json_string_value(json_object_get(stmt, "new_key_id"));
	const char *at = json_string_value(json_object_get(stmt, "rotated_at"));
	if (!keyrot_is_id(old) || !keyrot_is_id(new) || !at || !*at || strlen(at) > 40 ||
	    strchr(at, ' '))
		return -EINVAL;
	int n = snprintf(out, len, "trex-key-rotation old=%s new=%s at=%s", old, new, at);
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

int keyrot_check(json_t *stmt, const struct trex_key *old, struct trex_key **next,
		 struct trex_err *err)
{
	char text[256], old_id[65], new_id[65];
	const char *pem = json_string_value(json_object_get(stmt, "public_key"));
	const char *sig = json_string_value(json_object_get(stmt, "signature"));
	*next = NULL;
	if (keyrot_text(stmt, text, sizeof(text)) < 0 || !pem || !sig)
		return trex_err_setx(err, -EBADMSG, "not a key rotation statement (old_key_id,"
				     " new_key_id, rotated_at, public_key, signature)");
	if (trex_key_id(old, old_id) < 0 ||
	    strcmp(old_id, json_string_value(json_object_get(stmt, "old_key_id"))) != 0)
		return trex_err_setx(err, -EBADMSG, "the rotation retires key %.16s, not key %.16s",
				     json_string_value(json_object_get(stmt, "old_key_id")), old_id);
	if (trex_verify(old, text, strlen(text), sig, NULL) < 0)
		return trex_err_setx(err, -EBADMSG, "the rotation is not signed by the key it retires (%.16s)",
				     old_id);
	struct trex_key *k = NULL;
	if (trex_key_parse_public(pem, strlen(pem), &k, err) < 0)
		return trex_err_setx(err, -EBADMSG, "the rotation's public_key is not a public key");
	if (trex_key_id(k, new_id) < 0 ||
	    strcmp(new_id, json_string_value(json_object_get(stmt, "new_key_id"))) != 0) {
		trex_key_free(k);
		return trex_err_setx(err, -EBADMSG, "the rotation's public_key is not key %.16s",
				     json_string_value(json_object_get(stmt, "new_key_id")));
	}
	*next = k;
	return 0;
}

int keyring_add(struct keyring *kr, struct trex_key *k, struct trex_err *err)
{
	char id[65];
	if (trex_key_id(k, id) < 0) {
		trex_key_free(k);
		return trex_err_setx(err, -EINVAL, "not a public key");
	}
	if (keyring_find(kr, id)) {
		trex_key_free(k);
		return 0;
	}
	if (kr->n == KEYRING_MAX) {
		trex_key_free(k);
		return trex_err_setx(err, -E2BIG, "more than %d trexd keys", KEYRING_MAX);
	}
	kr->key[kr->n] = k;
	memcpy(kr->id[kr->n], id, 65);
	kr->n++;
	return 0;
}

static int keyring_load_file(struct keyring *kr, const char *path, struct trex_err *err)
{
	struct trex_key *k = NULL;
	if (trex_key_load_public(path, &k, err) < 0)
		return err->code;
	return keyring_add(kr, k, err);
}

int keyring_load(struct keyring *kr, const char *path, struct trex_err *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return trex_err_set(err, -errno, "%s", path);
	if (!S_ISDIR(st.st_mode))
		return keyring_load_file(kr, path, err);
	DIR *d = opendir(path);
	if (!d)
		return trex_err_set(err, -errno, "%s", path);
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n <= 4 || strcmp(e->d_name + n - 4, ".pub") != 0)
			continue;
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		r = keyring_load_file(kr, p, err);
	}
	closedir(d);
	return r;
}

const struct trex_key *keyring_find(const struct keyring *kr, const char *id)
{
	for (size_t i = 0; id && i < kr->n; i++)
		if (strcmp(kr->id[i], id) == 0)
			return kr->key[i];
	return NULL;
}

void keyring_free(struct keyring *kr)
{
	for (size_t i = 0; i < kr->n; i++)
		trex_key_free(kr->key[i]);
	kr->n = 0;
}

int keyring_audit_line(struct keyring *kr, uint64_t seq, const char *prev, json_t *line,
		       int *signed_line, struct trex_err *err)
{
	const char *ev = json_string_value(json_object_get(line, "event"));
	*signed_line = 0;
	if (ev && strcmp(ev, "key_rotated") == 0) {
		const struct trex_key *old = keyring_find(
			kr, json_string_value(json_object_get(line, "old_key_id")));
		/* an unattested change, or a key this verifier lacks: the
		 * checkpoints after it say whether their key is held */
		if (!old || !json_object_get(line, "signature"))
			return 0;
		struct trex_key *next = NULL;
		if (keyrot_check(line, old, &next, err) < 0)
			return trex_err_prefix(err, "line %" PRIu64, seq);
		return keyring_add(kr, next, err);
	}
	if (!ev || strcmp(ev, "checkpoint") != 0)
		return 0;
	const char *kid = json_string_value(json_object_get(line, "key_id"));
	const struct trex_key *key = kid ? keyring_find(kr, kid) : kr->n == 1 ? kr->key[0] : NULL;
	if (!key)
		return trex_err_setx(err, -EBADMSG, "line %" PRIu64 ": checkpoint signed by trexd key"
				     " %.16s, none of the keys given (a retired key: STATE/keys/ID.pub)",
				     seq, kid ? kid : "(unnamed)");
	const char *h = json_string_value(json_object_get(line, "signed_hash"));
	const char *sig = json_string_value(json_object_get(line, "signature"));
	char ctext[256];
	if (!sig || !h || audit_checkpoint_text(line, ctext, sizeof(ctext)) < 0 ||
	    (uint64_t)json_integer_value(json_object_get(line, "signed_seq")) != seq - 1 ||
	    strcmp(h, prev) != 0 || trex_verify(key, ctext, strlen(ctext), sig, NULL) < 0)
		return trex_err_setx(err, -EBADMSG, "line %" PRIu64 ": checkpoint signature does not"
				     " verify with trexd key %.16s", seq, kid ? kid : "");
	*signed_line = 1;
	return 0;
}
