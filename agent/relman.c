/* The researcher's check of a release: trexd signs, with its own key, a
 * release manifest naming every released file's SHA-256 and size, the
 * verdict, the rules applied and the reviewer. trex fetch verifies that
 * signature before it downloads, and only accepts files the manifest
 * names with the same hash. trexd's public key comes from --trexd-key, or
 * is fetched once and pinned per socket (trust on first use) in
 * $XDG_CONFIG_HOME/trex/pins/ (~/.config/trex/pins/). */
#include "relman.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cli.h"
#include "agent/client.h"
#include "common/alloc.h"
#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/hash.h"
#include "common/sign.h"

static int relman_pin_path(const char *socket, char *out, size_t len)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char base[PATH_MAX];
	if (xdg && *xdg)
		snprintf(base, sizeof(base), "%s/trex/pins", xdg);
	else if (home && *home)
		snprintf(base, sizeof(base), "%s/.config/trex/pins", home);
	else
		return -ENOENT;
	char h[TREX_SHA256_HEX_LEN + 1];
	trex_sha256_hex(socket, strlen(socket), h);
	h[16] = '\0';
	snprintf(out, len, "%s/%s.pub", base, h);
	return 0;
}

/* The key to check against: the given file, the pinned one, or trexd's
 * answer pinned now. */
static int relman_key(const char *socket, const char *keyfile, struct trex_key **key,
		      struct trex_err *err)
{
	if (keyfile)
		return trex_key_load_public(keyfile, key, err);
	char pin[PATH_MAX];
	if (relman_pin_path(socket, pin, sizeof(pin)) < 0)
		return trex_err_setx(err, -ENOENT, "no --trexd-key and no HOME to pin trexd's key in");
	if (access(pin, F_OK) == 0)
		return trex_key_load_public(pin, key, err);
	json_t *ans = NULL;
	int r = client_call_json(socket, "GET", "/v1/trexd-key", NULL, &ans, err);
	if (r < 0)
		return r;
	const char *pem = json_string_value(json_object_get(ans, "public_key"));
	r = pem ? trex_key_parse_public(pem, strlen(pem), key, err)
		: trex_err_setx(err, -EPROTO, "trexd sent no public key");
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", pin);
	*strrchr(dir, '/') = '\0';
	if (r == 0 && trex_mkdir_p(dir, 0700, err) == 0) {
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0 && trex_write_file_atomic(dfd, strrchr(pin, '/') + 1, pem, strlen(pem),
						       0644, err) == 0)
			fprintf(stderr, "trex: pinned trexd's key in %s\n", pin);
	}
	json_decref(ans);
	return r;
}

int relman_check(const char *socket, const char *id, const char *keyfile, json_t *listing,
		 struct trex_err *err)
{
	return relman_check_get(socket, id, keyfile, listing, NULL, err);
}

int relman_check_get(const char *socket, const char *id, const char *keyfile, json_t *listing,
		     json_t **verified, struct trex_err *err)
{
	struct trex_key *key = NULL;
	int r = relman_key(socket, keyfile, &key, err);
	if (r < 0)
		return trex_err_prefix(err, "trexd key");
	char target[128];
	snprintf(target, sizeof(target), "/v1/jobs/%s/release", id);
	json_t *man = NULL;
	char *canon = NULL;
	r = client_call_json(socket, "GET", target, NULL, &man, err);
	if (r < 0)
		goto out;
	const char *sig = json_string_value(json_object_get(man, "signature"));
	/* a manifest names its key: after trexd rotate-key a pinned key is
	 * the retired one (docs/operations.md "trexd's signing key") */
	const char *mkid = json_string_value(json_object_get(man, "key_id"));
	char kid[65];
	if (mkid && trex_key_id(key, kid) == 0 && strcmp(mkid, kid) != 0) {
		r = trex_err_setx(err, -EBADMSG,
				  "the release manifest of job %s is not signed by this trexd's key: it"
				  " names trexd key %.16s, the key given or pinned is %.16s (a rotated"
				  " key? ask the operator)", id, mkid, kid);
		goto out;
	}
	json_t *copy = json_copy(man);
	json_object_del(copy, "signature");
	canon = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(copy);
	if (!sig || !canon ||
	    trex_verify(key, canon, strlen(canon), sig, err) < 0) {
		r = trex_err_setx(err, -EBADMSG,
				  "the release manifest of job %s is not signed by this trexd's key", id);
		goto out;
	}
	const char *mid = json_string_value(json_object_get(man, "job"));
	if (!mid || strcmp(mid, id) != 0) {
		r = trex_err_setx(err, -EBADMSG, "the release manifest is for another job");
		goto out;
	}
	/* every listed file must be in the signed manifest, same hash, size */
	size_t i, k;
	json_t *o, *f;
	json_array_foreach(listing, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *sha = json_string_value(json_object_get(o, "sha256"));
		int ok = 0;
		json_array_foreach(json_object_get(man, "files"), k, f) {
			const char *fn = json_string_value(json_object_get(f, "file"));
			const char *fs = json_string_value(json_object_get(f, "sha256"));
			if (fn && fs && name && sha && strcmp(fn, name) == 0 && strcmp(fs, sha) == 0 &&
			    json_integer_value(json_object_get(f, "size")) ==
				    json_integer_value(json_object_get(o, "size")))
				ok = 1;
		}
		if (!ok) {
			r = trex_err_setx(err, -EBADMSG,
					  "%s is not in the signed release manifest with that hash", name);
			goto out;
		}
	}
	r = 0;
	if (verified)
		*verified = json_incref(man);
out:
	free(canon);
	json_decref(man);
	trex_key_free(key);
	return r;
}

static const char *relman_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "-";
}

void relman_print_repro(FILE *f, json_t *man)
{
	json_t *rec = json_object_get(man, "reproducibility");
	if (!json_is_object(rec))
		return;
	json_t *rt = json_object_get(rec, "runtime"), *ds = json_object_get(rec, "dataset"),
	       *pol = json_object_get(rec, "policy"), *lim = json_object_get(rec, "limits");
	fputs("reproducibility (signed with the release):\n  trex     ", f);
	cli_put(f, relman_str(rec, "trex_version"));
	fputs("\n  runtime  ", f);
	cli_put(f, relman_str(rt, "name"));
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(rt, "interpreters"), key, v) {
		fputs(", ", f);
		cli_put(f, key);
		fputc(' ', f);
		cli_put(f, json_string_value(v) ? json_string_value(v) : "-");
	}
	if (json_object_get(rt, "packages_sha256")) {
		fprintf(f, ", %" JSON_INTEGER_FORMAT " packages sha256 ",
			json_integer_value(json_object_get(rt, "packages")));
		cli_put(f, relman_str(rt, "packages_sha256"));
	} else {
		fputs(" (its identity could not be probed)", f);
	}
	fputs("\n  dataset  ", f);
	cli_put(f, relman_str(ds, "name"));
	if (json_object_get(ds, "content_sha256")) {
		fputs(", content sha256 ", f);
		cli_put(f, relman_str(ds, "content_sha256"));
	}
	fputs("\n  policy   ", f);
	cli_put(f, relman_str(pol, "name"));
	fputs(", sha256 ", f);
	cli_put(f, relman_str(pol, "sha256"));
	fputs("\n  limits  ", f);
	json_object_foreach(lim, key, v) {
		fputc(' ', f);
		cli_put(f, key);
		fprintf(f, "=%" JSON_INTEGER_FORMAT, json_integer_value(v));
	}
	fputc('\n', f);
}
