/* ACRO-compatible export (--acro-json FILE): the trex report rewritten in
 * the shape of ACRO's results.json, so output checkers and tools used to
 * ACRO can read trex decisions. Mapping: pass -> "pass"; suppressed and
 * review -> "review" (ACRO marks suppressed outputs for review too);
 * fail -> "fail". Per-cell decisions become ACRO's sdc.summary counters
 * and sdc.cells lists of [row, measure] (0-based data row, measure column). */
#include "acro.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static const char *acro_status(const char *verdict)
{
	if (!strcmp(verdict, "pass"))
		return "pass";
	if (!strcmp(verdict, "fail"))
		return "fail";
	return "review";
}

static const char *acro_type(const char *kind)
{
	if (!strcmp(kind, "frequency_table") || !strcmp(kind, "magnitude_table") ||
	    !strcmp(kind, "summary_statistics"))
		return "table";
	if (!strcmp(kind, "regression"))
		return "regression";
	return "custom";
}

/* trex rule -> ACRO check name, or NULL when ACRO has no counterpart. */
static const char *acro_check(const char *rule, const char *reason)
{
	if (!strcmp(rule, "threshold") || !strcmp(rule, "zero") || !strcmp(rule, "redact"))
		return "threshold";
	if (!strcmp(rule, "dominance"))
		return "nk-rule";
	if (!strcmp(rule, "p-ratio"))
		return "p-ratio";
	if (!strcmp(rule, "missing"))
		return "missing";
	if (!strcmp(rule, "invalid_count") && reason[0] == 'c' && strstr(reason, "'-"))
		return "negative";
	return NULL;
}

static json_t *acro_output(json_t *f, size_t index, const char *timestamp)
{
	static const char *const checks[] = {"negative", "missing", "threshold", "p-ratio",
					     "nk-rule", "all-values-are-same"};
	const char *verdict = json_string_value(json_object_get(f, "verdict"));
	const char *kind = json_string_value(json_object_get(f, "kind"));
	json_t *released = json_object_get(f, "released");
	json_t *summary = json_object(), *cells = json_object(), *outcome = json_object();
	json_t *cell, *out;
	char uid[32], line[512];
	size_t i, off = 0;

	if (!summary || !cells || !outcome)
		goto nomem;
	json_object_set_new(summary, "suppressed", json_boolean(!strcmp(verdict, "suppressed")));
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		json_object_set_new(summary, checks[i], json_integer(0));
		json_object_set_new(cells, checks[i], json_array());
	}
	json_array_foreach(json_object_get(f, "cells"), i, cell) {
		const char *rule = json_string_value(json_object_get(cell, "rule"));
		const char *measure = json_string_value(json_object_get(cell, "measure"));
		const char *check = acro_check(rule, json_string_value(json_object_get(cell, "reason")));
		json_int_t row = json_integer_value(json_object_get(cell, "row")) - 1;
		json_t *col;
		char key[32];

		if (!check)
			continue;
		json_object_set_new(summary, check,
				    json_integer(json_integer_value(json_object_get(summary, check)) + 1));
		json_array_append_new(json_object_get(cells, check), json_pack("[I, s]", row, measure));
		col = json_object_get(outcome, measure);
		if (!col) {
			col = json_object();
			json_object_set_new(outcome, measure, col);
		}
		snprintf(key, sizeof(key), "%lld", (long long)row);
		json_object_set_new(col, key, json_sprintf("%s; ", check));
	}
	snprintf(uid, sizeof(uid), "output_%zu", index);
	off = (size_t)snprintf(line, sizeof(line), "%s; ", acro_status(verdict));
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]) && off < sizeof(line); i++) {
		json_int_t n = json_integer_value(json_object_get(summary, checks[i]));
		if (n)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s: %lld cells %s; ",
						checks[i], (long long)n,
						json_is_true(json_object_get(summary, "suppressed"))
							? "suppressed"
							: "may need suppressing");
	}
	out = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}, s:[{s:O, s:{s:o, s:o}}], s:o, s:s, s:s, s:s, s:O, s:s}",
			"uid", uid, "status", acro_status(verdict), "type", acro_type(kind),
			"properties", "method", kind, "file", json_string_value(json_object_get(f, "file")),
			"files", "name", json_is_string(released) ? released : json_object_get(f, "file"),
			"sdc", "summary", summary, "cells", cells, "outcome", outcome, "command",
			"trex-check", "summary", line, "timestamp", timestamp, "comments",
			json_object_get(f, "reasons"), "exception", "");
	return out;
nomem:
	json_decref(summary);
	json_decref(cells);
	json_decref(outcome);
	return NULL;
}

int acro_write_results(json_t *report, const char *path, struct trex_err *err)
{
	json_t *results = json_object(), *doc, *f;
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	if (!results)
		return trex_err_set(err, -ENOMEM, "acro export");
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	json_array_foreach(json_object_get(report, "files"), i, f) {
		json_t *o = acro_output(f, i, ts);
		char uid[32];
		if (!o) {
			json_decref(results);
			return trex_err_set(err, -ENOMEM, "acro export");
		}
		snprintf(uid, sizeof(uid), "output_%zu", i);
		json_object_set_new(results, uid, o);
	}
	doc = json_pack("{s:s, s:o, s:O}", "version", "trex-check 0.1.0", "results", results,
			"policy", json_object_get(report, "policy"));
	if (!doc)
		return trex_err_set(err, -ENOMEM, "acro export");
	if (json_dump_file(doc, path, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) < 0) {
		json_decref(doc);
		return trex_err_set(err, -EIO, "write %s", path);
	}
	json_decref(doc);
	return 0;
}
