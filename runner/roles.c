/* Who the caller is and what they may do. Identity is the peer uid of the
 * connection (SO_PEERCRED, or over TLS the account its client certificate
 * names), mapped to a configured user and roles. Without
 * a "users" section trexd keeps the old single-user rule: root holds every
 * role, anyone else is a researcher. Every refusal is audited. */
#include "access.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "trexd.h"

const char *roles_names(unsigned roles, char *buf, size_t len)
{
	static const char *const names[] = { "researcher", "approver", "checker", "operator",
					     "auditor" };
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < 5; i++)
		if (roles & (1u << i))
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "," : "",
					      names[i]);
	return buf;
}

static void roles_audit_refusal(struct trexd *d, const char *event, uid_t uid,
				const char *name, const char *what)
{
	json_t *f = json_pack("{s:I,s:s,s:s}", "uid", (json_int_t)uid, "user", name ? name : "",
			      "action", what);
	struct trex_err err = { 0 };
	if (!f || alog_event(d, event, f, &err) < 0)
		trex_log(TREX_LOG_ERROR, "audit_failed", "event=%s", event);
	json_decref(f);
}

int roles_lookup(const struct trexd *d, uid_t uid, const char *peer_name, struct caller *c)
{
	memset(c, 0, sizeof(*c));
	c->uid = uid;
	c->name = peer_name;
	if (uid == (uid_t)-1)
		return -EACCES; /* a certificate naming no account (roles_identify) */
	if (d->cfg->access.n_users == 0) {
		c->roles = uid == 0 ? ~0u : ROLE_RESEARCHER;
		return 0;
	}
	c->user = config_user(d->cfg, uid, peer_name);
	if (!c->user)
		return -EACCES;
	c->name = c->user->name;
	c->roles = c->user->roles;
	return 0;
}

int roles_identify(struct trexd *d, const struct http_request *req, struct caller *c,
		   struct http_response *resp)
{
	/* a TLS certificate naming no account of this host: nobody's jobs,
	 * no roles (http.c) */
	if (req->uid == (uid_t)-1) {
		memset(c, 0, sizeof(*c));
		roles_audit_refusal(d, "auth_failure", req->uid, req->user, req->path);
		http_respond_error(resp, 403, "unknown_user", "\"%s\" is not an account of this host",
				   req->user);
		return -EACCES;
	}
	if (roles_lookup(d, req->uid, req->user, c) < 0) {
		roles_audit_refusal(d, "auth_failure", req->uid, req->user, req->path);
		http_respond_error(resp, 403, "unknown_user",
				   "uid %u is not a user of this trexd", (unsigned)req->uid);
		return -EACCES;
	}
	return 0;
}

int roles_require(struct trexd *d, const struct caller *c, unsigned any_of,
		  const char *what, struct http_response *resp)
{
	if (c->roles & any_of)
		return 0;
	char need[80];
	roles_audit_refusal(d, "authz_failure", c->uid, c->name, what);
	http_respond_error(resp, 403, "forbidden", "%s needs the role %s", what,
			   roles_names(any_of, need, sizeof(need)));
	return -EACCES;
}

int roles_may_see(const struct trexd *d, const struct caller *c, const struct job_row *row)
{
	if (c->roles & (ROLE_APPROVER | ROLE_CHECKER | ROLE_OPERATOR | ROLE_AUDITOR))
		return 1;
	if (!(c->roles & ROLE_RESEARCHER))
		return 0;
	if (row->submitted_uid == c->uid)
		return 1;
	for (size_t i = 0; c->user && i < c->user->n_projects; i++)
		if (strcmp(c->user->projects[i], row->project) == 0)
			return 1;
	return 0;
}

int roles_load_job(struct trexd *d, const struct caller *c, const char *id,
		   struct job_row *row, struct http_response *resp)
{
	struct trex_err err = { 0 };
	int r = store_get_job(d->store, id, row, &err);
	if (r == -ENOENT || (r == 0 && !roles_may_see(d, c, row))) {
		if (r == 0)
			store_job_free(row);
		http_respond_error(resp, 404, "not_found", "no job %s", id);
		return -ENOENT;
	}
	if (r < 0) {
		http_respond_error(resp, 500, "internal", "%s", err.msg);
		return r;
	}
	return 0;
}
