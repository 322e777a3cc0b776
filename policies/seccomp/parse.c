/* Parser of the seccomp profile text format (grammar in secpol.h). Strict:
 * an unknown word, syscall, errno name or malformed condition is an error
 * naming file and line, never skipped, because a silently dropped line in a
 * security policy is a hole nobody sees. */
#include "secpol.h"

#include <errno.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"

#define SECPOL_MAX_TOKENS 48

struct secpol_errno_name {
	const char *name;
	int value;
};

/* The errnos a profile may return; a closed list keeps typos out. */
static const struct secpol_errno_name secpol_errnos[] = {
	{ "EPERM", EPERM },   { "ENOSYS", ENOSYS }, { "EACCES", EACCES },
	{ "EINVAL", EINVAL }, { "ENOTSUP", ENOTSUP }, { "EAFNOSUPPORT", EAFNOSUPPORT },
	{ "ENOENT", ENOENT },
};

static int secpol_errno_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(secpol_errnos) / sizeof(secpol_errnos[0]); i++)
		if (strcmp(secpol_errnos[i].name, name) == 0)
			return secpol_errnos[i].value;
	return -1;
}

static int secpol_parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || !end || *end)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

static int secpol_parse_op(const char *s, enum secpol_op *op)
{
	static const struct { const char *s; enum secpol_op op; } ops[] = {
		{ "==", SECPOL_EQ }, { "!=", SECPOL_NE }, { "<", SECPOL_LT },
		{ "<=", SECPOL_LE }, { ">", SECPOL_GT },  { ">=", SECPOL_GE },
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].s, s) == 0) {
			*op = ops[i].op;
			return 0;
		}
	return -EINVAL;
}

static int secpol_push(struct secpol *pol, const struct secpol_rule *r)
{
	if (pol->n == pol->cap) {
		size_t ncap = pol->cap ? pol->cap * 2 : 64;
		struct secpol_rule *nr = trex_reallocarray(pol->rules, ncap, sizeof(*nr));
		if (!nr)
			return -ENOMEM;
		pol->rules = nr;
		pol->cap = ncap;
	}
	pol->rules[pol->n++] = *r;
	return 0;
}

/* Conditions: tokens tok[i..n). */
static int secpol_parse_conds(char **tok, size_t n, struct secpol_rule *r,
			      const char *origin, unsigned line, struct trex_err *err)
{
	size_t i = 0;
	while (i < n) {
		struct secpol_cond c = { 0 };
		if (r->ncond == SECPOL_MAX_COND)
			return trex_err_setx(err, -EINVAL, "%s:%u: too many conditions", origin, line);
		const char *a = tok[i];
		if (strncmp(a, "arg", 3) != 0 || a[3] < '0' || a[3] > '5' || a[4])
			return trex_err_setx(err, -EINVAL, "%s:%u: expected arg0..arg5, got '%s'",
					     origin, line, a);
		c.arg = (unsigned)(a[3] - '0');
		for (unsigned k = 0; k < r->ncond; k++)
			if (r->cond[k].arg == c.arg)
				return trex_err_setx(err, -EINVAL,
						     "%s:%u: %s compared twice in one rule (libseccomp allows one comparison per argument; write two rules)",
						     origin, line, a);
		if (i + 2 < n && strcmp(tok[i + 1], "&") == 0) {
			if (i + 4 >= n || strcmp(tok[i + 3], "==") != 0)
				return trex_err_setx(err, -EINVAL,
						     "%s:%u: masked compare must read 'argN & MASK == VALUE'",
						     origin, line);
			if (secpol_parse_u64(tok[i + 2], &c.mask) < 0 ||
			    secpol_parse_u64(tok[i + 4], &c.value) < 0)
				return trex_err_setx(err, -EINVAL, "%s:%u: bad number", origin, line);
			if ((c.value & ~c.mask) != 0)
				return trex_err_setx(err, -EINVAL,
						     "%s:%u: value has bits outside the mask (never matches)",
						     origin, line);
			c.op = SECPOL_MASKED_EQ;
			i += 5;
		} else {
			if (i + 2 >= n)
				return trex_err_setx(err, -EINVAL, "%s:%u: incomplete condition after '%s'",
						     origin, line, a);
			if (secpol_parse_op(tok[i + 1], &c.op) < 0)
				return trex_err_setx(err, -EINVAL, "%s:%u: unknown operator '%s'",
						     origin, line, tok[i + 1]);
			if (secpol_parse_u64(tok[i + 2], &c.value) < 0)
				return trex_err_setx(err, -EINVAL, "%s:%u: bad number '%s'",
						     origin, line, tok[i + 2]);
			i += 3;
		}
		r->cond[r->ncond++] = c;
	}
	return 0;
}

static int secpol_parse_line(char *s, const char *origin, unsigned line,
			     struct secpol *pol, struct trex_err *err)
{
	char *tok[SECPOL_MAX_TOKENS];
	size_t n = 0;
	char *hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	for (char *save = NULL, *t = strtok_r(s, " \t\r", &save); t;
	     t = strtok_r(NULL, " \t\r", &save)) {
		if (n == SECPOL_MAX_TOKENS)
			return trex_err_setx(err, -EINVAL, "%s:%u: line too long", origin, line);
		tok[n++] = t;
	}
	if (n == 0)
		return 0;

	if (strcmp(tok[0], "default") == 0) {
		if (pol->has_default)
			return trex_err_setx(err, -EINVAL, "%s:%u: second 'default' line", origin, line);
		if (n == 3 && strcmp(tok[1], "errno") == 0) {
			int e = secpol_errno_lookup(tok[2]);
			if (e < 0)
				return trex_err_setx(err, -EINVAL, "%s:%u: unknown errno '%s'",
						     origin, line, tok[2]);
			pol->def_action = SECPOL_ERRNO;
			pol->def_errno = e;
		} else if (n == 2 && strcmp(tok[1], "kill") == 0) {
			pol->def_action = SECPOL_KILL;
		} else {
			/* a default of "allow" would turn the allowlist into a denylist */
			return trex_err_setx(err, -EINVAL,
					     "%s:%u: default must be 'errno NAME' or 'kill'", origin, line);
		}
		pol->has_default = true;
		return 0;
	}

	struct secpol_rule r = { .line = line };
	size_t i;
	if (strcmp(tok[0], "allow") == 0) {
		r.action = SECPOL_ALLOW;
		i = 1;
	} else if (strcmp(tok[0], "deny") == 0) {
		r.action = SECPOL_ERRNO;
		r.errno_val = EPERM;
		i = 1;
	} else if (strcmp(tok[0], "kill") == 0) {
		r.action = SECPOL_KILL;
		i = 1;
	} else if (strcmp(tok[0], "notify") == 0) {
		r.action = SECPOL_NOTIFY;
		i = 1;
	} else if (strcmp(tok[0], "errno") == 0) {
		if (n < 3)
			return trex_err_setx(err, -EINVAL, "%s:%u: 'errno' needs a name and a syscall",
					     origin, line);
		r.action = SECPOL_ERRNO;
		r.errno_val = secpol_errno_lookup(tok[1]);
		if (r.errno_val < 0)
			return trex_err_setx(err, -EINVAL, "%s:%u: unknown errno '%s'", origin, line, tok[1]);
		i = 2;
	} else {
		return trex_err_setx(err, -EINVAL, "%s:%u: unknown action '%s'", origin, line, tok[0]);
	}
	if (i >= n)
		return trex_err_setx(err, -EINVAL, "%s:%u: missing syscall name", origin, line);
	if (strlen(tok[i]) >= sizeof(r.name))
		return trex_err_setx(err, -EINVAL, "%s:%u: syscall name too long", origin, line);
	snprintf(r.name, sizeof(r.name), "%s", tok[i]);
	r.nr = seccomp_syscall_resolve_name(r.name);
	if (r.nr == __NR_SCMP_ERROR || r.nr < 0)
		return trex_err_setx(err, -EINVAL, "%s:%u: unknown syscall '%s' on this architecture",
				     origin, line, r.name);
	i++;
	if (n > i && strcmp(tok[n - 1], "intended") == 0) {
		r.intended = true;
		n--;
	}
	int rc = secpol_parse_conds(tok + i, n - i, &r, origin, line, err);
	if (rc < 0)
		return rc;
	if (secpol_push(pol, &r) < 0)
		return trex_err_setx(err, -ENOMEM, "%s: out of memory", origin);
	return 0;
}

int secpol_parse(const char *text, size_t len, const char *origin,
		 struct secpol *pol, struct trex_err *err)
{
	if (len > SECPOL_MAX_TEXT)
		return trex_err_setx(err, -EFBIG, "%s: profile larger than %d bytes", origin,
				     SECPOL_MAX_TEXT);
	if (memchr(text, '\0', len))
		return trex_err_setx(err, -EINVAL, "%s: NUL byte in profile", origin);
	pol->def_action = SECPOL_ERRNO;
	pol->def_errno = EPERM;
	unsigned line = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		line++;
		char *copy = trex_strndup(text + pos, l);
		if (!copy) {
			secpol_free(pol);
			return trex_err_setx(err, -ENOMEM, "%s: out of memory", origin);
		}
		int rc = secpol_parse_line(copy, origin, line, pol, err);
		trex_free(copy);
		if (rc < 0) {
			secpol_free(pol);
			return rc;
		}
		pos += l + (nl ? 1 : 0);
	}
	if (!pol->has_default) {
		secpol_free(pol);
		return trex_err_setx(err, -EINVAL, "%s: no 'default' line (say what unlisted syscalls get)",
				     origin);
	}
	return 0;
}

void secpol_free(struct secpol *pol)
{
	trex_free(pol->rules);
	pol->rules = NULL;
	pol->n = pol->cap = 0;
}
