/* Strict manifest validation: an unknown key, a wrong type or a limit above
 * the configured maximum is an error with a message naming the field. */
#include "manifest.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "cleanup.h"
#include "outname.h"
#include "suggest.h"
#include "policies/check/manifest.h"

/* Datasets or runtimes named in an "unknown" message, at most. */
#define MANIFEST_MAX_NAMES 64

static const char *const manifest_kinds[] = { "frequency_table", "magnitude_table",
					      "summary_statistics", "regression",
					      "survival_table", "figure", "text" };

static const char *const limit_names[] = { "memory_mb", "cpu_seconds", "wall_seconds",
					   "pids", "output_mb" };

static long *manifest_limit(struct limits *l, size_t i)
{
	long *f[] = { &l->memory_mb, &l->cpu_seconds, &l->wall_seconds, &l->pids,
		      &l->output_mb };
	return f[i];
}

int manifest_path_ok(const char *p, size_t len)
{
	if (len == 0 || len > MANIFEST_MAX_PATH || p[0] == '/' || strlen(p) != len)
		return 0;
	size_t comp = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || p[i] == '/') {
			const char *c = p + i - comp;
			if (comp == 0 || comp > 255 || (comp == 1 && c[0] == '.') ||
			    (comp == 2 && c[0] == '.' && c[1] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		unsigned char ch = (unsigned char)p[i];
		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			return 0;
		comp++;
	}
	return 1;
}

static int manifest_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    s[i]))
			return 0;
	return 1;
}

/* "WHERE: unknown WHAT "NAME" (did you mean "X"?); one of: a, b, c": the
 * valid choices listed, the nearest named (common/suggest.h). The names
 * listed are the manifest's vocabulary or the configured datasets and
 * runtimes: nothing of any data. */
static int manifest_unknown(struct trex_err *err, const char *where, const char *what,
			    const char *name, const char *const *choices, size_t n)
{
	const char *near = trex_suggest(name, choices, n);
	char list[160];
	trex_suggest_list(choices, n, list, sizeof(list));
	return trex_err_setx(err, -EINVAL, "%s%sunknown %s \"%.64s\"%s%s%s; valid %ss: %s", where,
			     where[0] ? ": " : "", what, name, near ? " (did you mean \"" : "",
			     near ? near : "", near ? "\"?)" : "", what, n ? list : "none configured");
}

static int manifest_only_keys(json_t *obj, const char *where, const char *const *keys,
			      size_t n, struct trex_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(key, keys[i]) == 0)
				break;
		if (i == n)
			return manifest_unknown(err, where, "key", key, keys, n);
	}
	return 0;
}

/* A JSON string without NUL bytes, 1..max bytes long. */
static int manifest_str_ok(json_t *v, size_t max)
{
	return json_is_string(v) && json_string_length(v) > 0 &&
	       json_string_length(v) <= max &&
	       strlen(json_string_value(v)) == json_string_length(v);
}

static int manifest_str_array_ok(json_t *v, size_t min, size_t max)
{
	if (!json_is_array(v) || json_array_size(v) < min || json_array_size(v) > max)
		return 0;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
		if (!manifest_str_ok(e, 256))
			return 0;
	return 1;
}

/* "labels": {dim: [label, ...]} (1 to 10000 strings) and "bins": {dim:
 * [b0, b1, ...]} (1 to 1000 finite numbers, strictly increasing), each
 * dim a declared dimension: the labels a dimension may take, fixed
 * before the job runs (trex-check, policies/check/labels.c). */
static int manifest_labels(json_t *o, const char *where, const char *key, json_t *dims,
			   struct trex_err *err)
{
	json_t *v = json_object_get(o, key), *list, *e;
	const char *dim;
	int bins = strcmp(key, "bins") == 0;
	size_t i;

	if (!v)
		return 0;
	if (!json_is_object(v))
		return trex_err_setx(err, -EINVAL, "%s.%s: must be an object", where, key);
	json_object_foreach(v, dim, list) {
		int declared = 0;
		double prev = 0;
		json_array_foreach(dims, i, e)
			declared |= json_is_string(e) && strcmp(json_string_value(e), dim) == 0;
		if (!declared)
			return trex_err_setx(err, -EINVAL, "%s.%s.%.64s: not a declared dimension",
					     where, key, dim);
		if (!json_is_array(list) || json_array_size(list) < 1 ||
		    json_array_size(list) > (bins ? 1000 : 10000))
			return trex_err_setx(err, -EINVAL,
					     bins ? "%s.%s.%.64s: must be an array of 1 to 1000 breaks"
						  : "%s.%s.%.64s: must be an array of 1 to 10000 labels",
					     where, key, dim);
		json_array_foreach(list, i, e) {
			if (!bins && !(json_is_string(e) && json_string_length(e) <= 256 &&
				       strlen(json_string_value(e)) == json_string_length(e)))
				return trex_err_setx(err, -EINVAL,
						     "%s.%s.%.64s: labels must be strings of at most 256 bytes",
						     where, key, dim);
			if (bins && !(json_is_number(e) && isfinite(json_number_value(e)) &&
				      fabs(json_number_value(e)) <= 1e15 &&
				      (i == 0 || json_number_value(e) > prev)))
				return trex_err_setx(err, -EINVAL,
						     "%s.%s.%.64s: breaks must be numbers in increasing order",
						     where, key, dim);
			if (bins)
				prev = json_number_value(e);
		}
	}
	return 0;
}

/* What a summary, regression or survival table says its columns are
 * (derived statistics, issue 14 item 4) is read by trex-check's own
 * declaration parser, so a job is refused now for a declaration the
 * checker would refuse after it ran. Its messages name the output and key
 * as "manifest: outputs[I]...". */
static int manifest_derived_ok(json_t *o, const char *kind, size_t idx, struct trex_err *err)
{
	static const char *const keys[] = { "derived", "observations", "time", "at_risk",
					     "events", "censored", "survival" };
	struct output_decl d;
	bool any = strcmp(kind, "summary_statistics") == 0 || strcmp(kind, "survival_table") == 0;
	int r;

	for (size_t i = 0; i < TREX_ARRAY_LEN(keys); i++)
		any |= json_object_get(o, keys[i]) != NULL;
	if (!any)
		return 0;
	r = manifest_decl_from_json(o, "manifest", idx, &d, err);
	manifest_decl_free(&d);
	return r;
}

static int manifest_output(json_t *o, size_t idx, struct trex_err *err)
{
	static const char *const keys[] = { "path", "kind", "dimensions", "count", "value",
					    "contributors", "largest", "dof", "total_codes",
					    "hierarchies", "labels", "bins", "derived",
					    "observations", "time", "at_risk", "events",
					    "censored", "survival" };
	char where[64];
	snprintf(where, sizeof(where), "manifest.outputs[%zu]", idx);
	if (!json_is_object(o))
		return trex_err_setx(err, -EINVAL, "%s: must be an object", where);
	if (manifest_only_keys(o, where, keys, TREX_ARRAY_LEN(keys), err) < 0)
		return err->code;
	json_t *path = json_object_get(o, "path");
	if (!path)
		return trex_err_setx(err, -EINVAL, "%s: missing \"path\"", where);
	if (!json_is_string(path))
		return trex_err_setx(err, -EINVAL, "%s.path: must be a string", where);
	/* trex-check reads these two from the same folder as the outputs */
	if (strcmp(json_string_value(path), "manifest.json") == 0 ||
	    strcmp(json_string_value(path), "policy.json") == 0)
		return trex_err_setx(err, -EINVAL, "%s.path: \"%s\" is reserved", where,
				     json_string_value(path));
	/* the checker's export folder sits where the released copies go */
	size_t an = strlen(MANIFEST_ACRO_DIR);
	if (strncmp(json_string_value(path), MANIFEST_ACRO_DIR, an) == 0 &&
	    (json_string_value(path)[an] == '\0' || json_string_value(path)[an] == '/'))
		return trex_err_setx(err, -EINVAL, "%s.path: \"%s/\" is reserved", where,
				     MANIFEST_ACRO_DIR);
	/* common/outname.c: what is declared here is what the collector
	 * collects and trex fetch writes */
	if (!trex_outname_path_ok(json_string_value(path), json_string_length(path)))
		return trex_err_setx(err, -EINVAL,
				     "%s.path: must be a relative path of 1 to 16 names joined by "
				     "\"/\", none empty or starting with \".\" or \"-\", without "
				     "\"\\\", control characters or invalid UTF-8",
				     where);
	json_t *kind = json_object_get(o, "kind");
	if (!kind)
		return trex_err_setx(err, -EINVAL, "%s: missing \"kind\"", where);
	const char *k = json_string_value(kind);
	size_t ki;
	for (ki = 0; k && ki < TREX_ARRAY_LEN(manifest_kinds); ki++)
		if (strcmp(k, manifest_kinds[ki]) == 0)
			break;
	if (!k || ki == TREX_ARRAY_LEN(manifest_kinds)) {
		const char *near = k ? trex_suggest(k, manifest_kinds, TREX_ARRAY_LEN(manifest_kinds))
				     : NULL;
		return trex_err_setx(err, -EINVAL,
				     "%s.kind: must be one of frequency_table, magnitude_table, "
				     "summary_statistics, regression, survival_table, figure, text%s%s%s",
				     where, near ? " (did you mean \"" : "", near ? near : "",
				     near ? "\"?)" : "");
	}
	static const char *const strs[] = { "count", "value", "contributors", "dof" };
	for (size_t i = 0; i < TREX_ARRAY_LEN(strs); i++) {
		json_t *v = json_object_get(o, strs[i]);
		if (v && !manifest_str_ok(v, 256))
			return trex_err_setx(err, -EINVAL, "%s.%s: must be a column name", where,
					     strs[i]);
	}
	json_t *dims = json_object_get(o, "dimensions");
	if (dims && !manifest_str_array_ok(dims, 1, 16))
		return trex_err_setx(err, -EINVAL,
				     "%s.dimensions: must be an array of 1 to 16 column names", where);
	json_t *largest = json_object_get(o, "largest");
	if (largest && !manifest_str_array_ok(largest, 1, 16))
		return trex_err_setx(err, -EINVAL,
				     "%s.largest: must be an array of 1 to 16 column names", where);
	json_t *tc = json_object_get(o, "total_codes");
	if (tc) {
		const char *d;
		json_t *codes;
		if (!json_is_object(tc))
			return trex_err_setx(err, -EINVAL, "%s.total_codes: must be an object",
					     where);
		json_object_foreach(tc, d, codes)
			if (!manifest_str_array_ok(codes, 1, 1000))
				return trex_err_setx(err, -EINVAL,
						     "%s.total_codes.%.64s: must be an array of codes",
						     where, d);
	}
	json_t *h = json_object_get(o, "hierarchies");
	if (h && !json_is_object(h))
		return trex_err_setx(err, -EINVAL, "%s.hierarchies: must be an object", where);
	if (manifest_labels(o, where, "labels", dims, err) < 0 ||
	    manifest_labels(o, where, "bins", dims, err) < 0)
		return err->code;
	/* what each kind of table needs to be checked at all */
	if (strcmp(k, "frequency_table") == 0 && (!dims || !json_object_get(o, "count")))
		return trex_err_setx(err, -EINVAL,
				     "%s: a frequency_table needs \"dimensions\" and \"count\"", where);
	if (strcmp(k, "magnitude_table") == 0 && (!dims || !json_object_get(o, "value")))
		return trex_err_setx(err, -EINVAL,
				     "%s: a magnitude_table needs \"dimensions\" and \"value\"", where);
	if (strcmp(k, "regression") == 0 && !json_object_get(o, "dof"))
		return trex_err_setx(err, -EINVAL, "%s: a regression needs \"dof\"", where);
	return manifest_derived_ok(o, k, idx, err);
}

static int manifest_limits(json_t *l, const struct config *c, struct limits *out,
			   const char **code, struct trex_err *err)
{
	*out = c->limits_default;
	if (!l)
		return 0;
	if (!json_is_object(l))
		return trex_err_setx(err, -EINVAL, "manifest.limits: must be an object");
	if (manifest_only_keys(l, "manifest.limits", limit_names, 5, err) < 0)
		return err->code;
	struct limits max = c->limits_max;
	for (size_t i = 0; i < 5; i++) {
		json_t *v = json_object_get(l, limit_names[i]);
		if (!v)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return trex_err_setx(err, -EINVAL,
					     "manifest.limits.%s: must be a positive integer",
					     limit_names[i]);
		if (json_integer_value(v) > *manifest_limit(&max, i)) {
			*code = MANIFEST_E_LIMIT;
			return trex_err_setx(err, -EINVAL,
					     "manifest.limits.%s: %lld exceeds the maximum %ld",
					     limit_names[i], (long long)json_integer_value(v),
					     *manifest_limit(&max, i));
		}
		*manifest_limit(out, i) = (long)json_integer_value(v);
	}
	return 0;
}

int manifest_validate(json_t *m, const struct config *c, struct manifest *out,
		      const char **code, struct trex_err *err)
{
	static const char *const keys[] = { "project", "permit", "dataset", "runtime",
					    "command", "limits", "outputs" };
	static const char *const required[] = { "project", "dataset", "runtime", "command",
						"outputs" };
	memset(out, 0, sizeof(*out));
	*code = MANIFEST_E_BAD;
	if (!json_is_object(m))
		return trex_err_setx(err, -EINVAL, "manifest: must be a JSON object");
	if (manifest_only_keys(m, "manifest", keys, TREX_ARRAY_LEN(keys), err) < 0)
		return err->code;
	for (size_t i = 0; i < TREX_ARRAY_LEN(required); i++)
		if (!json_object_get(m, required[i]))
			return trex_err_setx(err, -EINVAL, "manifest: missing \"%s\"", required[i]);
	const char *names[] = { "project", "dataset", "runtime" };
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(m, names[i]);
		if (!json_is_string(v) || !manifest_name_ok(json_string_value(v)))
			return trex_err_setx(err, -EINVAL,
					     "manifest.%s: must be 1 to 64 letters, digits, '.', "
					     "'_' or '-', not starting with '.' or '-'",
					     names[i]);
	}
	json_t *permit = json_object_get(m, "permit");
	if (permit && !manifest_str_ok(permit, 1024))
		return trex_err_setx(err, -EINVAL, "manifest.permit: must be a non-empty string");
	json_t *cmd = json_object_get(m, "command");
	if (!json_is_array(cmd) || json_array_size(cmd) == 0 ||
	    json_array_size(cmd) > MANIFEST_MAX_ARGS)
		return trex_err_setx(err, -EINVAL,
				     "manifest.command: must be an array of 1 to %d strings",
				     MANIFEST_MAX_ARGS);
	size_t i;
	json_t *a;
	json_array_foreach(cmd, i, a) {
		if (!json_is_string(a) || json_string_length(a) > 4096 ||
		    strlen(json_string_value(a)) != json_string_length(a) ||
		    (i == 0 && json_string_length(a) == 0))
			return trex_err_setx(err, -EINVAL,
					     "manifest.command[%zu]: must be a string of at most "
					     "4096 bytes without NUL",
					     i);
	}
	json_t *outs = json_object_get(m, "outputs");
	if (!json_is_array(outs) || json_array_size(outs) > MANIFEST_MAX_OUTPUTS)
		return trex_err_setx(err, -EINVAL,
				     "manifest.outputs: must be an array of at most %d outputs",
				     MANIFEST_MAX_OUTPUTS);
	json_t *o;
	json_array_foreach(outs, i, o) {
		if (manifest_output(o, i, err) < 0)
			return err->code;
		const char *p = json_string_value(json_object_get(o, "path"));
		for (size_t j = 0; j < i; j++)
			if (strcmp(p, manifest_output_path(json_array_get(outs, j))) == 0)
				return trex_err_setx(err, -EINVAL,
						     "manifest.outputs[%zu].path: \"%.200s\" is "
						     "declared twice",
						     i, p);
	}
	if (manifest_limits(json_object_get(m, "limits"), c, &out->limits, code, err) < 0)
		return err->code;
	const char *ds = json_string_value(json_object_get(m, "dataset"));
	const char *conf[MANIFEST_MAX_NAMES];
	if (!config_dataset(c, ds)) {
		*code = MANIFEST_E_DATASET;
		size_t n = 0;
		for (; n < c->n_datasets && n < MANIFEST_MAX_NAMES; n++)
			conf[n] = c->datasets[n].name;
		return manifest_unknown(err, "", "dataset", ds, conf, n);
	}
	const char *rt = json_string_value(json_object_get(m, "runtime"));
	if (!config_runtime(c, rt)) {
		*code = MANIFEST_E_RUNTIME;
		size_t n = 0;
		for (; n < c->n_runtimes && n < MANIFEST_MAX_NAMES; n++)
			conf[n] = c->runtimes[n].name;
		return manifest_unknown(err, "", "runtime", rt, conf, n);
	}
	out->json = json_incref(m);
	out->project = json_string_value(json_object_get(m, "project"));
	out->dataset = ds;
	out->runtime = rt;
	out->n_outputs = json_array_size(outs);
	*code = NULL;
	return 0;
}

int manifest_make_explicit(struct manifest *m, const char *permit_id)
{
	json_t *l = json_object();
	for (size_t i = 0; l && i < TREX_ARRAY_LEN(limit_names); i++)
		if (json_object_set_new(l, limit_names[i],
					json_integer(*manifest_limit(&m->limits, i))) < 0) {
			json_decref(l);
			l = NULL;
		}
	if (!l || json_object_set_new(m->json, "limits", l) < 0)
		return -ENOMEM;
	if (permit_id && permit_id[0] &&
	    json_object_set_new(m->json, "permit", json_string(permit_id)) < 0)
		return -ENOMEM;
	return 0;
}

void manifest_release(struct manifest *m)
{
	json_decref(m->json);
	memset(m, 0, sizeof(*m));
}

json_t *manifest_outputs(json_t *m)
{
	return json_object_get(m, "outputs");
}

const char *manifest_output_path(json_t *output)
{
	return json_string_value(json_object_get(output, "path"));
}
