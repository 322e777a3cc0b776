/* Run records, outcome classes and reasons (runrec.h). */
#include "runrec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "esc.h"
#include "manifest.h"
#include "sdcvocab.h"

json_t *runrec_parse(const char *text, size_t len)
{
	static const char *const ints[] = { "exit_code", "signal", "host_uid", "wall_ms",
					    "cpu_ms", "peak_memory_kb", "started_ns" };
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_t *collected = json_array(), *refused = json_array();
	const char *end = text + len;
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		const char *eq = memchr(line, '=', (size_t)(le - line));
		if (eq && eq > line && eq - line < 32) {
			char key[32], val[1024];
			memcpy(key, line, (size_t)(eq - line));
			key[eq - line] = '\0';
			/* values are escaped by the sandbox; escape again in
			 * case a broken one was not */
			trex_esc(eq + 1, (size_t)(le - eq - 1), val, sizeof(val));
			size_t i;
			for (i = 0; i < TREX_ARRAY_LEN(ints); i++)
				if (strcmp(key, ints[i]) == 0)
					break;
			if (i < TREX_ARRAY_LEN(ints)) {
				char *e = NULL;
				long long v = strtoll(val, &e, 10);
				if (e && *e == '\0' && e != val)
					json_object_set_new(o, key, json_integer(v));
			} else if (strcmp(key, "collected") == 0) {
				json_array_append_new(collected, json_string(val));
			} else if (strcmp(key, "refused") == 0) {
				json_array_append_new(refused, json_string(val));
			} else if (strcmp(key, "end") != 0) {
				json_object_set_new(o, key, json_string(val));
			}
		}
		line = nl ? nl + 1 : end;
	}
	json_object_set_new(o, "collected", collected ? collected : json_array());
	json_object_set_new(o, "refused", refused ? refused : json_array());
	return o;
}

const char *runrec_class(const json_t *run)
{
	static const struct {
		const char *result, *class;
	} map[] = {
		{ "timeout", "timed_out" },   { "cpu_limit", "timed_out" },
		{ "signal", "killed" },       { "oom", "out_of_memory" },
		{ "output_limit", "output_limit" }, { "setup_failed", "setup_failed" },
	};
	const char *result = json_string_value(json_object_get(run, "result"));
	if (!result)
		return "unknown";
	if (strcmp(result, "exit") == 0)
		return json_integer_value(json_object_get(run, "exit_code")) == 0 ? "succeeded"
										   : "failed";
	for (size_t i = 0; i < TREX_ARRAY_LEN(map); i++)
		if (strcmp(result, map[i].result) == 0)
			return map[i].class;
	return "unknown";
}

/* A setup stage is one of the sandbox's own words (sandbox/child.c):
 * anything else is not repeated. */
static const char *runrec_stage(const json_t *run)
{
	const char *s = json_string_value(json_object_get(run, "failed_stage"));
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 32 || strspn(s, "abcdefghijklmnopqrstuvwxyz_") != n)
		return "unknown";
	return s;
}

const char *runrec_verdict(const json_t *run, long wall_seconds, long cpu_seconds,
			   long memory_mb, long output_mb, char *reason, size_t len)
{
	const char *result = json_string_value(json_object_get(run, "result"));
	if (!result) {
		snprintf(reason, len, "the sandbox ended without a status record");
		return "failed";
	}
	const char *class = runrec_class(run);
	if (strcmp(class, "succeeded") == 0)
		return NULL;
	if (strcmp(result, "timeout") == 0) {
		snprintf(reason, len, "the job exceeded its wall-clock limit of %ld s", wall_seconds);
		return "timed_out";
	}
	if (strcmp(result, "cpu_limit") == 0) {
		snprintf(reason, len, "the job exceeded its CPU limit of %ld s", cpu_seconds);
		return "timed_out";
	}
	if (strcmp(class, "failed") == 0)
		snprintf(reason, len, "the job exited with a non-zero status");
	else if (strcmp(class, "killed") == 0)
		snprintf(reason, len, "the job was killed by a signal");
	else if (strcmp(class, "out_of_memory") == 0)
		snprintf(reason, len, "the job ran out of memory (limit %ld MB)", memory_mb);
	else if (strcmp(class, "output_limit") == 0)
		snprintf(reason, len, "the job's outputs exceeded %ld MB", output_mb);
	else if (strcmp(class, "setup_failed") == 0)
		/* set up before any job code ran: its message holds nothing
		 * the job read or wrote (the command name is the manifest's) */
		snprintf(reason, len, "sandbox setup failed: %s: %s", runrec_stage(run),
			 json_string_value(json_object_get(run, "error"))
				 ? json_string_value(json_object_get(run, "error"))
				 : "no message");
	else
		snprintf(reason, len, "the sandbox reported an unexpected result");
	return "failed";
}

/* A located error of trex-check about a declared output:
 * "[trex-check: ]FILE:LINE:COLUMN: CODE[: text]", FILE a declared path (or
 * its basename, as trex-check names files), LINE and COLUMN decimal, CODE
 * one of trex-check's error codes. Writes "FILE:LINE:COLUMN: CODE" into
 * out, or returns 0 when the line is anything else. */
static int runrec_located(const char *line, size_t n, const json_t *declared, char *out,
			  size_t outsz)
{
	static const char prefix[] = "trex-check: ";
	if (n >= sizeof(prefix) - 1 && memcmp(line, prefix, sizeof(prefix) - 1) == 0) {
		line += sizeof(prefix) - 1;
		n -= sizeof(prefix) - 1;
	}
	size_t i;
	const json_t *o;
	json_array_foreach(declared, i, o) {
		const char *path = manifest_output_path((json_t *)o);
		if (!path)
			continue;
		const char *slash = strrchr(path, '/');
		const char *names[2] = { path, slash ? slash + 1 : NULL };
		for (int k = 0; k < 2 && names[k]; k++) {
			size_t pl = strlen(names[k]);
			if (pl >= n || memcmp(line, names[k], pl) != 0 || line[pl] != ':')
				continue;
			const char *p = line + pl + 1, *end = line + n;
			size_t dl = 0, dc = 0;
			while (p + dl < end && dl < 10 && p[dl] >= '0' && p[dl] <= '9')
				dl++;
			if (dl == 0 || p + dl >= end || p[dl] != ':')
				continue;
			const char *col = p + dl + 1;
			while (col + dc < end && dc < 10 && col[dc] >= '0' && col[dc] <= '9')
				dc++;
			if (dc == 0 || col + dc + 2 > end || col[dc] != ':' || col[dc + 1] != ' ')
				continue;
			const char *code = col + dc + 2;
			size_t cl = 0;
			while (code + cl < end && code[cl] != ':')
				cl++;
			char tok[64];
			if (cl == 0 || cl >= sizeof(tok))
				continue;
			memcpy(tok, code, cl);
			tok[cl] = '\0';
			if (!sdc_vocab_code_known(tok))
				continue;
			/* the fixed text of the code, trexd's copy of it */
			snprintf(out, outsz, "%s:%.*s:%.*s: %s (%s)", path, (int)dl, p, (int)dc, col,
				 tok, sdc_vocab_code_text(tok));
			return 1;
		}
	}
	return 0;
}

int runrec_place(const char *line, size_t n, const json_t *declared, char *out, size_t outsz)
{
	return runrec_located(line, n, declared, out, outsz);
}

void runrec_check_failed(json_t *run, int64_t status, const char *err, size_t err_len,
			 const json_t *declared, char *reason, size_t len)
{
	size_t n = err_len;
	const char *nl = err ? memchr(err, '\n', n) : NULL;
	if (nl)
		n = (size_t)(nl - err);
	char first[512];
	trex_esc(err ? err : "", n, first, sizeof(first));
	if (json_is_object(run))
		json_object_set_new(run, "checker", json_pack("{s:I,s:s}", "exit_code",
							      (json_int_t)status, "error", first));
	char where[400];
	if (err && runrec_located(err, n, declared, where, sizeof(where)))
		snprintf(reason, len, "output check failed: %s", where);
	else
		snprintf(reason, len, "output check failed (an output checker can see why)");
}
