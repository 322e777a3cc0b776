#include "permit.h"

#include "alloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const permit_codes[] = {
	[PERMIT_OK] = "ok",
	[PERMIT_MALFORMED] = "permit_malformed",
	[PERMIT_UNTRUSTED_KEY] = "permit_untrusted_key",
	[PERMIT_FORGED] = "permit_forged",
	[PERMIT_NOT_YET_VALID] = "permit_not_yet_valid",
	[PERMIT_EXPIRED] = "permit_expired",
	[PERMIT_REVOKED] = "permit_revoked",
	[PERMIT_WRONG_PROJECT] = "permit_wrong_project",
	[PERMIT_RESEARCHER] = "permit_researcher_not_covered",
	[PERMIT_DATASET] = "permit_dataset_not_covered",
	[PERMIT_RUNTIME] = "permit_runtime_not_covered",
	[PERMIT_KEY_NOT_YET_VALID] = "permit_key_not_yet_valid",
	[PERMIT_KEY_EXPIRED] = "permit_key_expired",
};

const char *permit_refusal_code(enum permit_refusal r)
{
	if ((size_t)r >= sizeof(permit_codes) / sizeof(permit_codes[0]))
		return "permit_unknown";
	return permit_codes[r];
}

int permit_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end != '\0')
		return -EINVAL;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = t;
	return 0;
}

void permit_format_time(time_t t, char *out, size_t outsz)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, outsz, "@%lld", (long long)t);
}

static int permit_string_array(json_t *a, const char *key, struct trex_err *err)
{
	if (!json_is_array(a) || json_array_size(a) == 0)
		return trex_err_setx(err, -EINVAL, "permit: \"%s\" must be a non-empty array of strings", key);
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0)
			return trex_err_setx(err, -EINVAL, "permit: \"%s\"[%zu] must be a non-empty string", key, i);
	}
	return 0;
}

int permit_parse(const char *text, size_t len, struct permit *p, struct trex_err *err)
{
	memset(p, 0, sizeof(*p));
	if (len > PERMIT_MAX_BYTES)
		return trex_err_setx(err, -EFBIG, "permit larger than %d bytes", PERMIT_MAX_BYTES);
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return trex_err_setx(err, -EINVAL, "permit: line %d column %d: %s",
				     jerr.line, jerr.column, jerr.text);
	json_t *researchers, *datasets, *runtimes;
	const char *from, *until;
	int strict = 0;
	if (json_unpack_ex(doc, &jerr, JSON_STRICT,
			   "{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s?b, s:s, s:s}",
			   "permit_id", &p->permit_id, "project", &p->project,
			   "researchers", &researchers, "datasets", &datasets,
			   "runtimes", &runtimes, "policy", &p->policy,
			   "valid_from", &from, "valid_until", &until,
			   "strict", &strict, "key_id", &p->key_id,
			   "signature", &p->signature) < 0) {
		json_decref(doc);
		/* unpack may have set some pointers into doc before failing */
		memset(p, 0, sizeof(*p));
		return trex_err_setx(err, -EINVAL, "permit: %s", jerr.text);
	}
	p->doc = doc;
	p->strict = strict;
	int r;
	if ((r = permit_string_array(researchers, "researchers", err)) < 0 ||
	    (r = permit_string_array(datasets, "datasets", err)) < 0 ||
	    (r = permit_string_array(runtimes, "runtimes", err)) < 0)
		goto fail;
	if (permit_parse_time(from, &p->valid_from) < 0) {
		r = trex_err_setx(err, -EINVAL, "permit: valid_from is not YYYY-MM-DDTHH:MM:SSZ");
		goto fail;
	}
	if (permit_parse_time(until, &p->valid_until) < 0) {
		r = trex_err_setx(err, -EINVAL, "permit: valid_until is not YYYY-MM-DDTHH:MM:SSZ");
		goto fail;
	}
	if (p->valid_until <= p->valid_from) {
		r = trex_err_setx(err, -EINVAL, "permit: valid_until is not after valid_from");
		goto fail;
	}
	return 0;
fail:
	permit_free(p);
	return r;
}

void permit_free(struct permit *p)
{
	json_decref(p->doc);
	memset(p, 0, sizeof(*p));
}

int permit_canonical(json_t *doc, char **out, struct trex_err *err)
{
	json_t *copy = json_copy(doc);
	if (!copy)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	json_object_del(copy, "signature");
	*out = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(copy);
	if (!*out)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	return 0;
}

int permit_sign(json_t *doc, const struct trex_key *key, char **signed_text,
		struct trex_err *err)
{
	char id[65];
	if (trex_key_id(key, id) < 0)
		return trex_err_setx(err, -EIO, "cannot compute key id");
	json_t *copy = json_deep_copy(doc);
	if (!copy)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	json_object_del(copy, "signature");
	json_object_set_new(copy, "key_id", json_string(id));
	char *canon = NULL;
	int r = permit_canonical(copy, &canon, err);
	char *sig = NULL;
	if (r == 0)
		r = trex_sign(key, canon, strlen(canon), &sig, err);
	free(canon);
	if (r == 0) {
		json_object_set_new(copy, "signature", json_string(sig));
		trex_free(sig);
		*signed_text = json_dumps(copy, JSON_INDENT(2) | JSON_SORT_KEYS);
		if (!*signed_text)
			r = trex_err_setx(err, -ENOMEM, "out of memory");
	}
	json_decref(copy);
	if (r == 0) {
		/* re-parse to prove what we emit is a valid permit */
		struct permit p;
		r = permit_parse(*signed_text, strlen(*signed_text), &p, err);
		if (r < 0) {
			free(*signed_text);
			*signed_text = NULL;
		} else {
			permit_free(&p);
		}
	}
	return r;
}

static int permit_covers(json_t *doc, const char *key, const char *want)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(doc, key), i, v) {
		if (strcmp(json_string_value(v), want) == 0)
			return 1;
	}
	return 0;
}

/* The index of the trusted key with this id, or -1. */
static long permit_find_key(const struct permit_trust *trust, const char *id)
{
	for (size_t i = 0; i < trust->nkeys; i++) {
		char kid[65];
		if (trex_key_id(trust->keys[i], kid) == 0 && strcmp(kid, id) == 0)
			return (long)i;
	}
	return -1;
}

/* The signing key's own trust window (key rotation with an overlap: the
 * old key's not_after, the new key's not_before). Checked after the
 * signature, so a refusal naming the key is about a permit it signed. */
static enum permit_refusal permit_key_window(const struct permit *p,
					     const struct permit_trust *trust, size_t k,
					     time_t now, struct trex_err *err)
{
	time_t nb = trust->not_before ? trust->not_before[k] : 0;
	time_t na = trust->not_after ? trust->not_after[k] : 0;
	char when[32];
	if (nb && now < nb) {
		permit_format_time(nb, when, sizeof(when));
		trex_err_setx(err, -EACCES, "permit %s is signed by approver key %s, which is trusted only from %s (its not_before in approver_keys)",
			      p->permit_id, p->key_id, when);
		return PERMIT_KEY_NOT_YET_VALID;
	}
	if (na && now >= na) {
		permit_format_time(na, when, sizeof(when));
		trex_err_setx(err, -EACCES, "permit %s is signed by approver key %s, which expired at %s (its not_after in approver_keys): ask the approver for a permit signed with their current key",
			      p->permit_id, p->key_id, when);
		return PERMIT_KEY_EXPIRED;
	}
	return PERMIT_OK;
}

enum permit_refusal permit_check(const struct permit *p, const struct permit_trust *trust,
				 const struct permit_request *req, struct trex_err *err)
{
	long k = permit_find_key(trust, p->key_id);
	const struct trex_key *key = k >= 0 ? trust->keys[k] : NULL;
	if (!key) {
		trex_err_setx(err, -EACCES, "permit %s is signed by a key this server does not trust", p->permit_id);
		return PERMIT_UNTRUSTED_KEY;
	}
	char *canon = NULL;
	if (permit_canonical(p->doc, &canon, err) < 0)
		return PERMIT_MALFORMED;
	int r = trex_verify(key, canon, strlen(canon), p->signature, NULL);
	free(canon);
	if (r < 0) {
		trex_err_setx(err, -EACCES, "permit %s: signature does not match its content (forged or altered)", p->permit_id);
		return PERMIT_FORGED;
	}
	enum permit_refusal kw = permit_key_window(p, trust, (size_t)k, req->now, err);
	if (kw != PERMIT_OK)
		return kw;
	for (size_t i = 0; i < trust->nrevoked; i++) {
		if (strcmp(trust->revoked[i], p->permit_id) == 0) {
			trex_err_setx(err, -EACCES, "permit %s has been revoked", p->permit_id);
			return PERMIT_REVOKED;
		}
	}
	if (req->now < p->valid_from) {
		trex_err_setx(err, -EACCES, "permit %s is not valid yet", p->permit_id);
		return PERMIT_NOT_YET_VALID;
	}
	if (req->now >= p->valid_until) {
		trex_err_setx(err, -EACCES, "permit %s has expired", p->permit_id);
		return PERMIT_EXPIRED;
	}
	if (req->project && strcmp(req->project, p->project) != 0) {
		trex_err_setx(err, -EACCES, "permit %s is for project %s, not this job's project", p->permit_id, p->project);
		return PERMIT_WRONG_PROJECT;
	}
	if (req->researcher && !permit_covers(p->doc, "researchers", req->researcher)) {
		trex_err_setx(err, -EACCES, "permit %s does not name researcher %s", p->permit_id, req->researcher);
		return PERMIT_RESEARCHER;
	}
	if (req->dataset && !permit_covers(p->doc, "datasets", req->dataset)) {
		trex_err_setx(err, -EACCES, "permit %s does not cover dataset %s", p->permit_id, req->dataset);
		return PERMIT_DATASET;
	}
	if (req->runtime && !permit_covers(p->doc, "runtimes", req->runtime)) {
		trex_err_setx(err, -EACCES, "permit %s does not cover runtime %s", p->permit_id, req->runtime);
		return PERMIT_RUNTIME;
	}
	return PERMIT_OK;
}
