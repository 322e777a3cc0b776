/* The access part of trexd.json: permits (trusted approver keys, revoked
 * permit ids, whether a permit is required), users and their roles, the
 * two-checker rule and the audit checkpoint interval. Kept apart from
 * config.c so the rules about who may do what read in one place. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "permit.h"

static const char *const access_keys[] = { "require_permit", "approver_keys",
					   "revoked_permits", "users", "two_checkers",
					   "audit_checkpoint_every" };

static const struct {
	const char *name;
	unsigned bit;
} role_names[] = {
	{ "researcher", ROLE_RESEARCHER }, { "approver", ROLE_APPROVER },
	{ "checker", ROLE_CHECKER },       { "operator", ROLE_OPERATOR },
	{ "auditor", ROLE_AUDITOR },
};

int config_access_key(const char *key)
{
	for (size_t i = 0; i < TREX_ARRAY_LEN(access_keys); i++)
		if (strcmp(key, access_keys[i]) == 0)
			return 1;
	return 0;
}

/* An array of non-empty strings, each at most `max` bytes. */
static int access_strv(const char *file, int line, const char *what, json_t *v, size_t max,
		       char ***out, size_t *n, struct trex_err *err)
{
	if (!json_is_array(v))
		return trex_err_setx(err, -EINVAL, "%s:%d: \"%s\" must be an array of strings",
				     file, line, what);
	size_t cnt = json_array_size(v);
	char **strv = trex_calloc(cnt + 1, sizeof(*strv));
	if (!strv)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		const char *sv = json_string_value(e);
		if (!sv || !*sv || strlen(sv) > max) {
			for (size_t k = 0; k < i; k++)
				trex_free(strv[k]);
			trex_free(strv);
			return trex_err_setx(err, -EINVAL,
					     "%s:%d: \"%s\"[%zu] must be a non-empty string of at most %zu bytes",
					     file, line, what, i, max);
		}
		strv[i] = trex_strdup(sv);
	}
	for (size_t k = 0; k < *n; k++)
		trex_free((*out)[k]);
	trex_free(*out);
	*out = strv;
	*n = cnt;
	return 0;
}

/* One bound of an approver key: "YYYY-MM-DDTHH:MM:SSZ", after 1970 (0
 * means no bound). */
static int access_key_time(const char *file, int line, size_t i, const char *what, json_t *v,
			   time_t *out, struct trex_err *err)
{
	const char *s = json_string_value(v);
	if (!s || permit_parse_time(s, out) < 0 || *out <= 0)
		return trex_err_setx(err, -EINVAL,
				     "%s:%d: approver_keys[%zu].%s must be a time YYYY-MM-DDTHH:MM:SSZ (UTC)",
				     file, line, i, what);
	return 0;
}

/* "approver_keys": ["/path.pub", {"path": "/new.pub", "not_before": T,
 * "not_after": T}, ...]: a path alone is trusted always; an object may
 * bound when (rotation with an overlap period, docs/operations.md). */
static int access_approver_keys(struct access_config *a, const char *file, int line, json_t *v,
				struct trex_err *err)
{
	if (!json_is_array(v))
		return trex_err_setx(err, -EINVAL, "%s:%d: \"approver_keys\" must be an array of paths or {\"path\", \"not_before\", \"not_after\"} objects",
				     file, line);
	size_t cnt = json_array_size(v);
	_cleanup_free_ char **paths = trex_calloc(cnt + 1, sizeof(*paths));
	_cleanup_free_ time_t *nb = trex_calloc(cnt + 1, sizeof(*nb));
	_cleanup_free_ time_t *na = trex_calloc(cnt + 1, sizeof(*na));
	if (!paths || !nb || !na)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	size_t i;
	json_t *e;
	int r = 0;
	json_array_foreach(v, i, e) {
		json_t *pv = e;
		if (json_is_object(e)) {
			const char *k;
			json_t *f;
			json_object_foreach(e, k, f) {
				if (strcmp(k, "not_before") == 0)
					r = access_key_time(file, line, i, k, f, &nb[i], err);
				else if (strcmp(k, "not_after") == 0)
					r = access_key_time(file, line, i, k, f, &na[i], err);
				else if (strcmp(k, "path") != 0)
					r = trex_err_setx(err, -EINVAL,
							  "%s:%d: unknown key \"%.64s\" in approver_keys[%zu] (the keys are path, not_before, not_after)",
							  file, line, k, i);
				if (r < 0)
					break;
			}
			if (r == 0 && nb[i] && na[i] && na[i] <= nb[i])
				r = trex_err_setx(err, -EINVAL,
						  "%s:%d: approver_keys[%zu]: not_after is not after not_before",
						  file, line, i);
			pv = json_object_get(e, "path");
		}
		const char *sv = json_string_value(pv);
		if (r == 0 && (!sv || !*sv || strlen(sv) > 4095))
			r = trex_err_setx(err, -EINVAL,
					  "%s:%d: approver_keys[%zu] must be a path (a non-empty string of at most 4095 bytes), or {\"path\": PATH, \"not_before\": TIME, \"not_after\": TIME}",
					  file, line, i);
		if (r == 0 && !(paths[i] = trex_strdup(sv)))
			r = trex_err_setx(err, -ENOMEM, "out of memory");
		if (r < 0)
			break;
	}
	if (r < 0) {
		for (size_t k = 0; k < cnt; k++)
			trex_free(paths[k]);
		return r;
	}
	for (size_t k = 0; k < a->n_approver_keys; k++)
		trex_free(a->approver_keys[k]);
	trex_free(a->approver_keys);
	trex_free(a->approver_not_before);
	trex_free(a->approver_not_after);
	a->approver_keys = TREX_TAKE(paths);
	a->approver_not_before = TREX_TAKE(nb);
	a->approver_not_after = TREX_TAKE(na);
	a->n_approver_keys = cnt;
	return 0;
}

/* "users": {"alice": {"uid": 1000, "roles": ["researcher"], "projects": ["P1"]}} */
static int access_users(struct config *c, const char *file, int line, json_t *v,
			struct trex_err *err)
{
	if (!json_is_object(v))
		return trex_err_setx(err, -EINVAL, "%s:%d: \"users\" must be an object", file, line);
	c->access.users = trex_calloc(json_object_size(v) + 1, sizeof(*c->access.users));
	if (!c->access.users)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	const char *name;
	json_t *u;
	json_object_foreach(v, name, u) {
		struct user *usr = &c->access.users[c->access.n_users++];
		usr->uid = -1;
		usr->name = trex_strdup(name);
		if (!usr->name)
			return trex_err_setx(err, -ENOMEM, "out of memory");
		if (!*name || strlen(name) > 64 || strpbrk(name, " \t\r\n\"/"))
			return trex_err_setx(err, -EINVAL, "%s:%d: bad user name \"%.64s\"", file,
					     line, name);
		if (!json_is_object(u))
			return trex_err_setx(err, -EINVAL, "%s:%d: users.%s must be an object",
					     file, line, name);
		const char *k;
		json_t *f;
		json_object_foreach(u, k, f) {
			if (strcmp(k, "uid") == 0) {
				if (!json_is_integer(f) || json_integer_value(f) < 0 ||
				    json_integer_value(f) > 0xfffffffeLL)
					return trex_err_setx(err, -EINVAL,
							     "%s:%d: users.%s.uid must be a uid",
							     file, line, name);
				usr->uid = (long)json_integer_value(f);
			} else if (strcmp(k, "projects") == 0) {
				if (access_strv(file, line, "projects", f, 64, &usr->projects,
						&usr->n_projects, err) < 0)
					return err->code;
			} else if (strcmp(k, "roles") == 0) {
				size_t i;
				json_t *r;
				if (!json_is_array(f))
					return trex_err_setx(err, -EINVAL,
							     "%s:%d: users.%s.roles must be an array",
							     file, line, name);
				json_array_foreach(f, i, r) {
					const char *rn = json_string_value(r);
					unsigned bit = 0;
					for (size_t j = 0; rn && j < TREX_ARRAY_LEN(role_names); j++)
						if (strcmp(rn, role_names[j].name) == 0)
							bit = role_names[j].bit;
					if (!bit)
						return trex_err_setx(err, -EINVAL,
								     "%s:%d: users.%s.roles[%zu]: must be one of researcher, approver, checker, operator, auditor",
								     file, line, name, i);
					usr->roles |= bit;
				}
			} else {
				return trex_err_setx(err, -EINVAL,
						     "%s:%d: unknown key \"%.64s\" in users.%s", file,
						     line, k, name);
			}
		}
	}
	return 0;
}

int config_access_parse(struct config *c, const char *file, int line, const char *key,
			json_t *v, struct trex_err *err)
{
	struct access_config *a = &c->access;
	if (strcmp(key, "require_permit") == 0 || strcmp(key, "two_checkers") == 0) {
		if (!json_is_boolean(v))
			return trex_err_setx(err, -EINVAL, "%s:%d: \"%s\" must be true or false",
					     file, line, key);
		*(key[0] == 'r' ? &a->require_permit : &a->two_checkers) = json_is_true(v);
		return 0;
	}
	if (strcmp(key, "audit_checkpoint_every") == 0) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 1000000)
			return trex_err_setx(err, -EINVAL,
					     "%s:%d: \"audit_checkpoint_every\" must be an integer from 1 to 1000000",
					     file, line);
		a->checkpoint_every = (int)json_integer_value(v);
		return 0;
	}
	if (strcmp(key, "approver_keys") == 0)
		return access_approver_keys(a, file, line, v, err);
	if (strcmp(key, "revoked_permits") == 0)
		return access_strv(file, line, key, v, 256, &a->revoked_permits,
				   &a->n_revoked_permits, err);
	if (strcmp(key, "users") == 0) {
		if (a->users)
			return trex_err_setx(err, -EINVAL, "%s:%d: \"users\" given twice", file, line);
		return access_users(c, file, line, v, err);
	}
	return trex_err_setx(err, -EINVAL, "%s:%d: unknown key \"%s\"", file, line, key);
}

const struct user *config_user(const struct config *c, uid_t uid, const char *name)
{
	for (size_t i = 0; i < c->access.n_users; i++)
		if (c->access.users[i].uid >= 0 && (uid_t)c->access.users[i].uid == uid)
			return &c->access.users[i];
	for (size_t i = 0; name && i < c->access.n_users; i++)
		if (c->access.users[i].uid < 0 && strcmp(c->access.users[i].name, name) == 0)
			return &c->access.users[i];
	return NULL;
}

static void access_free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		trex_free(v[i]);
	trex_free(v);
}

void config_access_free(struct config *c)
{
	struct access_config *a = &c->access;
	access_free_strv(a->approver_keys, a->n_approver_keys);
	trex_free(a->approver_not_before);
	trex_free(a->approver_not_after);
	access_free_strv(a->revoked_permits, a->n_revoked_permits);
	for (size_t i = 0; i < a->n_users; i++) {
		trex_free(a->users[i].name);
		access_free_strv(a->users[i].projects, a->users[i].n_projects);
	}
	trex_free(a->users);
	memset(a, 0, sizeof(*a));
}
