/* trex datasets [NAME]: the configured datasets, and a dataset's codebook
 * (docs/datasets.md) as trexd serves it. Everything printed comes from
 * trexd and is escaped. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/client.h"
#include "agent/dummy.h"
#include "common/codebook_fmt.h"

static void datasets_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(datasets_decref)))

int dummy_fetch_codebook(const struct cli_ctx *ctx, const char *name, json_t **cb,
			 struct trex_err *err)
{
	char seg[200], target[256];
	json_t *ans = NULL;
	int r;

	*cb = NULL;
	if (client_path_escape(name, seg, sizeof(seg)) < 0)
		return trex_err_setx(err, -EINVAL, "dataset name too long");
	snprintf(target, sizeof(target), "/v1/datasets/%s", seg);
	if ((r = client_call_json(ctx->socket, "GET", target, NULL, &ans, err)) < 0)
		return r;
	*cb = json_incref(json_object_get(ans, "codebook"));
	json_decref(ans);
	/* what trex writes files from is the format, whoever sent it */
	if (codebook_fmt_check(*cb, "trexd's codebook", err) < 0) {
		json_decref(*cb);
		*cb = NULL;
		return -EINVAL;
	}
	return 0;
}

static const char *ds_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void ds_bound(FILE *f, const json_t *v)
{
	if (json_is_string(v))
		cli_put(f, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		fprintf(f, "%g", json_number_value(v));
}

static void ds_column(FILE *f, const json_t *c, long threshold)
{
	const json_t *values = json_object_get(c, "values"), *range = json_object_get(c, "range");
	const char *type = ds_str(c, "type");
	size_t i;
	const json_t *v;

	fputs("  ", f);
	cli_put(f, ds_str(c, "name"));
	fputs("  ", f);
	cli_put(f, type);
	if (type && !strcmp(type, CODEBOOK_TYPE_ID)) {
		fputs(" (", f);
		cli_put(f, ds_str(c, "format") ? ds_str(c, "format") : "text");
		if (json_is_integer(json_object_get(c, "length")))
			fprintf(f, ", %" JSON_INTEGER_FORMAT " characters",
				json_integer_value(json_object_get(c, "length")));
		fputs("; values never shown)", f);
	}
	if (json_is_array(values)) {
		fputs("  values: ", f);
		json_array_foreach(values, i, v) {
			fputs(i ? ", " : "", f);
			cli_put(f, json_string_value(v));
		}
	}
	if (json_is_array(range)) {
		fputs("  range: ", f);
		ds_bound(f, json_array_get(range, 0));
		fputs(" to ", f);
		ds_bound(f, json_array_get(range, 1));
	}
	if (json_object_get(c, "suppressed")) {
		if (json_is_array(values))
			fprintf(f, " (+ categories seen fewer than %ld times, not shown)", threshold);
		else
			fprintf(f, "  (range not shown: fewer than %ld values at each end)",
				threshold * 2);
	}
	if (json_is_true(json_object_get(c, "missing")))
		fputs("  (some empty)", f);
	fputc('\n', f);
	if (ds_str(c, "description")) {
		fputs("      ", f);
		cli_put(f, ds_str(c, "description"));
		fputc('\n', f);
	}
}

static void ds_print(FILE *f, const char *name, const json_t *cb)
{
	long k = (long)json_integer_value(json_object_get(cb, "threshold"));
	size_t i, j;
	const json_t *file, *c;

	fputs("dataset ", f);
	cli_put(f, name);
	if (!strcmp(ds_str(cb, "source") ? ds_str(cb, "source") : "", "derived"))
		fprintf(f, " (codebook derived from the data: categories seen fewer than %ld times,"
			   "\n  identifier values and single extreme values are never shown;"
			   " ranges are rounded)\n", k);
	else
		fputs(" (codebook written by the operator)\n", f);
	if (ds_str(cb, "description")) {
		cli_put(f, ds_str(cb, "description"));
		fputc('\n', f);
	}
	json_array_foreach(json_object_get(cb, "files"), i, file) {
		fputc('\n', f);
		cli_put(f, ds_str(file, "name"));
		if (json_is_integer(json_object_get(file, "rows")))
			fprintf(f, "  about %" JSON_INTEGER_FORMAT " rows",
				json_integer_value(json_object_get(file, "rows")));
		fputc('\n', f);
		if (ds_str(file, "description")) {
			fputs("  ", f);
			cli_put(f, ds_str(file, "description"));
			fputc('\n', f);
		}
		json_array_foreach(json_object_get(file, "columns"), j, c)
			ds_column(f, c, k);
	}
}

int cli_datasets(const struct cli_ctx *ctx, int argc, char **argv)
{
	int as_json = ctx->json, r = cli_json_only("datasets", argc, argv, &as_json);
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *ans = NULL;
	size_t i;
	json_t *d;

	if (r)
		return r;
	if (optind + 1 < argc)
		return cli_usage_error("datasets", "too many arguments (one dataset NAME at most)");
	if (optind < argc) {
		if (dummy_fetch_codebook(ctx, argv[optind], &ans, &err) < 0)
			return cli_fail(&err);
		if (as_json) {
			json_t *j = json_pack("{s:s,s:O}", "name", argv[optind], "codebook", ans);
			cli_print_json(j);
			json_decref(j);
		} else {
			ds_print(stdout, argv[optind], ans);
		}
		return CLI_EXIT_OK;
	}
	if (client_call_json(ctx->socket, "GET", "/v1/datasets", NULL, &ans, &err) < 0)
		return cli_fail(&err);
	if (as_json) {
		cli_print_json(ans);
		return CLI_EXIT_OK;
	}
	json_array_foreach(json_object_get(ans, "datasets"), i, d) {
		cli_put(stdout, ds_str(d, "name"));
		fputs("  codebook: ", stdout);
		cli_put(stdout, ds_str(d, "codebook"));
		fputc('\n', stdout);
	}
	return CLI_EXIT_OK;
}
