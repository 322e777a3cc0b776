#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "fsutil.h"
#include "paths.h"

static void policy_json_decref(json_t **j)
{
	if (*j)
		json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(policy_json_decref)))

void policy_defaults(struct policy *p)
{
	/* ACRO's defaults (default.yaml) */
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "default");
	snprintf(p->version, sizeof(p->version), "builtin");
	p->safe_threshold = 10;
	p->safe_dof_threshold = 10;
	p->safe_nk_n = 2;
	p->safe_nk_k = 0.9;
	p->safe_pratio_p = 0.1;
	p->zeros_are_disclosive = true;
	p->check_missing_values = false;
	p->method = POLICY_SUPPRESS;
	p->anchor = POLICY_ANCHOR_ACRO;
	p->redact_at_or_below = 7;
	p->rounding_base = 5;
	p->protection_percent = 10;
	p->max_unknown_label_share = 0.5;
	p->record_level_min_rows = 10;
}

static int policy_dir(char *out, size_t outsz, struct trex_err *err)
{
	const char *env = getenv("TREX_POLICY_DIR");

	if (env && *env) {
		if ((size_t)snprintf(out, outsz, "%s", env) >= outsz)
			return trex_err_setx(err, -ENAMETOOLONG, "TREX_POLICY_DIR too long");
		return 0;
	}
	/* the installation's packs (paths.h), not a folder next to the binary */
	if ((size_t)snprintf(out, outsz, "%s/disclosure", trex_path_datadir()) >= outsz)
		return trex_err_setx(err, -ENAMETOOLONG, "policy directory path too long");
	return 0;
}

static bool policy_is_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || strchr(s, '/'))
		return false;
	if (n >= 5 && !strcmp(s + n - 5, ".json"))
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
			return false;
	return true;
}

static int policy_resolve(const char *name_or_path, char *out, size_t outsz,
			  struct trex_err *err)
{
	char dir[PATH_MAX];
	int r;

	if (!policy_is_name(name_or_path)) {
		if ((size_t)snprintf(out, outsz, "%s", name_or_path) >= outsz)
			return trex_err_setx(err, -ENAMETOOLONG, "policy path too long");
		return 0;
	}
	r = policy_dir(dir, sizeof(dir), err);
	if (r < 0)
		return r;
	if ((size_t)snprintf(out, outsz, "%s/%s.json", dir, name_or_path) >= outsz)
		return trex_err_setx(err, -ENAMETOOLONG, "policy path too long");
	return 0;
}

static int policy_get_long(json_t *v, const char *file, const char *key, long lo, long hi,
			   long *out, struct trex_err *err)
{
	json_int_t i;
	if (!json_is_integer(v))
		return trex_err_setx(err, -EINVAL, "%s: '%s' must be an integer", file, key);
	i = json_integer_value(v);
	if (i < lo || i > hi)
		return trex_err_setx(err, -EINVAL, "%s: '%s' must be between %ld and %ld",
				     file, key, lo, hi);
	*out = (long)i;
	return 0;
}

static int policy_get_frac(json_t *v, const char *file, const char *key, double *out,
			   struct trex_err *err)
{
	double d;
	if (!json_is_number(v))
		return trex_err_setx(err, -EINVAL, "%s: '%s' must be a number", file, key);
	d = json_number_value(v);
	if (!isfinite(d) || d <= 0.0 || d >= 1.0)
		return trex_err_setx(err, -EINVAL, "%s: '%s' must be in (0, 1)", file, key);
	*out = d;
	return 0;
}

static int policy_get_bool(json_t *v, const char *file, const char *key, bool *out,
			   struct trex_err *err)
{
	if (!json_is_boolean(v))
		return trex_err_setx(err, -EINVAL, "%s: '%s' must be true or false", file, key);
	*out = json_is_true(v);
	return 0;
}

static int policy_get_str(json_t *v, const char *file, const char *key, char *out,
			  size_t outsz, struct trex_err *err)
{
	const char *s;
	if (!json_is_string(v))
		return trex_err_setx(err, -EINVAL, "%s: '%s' must be a string", file, key);
	s = json_string_value(v);
	if (!*s || strlen(s) >= outsz)
		return trex_err_setx(err, -EINVAL, "%s: '%s' must be 1 to %zu characters",
				     file, key, outsz - 1);
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return trex_err_setx(err, -EINVAL, "%s: '%s' has a control character",
					     file, key);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* The keys of one self-contained pack (no "profile") over p. */
static int policy_apply(json_t *root, const char *file, struct policy *p,
			struct trex_err *err)
{
	const char *key;
	json_t *v;
	int r = 0;
	bool have_name = false, have_version = false;

	json_object_foreach(root, key, v) {
		if (!strcmp(key, "name")) {
			r = policy_get_str(v, file, key, p->name, sizeof(p->name), err);
			have_name = true;
		} else if (!strcmp(key, "version")) {
			r = policy_get_str(v, file, key, p->version, sizeof(p->version), err);
			have_version = true;
		} else if (!strcmp(key, "description")) {
			if (!json_is_string(v))
				r = trex_err_setx(err, -EINVAL, "%s: 'description' must be a string", file);
		} else if (!strcmp(key, "safe_threshold")) {
			r = policy_get_long(v, file, key, 1, 1000000, &p->safe_threshold, err);
		} else if (!strcmp(key, "safe_dof_threshold")) {
			r = policy_get_long(v, file, key, 0, 1000000, &p->safe_dof_threshold, err);
		} else if (!strcmp(key, "safe_nk_n")) {
			r = policy_get_long(v, file, key, 1, 1000, &p->safe_nk_n, err);
		} else if (!strcmp(key, "safe_nk_k")) {
			r = policy_get_frac(v, file, key, &p->safe_nk_k, err);
		} else if (!strcmp(key, "safe_pratio_p")) {
			r = policy_get_frac(v, file, key, &p->safe_pratio_p, err);
		} else if (!strcmp(key, "zeros_are_disclosive")) {
			r = policy_get_bool(v, file, key, &p->zeros_are_disclosive, err);
		} else if (!strcmp(key, "check_missing_values")) {
			r = policy_get_bool(v, file, key, &p->check_missing_values, err);
		} else if (!strcmp(key, "method")) {
			const char *m = json_is_string(v) ? json_string_value(v) : "";
			if (!strcmp(m, "suppress"))
				p->method = POLICY_SUPPRESS;
			else if (!strcmp(m, "round"))
				p->method = POLICY_ROUND;
			else
				r = trex_err_setx(err, -EINVAL,
						  "%s: 'method' must be \"suppress\" or \"round\"", file);
		} else if (!strcmp(key, "anchor")) {
			const char *m = json_is_string(v) ? json_string_value(v) : "";
			if (!strcmp(m, "acro"))
				p->anchor = POLICY_ANCHOR_ACRO;
			else if (!strcmp(m, "tau-argus"))
				p->anchor = POLICY_ANCHOR_TAU_ARGUS;
			else
				r = trex_err_setx(err, -EINVAL,
						  "%s: 'anchor' must be \"acro\" or \"tau-argus\"", file);
		} else if (!strcmp(key, "redact_at_or_below")) {
			r = policy_get_long(v, file, key, 0, 1000000, &p->redact_at_or_below, err);
		} else if (!strcmp(key, "rounding_base")) {
			r = policy_get_long(v, file, key, 1, 1000000, &p->rounding_base, err);
		} else if (!strcmp(key, "rounding")) {
			const char *m = json_is_string(v) ? json_string_value(v) : "";
			if (!strcmp(m, "nearest"))
				p->rounding_midpoint = false;
			else if (!strcmp(m, "midpoint"))
				p->rounding_midpoint = true;
			else
				r = trex_err_setx(err, -EINVAL,
						  "%s: 'rounding' must be \"nearest\" or \"midpoint\"", file);
		} else if (!strcmp(key, "protection_percent")) {
			r = policy_get_long(v, file, key, 0, 100, &p->protection_percent, err);
		} else if (!strcmp(key, "max_unknown_label_share")) {
			if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
			    json_number_value(v) < 0 || json_number_value(v) > 1)
				r = trex_err_setx(err, -EINVAL, "%s: '%s' must be in [0, 1]", file, key);
			else
				p->max_unknown_label_share = json_number_value(v);
		} else if (!strcmp(key, "record_level_min_rows")) {
			r = policy_get_long(v, file, key, 2, 1000000000, &p->record_level_min_rows, err);
		} else {
			r = trex_err_setx(err, -EINVAL, "%s: unknown key '%s'", file, key);
		}
		if (r < 0)
			return r;
	}
	if (!have_name || !have_version)
		return trex_err_setx(err, -EINVAL, "%s: a policy needs 'name' and 'version'", file);
	return 0;
}

static int policy_resolve_file(const char *dir, const char *file, int depth,
			       struct policy *p, json_t **out, struct trex_err *err);

/* {"profile": NAME, ...}: the pack DIR/NAME.json (itself resolved) with
 * this file's other keys over it. A file that overrides anything names
 * itself ('name', 'version'), so a report never credits a pack with values
 * it does not hold; the base's 'description' describes the base, so it is
 * dropped. root is borrowed; *out is the new resolved object. */
static int policy_resolve_profile(const char *dir, json_t *root, const char *file,
				  int depth, struct policy *p, json_t **out,
				  struct trex_err *err)
{
	json_t *v = json_object_get(root, "profile");
	char pdir[PATH_MAX], path[PATH_MAX];
	_cleanup_json_ json_t *base = NULL;
	const char *key;
	int r;

	if (!json_is_string(v) || !policy_is_name(json_string_value(v)))
		return trex_err_setx(err, -EINVAL, "%s: 'profile' must name a shipped pack", file);
	if (json_object_size(root) > 1 &&
	    (!json_object_get(root, "name") || !json_object_get(root, "version")))
		return trex_err_setx(err, -EINVAL,
				     "%s: a policy that overrides its profile needs its own "
				     "'name' and 'version'",
				     file);
	if (depth >= POLICY_MAX_DEPTH)
		return trex_err_setx(err, -ELOOP, "%s: profiles nest deeper than %d", file,
				     POLICY_MAX_DEPTH);
	if (!dir) {
		r = policy_dir(pdir, sizeof(pdir), err);
		if (r < 0)
			return r;
		dir = pdir;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", dir, json_string_value(v)) >=
	    sizeof(path))
		return trex_err_setx(err, -ENAMETOOLONG, "%s: profile path too long", file);
	r = policy_resolve_file(dir, path, depth + 1, p, &base, err);
	if (r < 0)
		return r;
	if (json_object_size(root) > 1)
		json_object_del(base, "description");
	json_object_foreach(root, key, v)
		if (strcmp(key, "profile") != 0 && json_object_set(base, key, v) < 0)
			return trex_err_setx(err, -ENOMEM, "%s: out of memory", file);
	/* the base is valid: what fails now is this file's */
	policy_defaults(p);
	r = policy_apply(base, file, p, err);
	if (r < 0)
		return r;
	*out = base;
	base = NULL;
	return 0;
}

static int policy_resolve_text(const char *dir, const char *text, size_t len,
			       const char *file, int depth, struct policy *p, json_t **out,
			       struct trex_err *err)
{
	json_error_t je;
	_cleanup_json_ json_t *root = NULL;
	int r;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return trex_err_setx(err, -EINVAL, "%s:%d:%d: %s", file, je.line, je.column,
				     je.text);
	if (!json_is_object(root))
		return trex_err_setx(err, -EINVAL, "%s: a policy must be a JSON object", file);
	if (json_object_get(root, "profile"))
		return policy_resolve_profile(dir, root, file, depth, p, out, err);
	policy_defaults(p);
	r = policy_apply(root, file, p, err);
	if (r < 0)
		return r;
	*out = root;
	root = NULL;
	return 0;
}

static int policy_resolve_file(const char *dir, const char *file, int depth,
			       struct policy *p, json_t **out, struct trex_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = trex_read_file(AT_FDCWD, file, POLICY_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return r;
	return policy_resolve_text(dir, text, len, file, depth, p, out, err);
}

int policy_read(const char *dir, const char *file, struct policy *p, json_t **resolved,
		struct trex_err *err)
{
	json_t *j = NULL;
	int r = policy_resolve_file(dir, file, 0, p, &j, err);
	if (r == 0 && resolved)
		*resolved = j;
	else if (j)
		json_decref(j);
	return r;
}

int policy_parse(const char *text, size_t len, const char *file, struct policy *p,
		 struct trex_err *err)
{
	json_t *j = NULL;
	int r = policy_resolve_text(NULL, text, len, file, 0, p, &j, err);
	if (j)
		json_decref(j);
	return r;
}

int policy_load(const char *name_or_path, struct policy *p, struct trex_err *err)
{
	char path[PATH_MAX];
	int r;

	r = policy_resolve(name_or_path, path, sizeof(path), err);
	if (r < 0)
		return r;
	return policy_read(NULL, path, p, NULL, err);
}

json_t *policy_to_json(const struct policy *p)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:b, s:b}",
			      "name", p->name, "version", p->version,
			      "method", p->method == POLICY_ROUND ? "round" : "suppress",
			      "safe_threshold", (json_int_t)p->safe_threshold,
			      "safe_dof_threshold", (json_int_t)p->safe_dof_threshold,
			      "safe_nk_n", (json_int_t)p->safe_nk_n,
			      "safe_nk_k", p->safe_nk_k, "safe_pratio_p", p->safe_pratio_p,
			      "zeros_are_disclosive", p->zeros_are_disclosive,
			      "check_missing_values", p->check_missing_values);
	if (!j)
		return NULL;
	if (p->method == POLICY_ROUND) {
		json_object_set_new(j, "redact_at_or_below", json_integer(p->redact_at_or_below));
		json_object_set_new(j, "rounding_base", json_integer(p->rounding_base));
		json_object_set_new(j, "rounding",
				    json_string(p->rounding_midpoint ? "midpoint" : "nearest"));
	} else {
		json_object_set_new(j, "protection_percent", json_integer(p->protection_percent));
	}
	json_object_set_new(j, "anchor",
			    json_string(p->anchor == POLICY_ANCHOR_TAU_ARGUS ? "tau-argus" : "acro"));
	json_object_set_new(j, "max_unknown_label_share", json_real(p->max_unknown_label_share));
	json_object_set_new(j, "record_level_min_rows", json_integer(p->record_level_min_rows));
	return j;
}
