/* The permit check at submission: trexd trusts the approver public keys
 * named in its config and refuses permits on its revocation list. Every
 * decision, accepted or refused, is appended to the audit log before the
 * answer goes out. */
#include "access.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "log.h"
#include "packs.h"
#include "trexd.h"

static void permits_free_keys(struct trex_key **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		trex_key_free(keys[i]);
	trex_free(keys);
}

/* Every approver key file of c, loaded into keys (n_approver_keys + 1
 * slots): each must load, and no key may be listed twice (its trust
 * window would be ambiguous). */
static int permits_load_keys(const struct config *c, struct trex_key **keys, struct trex_err *err)
{
	const struct access_config *ac = &c->access;
	char (*ids)[65] = trex_calloc(ac->n_approver_keys + 1, sizeof(*ids));
	if (!ids)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int r = 0;
	for (size_t i = 0; i < ac->n_approver_keys && r == 0; i++) {
		if (trex_key_load_public(ac->approver_keys[i], &keys[i], err) < 0) {
			r = trex_err_prefix(err, "approver key %s", ac->approver_keys[i]);
			break;
		}
		if (trex_key_id(keys[i], ids[i]) < 0) {
			r = trex_err_setx(err, -EIO, "approver key %s: no key id", ac->approver_keys[i]);
			break;
		}
		for (size_t k = 0; k < i && r == 0; k++)
			if (strcmp(ids[k], ids[i]) == 0)
				r = trex_err_setx(err, -EINVAL,
						  "approver key %s: the same key as %s (key_id %s): list each key once",
						  ac->approver_keys[i], ac->approver_keys[k], ids[i]);
	}
	trex_free(ids);
	if (r < 0)
		for (size_t i = 0; i < ac->n_approver_keys; i++) {
			trex_key_free(keys[i]);
			keys[i] = NULL;
		}
	return r;
}

/* Trust from d->cfg: the approver keys, their trust windows and the
 * revocation list. */
static int permits_load_trust(struct trexd *d, struct trex_err *err)
{
	struct trexd_access *a = d->acc;
	const struct access_config *ac = &d->cfg->access;
	struct trex_key **keys = trex_calloc(ac->n_approver_keys + 1, sizeof(*keys));
	if (!keys)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	if (permits_load_keys(d->cfg, keys, err) < 0) {
		trex_free(keys);
		return err->code;
	}
	permits_free_keys(a->approvers, a->n_approvers);
	a->approvers = keys;
	a->n_approvers = ac->n_approver_keys;
	a->trust.keys = a->approvers;
	a->trust.nkeys = a->n_approvers;
	a->trust.not_before = ac->approver_not_before;
	a->trust.not_after = ac->approver_not_after;
	/* a configuration replaced by SIGHUP stays allocated until exit */
	a->trust.revoked = (const char *const *)ac->revoked_permits;
	a->trust.nrevoked = ac->n_revoked_permits;
	a->trust_cfg = d->cfg;
	return 0;
}

int permits_init(struct trexd *d, struct trex_err *err)
{
	const struct access_config *ac = &d->cfg->access;
	int r = permits_load_trust(d, err);
	if (r < 0)
		return r;
	if (ac->require_permit && d->acc->n_approvers == 0)
		trex_log(TREX_LOG_WARN, "no_approver_keys",
			 "require_permit=true: every submission will be refused");
	return 0;
}

static int permits_policy_ok(const struct trexd *d, const char *policy)
{
	if (!packs_name_ok(policy))
		return 0;
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s.json", d->cfg->policy_dir, policy);
	return access(p, R_OK) == 0;
}

/* Audit the decision; a refusal that cannot be audited is still refused,
 * an acceptance that cannot be audited becomes a refusal. */
static int permits_audit(struct trexd *d, const char *researcher, const char *project,
			 const char *permit_id, const char *key_id, const char *code,
			 const char *msg)
{
	/* key_id: the approver key that signed it, as the permit names it;
	 * accepted means that key is trusted. A permit is the submitter's
	 * text: anything but a key id (64 hex digits) is recorded as "" */
	if (key_id && (strlen(key_id) != 64 || strspn(key_id, "0123456789abcdef") != 64))
		key_id = NULL;
	json_t *f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "user", researcher, "project", project,
			      "permit_id", permit_id ? permit_id : "", "key_id", key_id ? key_id : "",
			      "decision", code ? "refused" : "accepted", "code", code ? code : "");
	if (f && msg)
		json_object_set_new(f, "message", json_string(msg));
	struct trex_err aerr = { 0 };
	int r = f ? alog_event(d, "permit_decision", f, &aerr) : -ENOMEM;
	json_decref(f);
	return r;
}

int permits_check(struct trexd *d, const char *permit_text, const char *manifest_permit,
		  const char *researcher, const char *project, const char *dataset,
		  const char *runtime, struct permit_decision *out, const char **code,
		  struct trex_err *err)
{
	memset(out, 0, sizeof(*out));
	struct permit p = { 0 };
	int r = -EACCES;
	*code = NULL;
	/* after a SIGHUP reload: the new keys and revocations apply now; a
	 * key that no longer loads keeps the old trust (and is logged) */
	struct trex_err terr = { 0 };
	if (d->acc->trust_cfg != d->cfg && permits_load_trust(d, &terr) < 0) {
		trex_log(TREX_LOG_ERROR, "approver_keys_reload_failed", "code=%d", terr.code);
		d->acc->trust.revoked = (const char *const *)d->cfg->access.revoked_permits;
		d->acc->trust.nrevoked = d->cfg->access.n_revoked_permits;
		d->acc->trust_cfg = d->cfg;
	}
	if (!permit_text) {
		*code = "permit_missing";
		r = -EINVAL;
		trex_err_setx(err, -EINVAL, "this trexd requires a signed data permit with every job (trex submit --permit FILE)");
		goto out;
	}
	if (permit_parse(permit_text, strlen(permit_text), &p, err) < 0) {
		/* a failed parse may leave pointers into the freed document */
		memset(&p, 0, sizeof(p));
		*code = permit_refusal_code(PERMIT_MALFORMED);
		r = -EINVAL;
		goto out;
	}
	/* permit ids key approvals and job records: never cut short */
	if (strlen(p.permit_id) >= sizeof(out->permit_id)) {
		*code = permit_refusal_code(PERMIT_MALFORMED);
		r = -EINVAL;
		trex_err_setx(err, -EINVAL, "permit: \"permit_id\" is longer than %zu bytes",
			      sizeof(out->permit_id) - 1);
		goto out;
	}
	if (manifest_permit && strcmp(manifest_permit, p.permit_id) != 0) {
		*code = "permit_mismatch";
		r = -EINVAL;
		trex_err_setx(err, -EINVAL, "the manifest names permit %.128s but permit %.128s was sent",
			      manifest_permit, p.permit_id);
		goto out;
	}
	struct permit_request preq = { project, researcher, dataset, runtime, time(NULL) };
	enum permit_refusal why = permit_check(&p, &d->acc->trust, &preq, err);
	if (why != PERMIT_OK) {
		*code = permit_refusal_code(why);
		r = why == PERMIT_MALFORMED ? -EINVAL : -EACCES;
		goto out;
	}
	if (!permits_policy_ok(d, p.policy)) {
		*code = permit_refusal_code(PERMIT_MALFORMED);
		r = -EINVAL;
		char packs[160];
		const char *near;
		packs_names(d->cfg, p.policy, packs, sizeof(packs), &near);
		trex_err_setx(err, -EINVAL, "permit %.64s names disclosure policy \"%.64s\", which this trexd does not have%s%s%s; its policies: %s",
			      p.permit_id, p.policy, near ? " (did you mean \"" : "", near ? near : "",
			      near ? "\"?)" : "", packs[0] ? packs : "none");
		goto out;
	}
	snprintf(out->permit_id, sizeof(out->permit_id), "%s", p.permit_id);
	snprintf(out->policy, sizeof(out->policy), "%s", p.policy);
	out->strict = p.strict;
	r = 0;
out:
	if (permits_audit(d, researcher, project, p.permit_id ? p.permit_id : manifest_permit,
			  p.key_id, *code, *code ? err->msg : NULL) < 0 && r == 0) {
		*code = "internal";
		r = trex_err_setx(err, -EIO, "the permit decision could not be audited");
	}
	permit_free(&p);
	return r;
}

/* For trexd -n: every approver key file must load, as at start. */
int permits_check_config(const struct config *c, struct trex_err *err)
{
	struct trex_key **keys = trex_calloc(c->access.n_approver_keys + 1, sizeof(*keys));
	if (!keys)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int r = permits_load_keys(c, keys, err);
	permits_free_keys(keys, r < 0 ? 0 : c->access.n_approver_keys);
	return r;
}
