/* The "slurm" part of trexd.json (docs/slurm.md): where the Slurm
 * executor stages jobs, which partition and pool uids it uses, and which
 * jobs it takes (the operator's routing). Every path and name here ends
 * up in a batch script the monitor writes, so each is held to a narrow
 * alphabet: nothing in a script is ever quoted. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

#define SLURM_POLL_MS_DEFAULT 500

static const char *const slurm_keys[] = { "partition", "stage_dir", "conf", "bin_dir",
					  "node_runner", "pool_uids", "datasets",
					  "route_wall_seconds", "route_memory_mb", "poll_ms" };

/* An absolute path of [A-Za-z0-9._/-] without "." or ".." components:
 * safe in a batch script without quoting, and in an #SBATCH line. */
static int slurm_path_ok(const char *p)
{
	if (!p || p[0] != '/' || strlen(p) > 200)
		return 0;
	for (const char *q = p; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '.' || *q == '_' || *q == '-' || *q == '/'))
			return 0;
	return !strstr(p, "/./") && !strstr(p, "/../") && !strstr(p, "//") &&
	       strcmp(p + strlen(p) - (strlen(p) > 1 ? 2 : 1), "/.") != 0 &&
	       (strlen(p) < 3 || strcmp(p + strlen(p) - 3, "/..") != 0);
}

static int slurm_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 64 || s[0] == '-' || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return 0;
	return 1;
}

static int slurm_set(char **dst, const char *v)
{
	trex_free(*dst);
	*dst = trex_strdup(v);
	return *dst ? 0 : -ENOMEM;
}

int config_slurm_parse(struct config *c, const char *file, int line, json_t *v,
		       struct trex_err *err)
{
	struct slurm_config *s = &c->slurm;
	if (!json_is_object(v))
		return trex_err_setx(err, -EINVAL, "%s:%d: \"slurm\" must be an object", file, line);
	const char *k;
	json_t *e;
	json_object_foreach(v, k, e) {
		size_t i;
		for (i = 0; i < TREX_ARRAY_LEN(slurm_keys); i++)
			if (strcmp(k, slurm_keys[i]) == 0)
				break;
		if (i == TREX_ARRAY_LEN(slurm_keys))
			return trex_err_setx(err, -EINVAL, "%s:%d: unknown key \"%s\" in slurm", file,
					     line, k);
	}
	s->enabled = 1;
	s->poll_ms = SLURM_POLL_MS_DEFAULT;
	if (slurm_set(&s->partition, "trex") < 0 || slurm_set(&s->bin_dir, "/usr/bin") < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	static const char *const paths[] = { "stage_dir", "conf", "bin_dir", "node_runner" };
	char **pdst[] = { &s->stage_dir, &s->conf, &s->bin_dir, &s->node_runner };
	for (size_t i = 0; i < TREX_ARRAY_LEN(paths); i++) {
		json_t *p = json_object_get(v, paths[i]);
		if (!p)
			continue;
		if (!slurm_path_ok(json_string_value(p)))
			return trex_err_setx(err, -EINVAL,
					     "%s:%d: slurm.%s must be an absolute path of letters, digits and ._/- without . or .. parts",
					     file, line, paths[i]);
		if (slurm_set(pdst[i], json_string_value(p)) < 0)
			return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	json_t *p = json_object_get(v, "partition");
	if (p && !slurm_name_ok(json_string_value(p)))
		return trex_err_setx(err, -EINVAL,
				     "%s:%d: slurm.partition must be 1 to 64 of [A-Za-z0-9._-]", file,
				     line);
	if (p && slurm_set(&s->partition, json_string_value(p)) < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	p = json_object_get(v, "pool_uids");
	unsigned long base = 0, count = 0;
	char tail;
	if (!p || !json_is_string(p) ||
	    sscanf(json_string_value(p), "%lu:%lu%c", &base, &count, &tail) != 2 || base == 0 ||
	    count == 0 || count > 65536 || base + count > UINT_MAX)
		return trex_err_setx(err, -EINVAL,
				     "%s:%d: slurm.pool_uids must be \"BASE:COUNT\" (the uids jobs run as on the cluster, never 0)",
				     file, line);
	s->pool_uid_base = (long)base;
	s->pool_uid_count = (long)count;
	static const char *const nums[] = { "route_wall_seconds", "route_memory_mb", "poll_ms" };
	long *ndst[] = { &s->route_wall_seconds, &s->route_memory_mb, &s->poll_ms };
	for (size_t i = 0; i < TREX_ARRAY_LEN(nums); i++) {
		json_t *n = json_object_get(v, nums[i]);
		if (!n)
			continue;
		if (!json_is_integer(n) || json_integer_value(n) < (i == 2 ? 10 : 0) ||
		    json_integer_value(n) > INT_MAX)
			return trex_err_setx(err, -EINVAL, "%s:%d: slurm.%s must be an integer from %d",
					     file, line, nums[i], i == 2 ? 10 : 0);
		*ndst[i] = (long)json_integer_value(n);
	}
	p = json_object_get(v, "datasets");
	if (p) {
		if (!json_is_array(p))
			return trex_err_setx(err, -EINVAL, "%s:%d: slurm.datasets must be an array of dataset names",
					     file, line);
		s->datasets = trex_calloc(json_array_size(p) + 1, sizeof(char *));
		if (!s->datasets)
			return trex_err_setx(err, -ENOMEM, "out of memory");
		size_t i;
		json_array_foreach(p, i, e) {
			if (!slurm_name_ok(json_string_value(e)))
				return trex_err_setx(err, -EINVAL, "%s:%d: slurm.datasets[%zu] is not a dataset name",
						     file, line, i);
			if (!(s->datasets[s->n_datasets++] = trex_strdup(json_string_value(e))))
				return trex_err_setx(err, -ENOMEM, "out of memory");
		}
	}
	return 0;
}

int config_slurm_check(const struct config *c, struct trex_err *err)
{
	const struct slurm_config *s = &c->slurm;
	if (!s->enabled)
		return 0;
	if (!s->stage_dir)
		return trex_err_setx(err, -EINVAL, "slurm.stage_dir is required");
	/* looked up here, not with config_dataset: config.c calls this file,
	 * never the other way round (tests/integration/calls.t) */
	for (size_t i = 0; i < s->n_datasets; i++) {
		size_t k = 0;
		while (k < c->n_datasets && strcmp(c->datasets[k].name, s->datasets[i]) != 0)
			k++;
		if (k == c->n_datasets)
			return trex_err_setx(err, -EINVAL, "slurm.datasets: \"%s\" is not a configured dataset",
					     s->datasets[i]);
	}
	/* the pool uids run jobs on the cluster: never the local sandboxes' */
	if (c->uid_range) {
		unsigned long b, n;
		if (sscanf(c->uid_range, "%lu:%lu", &b, &n) == 2 &&
		    (unsigned long)s->pool_uid_base < b + n &&
		    b < (unsigned long)(s->pool_uid_base + s->pool_uid_count))
			return trex_err_setx(err, -EINVAL, "slurm.pool_uids overlaps uid_range");
	}
	return 0;
}

int config_slurm_routes(const struct config *c, const char *dataset, const struct limits *l)
{
	const struct slurm_config *s = &c->slurm;
	if (!s->enabled)
		return 0;
	for (size_t i = 0; i < s->n_datasets; i++)
		if (strcmp(s->datasets[i], dataset) == 0)
			return 1;
	return (s->route_wall_seconds > 0 && l->wall_seconds >= s->route_wall_seconds) ||
	       (s->route_memory_mb > 0 && l->memory_mb >= s->route_memory_mb);
}

void config_slurm_free(struct config *c)
{
	struct slurm_config *s = &c->slurm;
	trex_free(s->partition);
	trex_free(s->stage_dir);
	trex_free(s->conf);
	trex_free(s->bin_dir);
	trex_free(s->node_runner);
	for (size_t i = 0; i < s->n_datasets; i++)
		trex_free(s->datasets[i]);
	trex_free(s->datasets);
	memset(s, 0, sizeof(*s));
}
