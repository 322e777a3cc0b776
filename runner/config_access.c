/* The access part of trexd.json: permits (trusted approver keys, revoked
 * permit ids, whether a permit is required), users and their roles, the
 * two-checker rule and the audit checkpoint interval. Kept apart from
 * config.c so the rules about who may do what read in one place. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

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
		return access_strv(file, line, key, v, 4095, &a->approver_keys,
				   &a->n_approver_keys, err);
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
	access_free_strv(a->revoked_permits, a->n_revoked_permits);
	for (size_t i = 0; i < a->n_users; i++) {
		trex_free(a->users[i].name);
		access_free_strv(a->users[i].projects, a->users[i].n_projects);
	}
	trex_free(a->users);
	memset(a, 0, sizeof(*a));
}
