/* Per-role views of a job (view.h). Everything a researcher is shown is
 * rebuilt here from tokens of fixed vocabularies and integers: nothing the
 * checker or the job wrote is copied through as text, so a checker
 * compromised by a hostile output could still only choose among known
 * words and counts. */
#include "view.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "codebook_fmt.h"
#include "manifest.h"
#include "runrec.h"
#include "sdcvocab.h"

enum view_level view_level(const struct caller *c, const struct job_row *row)
{
	if (c->uid == 0)
		return VIEW_FULL;
	if (c->roles & ROLE_RESEARCHER) {
		if (row->submitted_uid == c->uid ||
		    (c->name && row->submitted_name && strcmp(row->submitted_name, c->name) == 0))
			return VIEW_RESEARCHER;
		for (size_t i = 0; c->user && i < c->user->n_projects; i++)
			if (strcmp(c->user->projects[i], row->project) == 0)
				return VIEW_RESEARCHER;
	}
	if (c->roles & (ROLE_CHECKER | ROLE_AUDITOR))
		return VIEW_FULL;
	if (c->roles & (ROLE_OPERATOR | ROLE_APPROVER))
		return VIEW_OPERATOR;
	return VIEW_RESEARCHER;
}

static int view_in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

const char *view_rule(const char *rule)
{
	return sdc_vocab_rule_known(rule) ? rule : "other";
}

const char *view_action(const char *action)
{
	return sdc_vocab_action_known(action) ? action : "other";
}

const char *view_verdict(const char *verdict)
{
	static const char *const verdicts[] = { "pass", "suppressed", "review", "fail",
						"missing" };
	return view_in(verdict, verdicts, TREX_ARRAY_LEN(verdicts)) ? verdict : "fail";
}

int64_t view_round_seconds(int64_t ms)
{
	static const int64_t steps[] = { 1, 2, 5 };
	for (int64_t decade = 1;; decade *= 10)
		for (size_t i = 0; i < TREX_ARRAY_LEN(steps); i++)
			if (steps[i] * decade * 1000 >= ms || decade > 1000000000)
				return steps[i] * decade;
}

int64_t view_round_mb(int64_t kb)
{
	int64_t mb = 1;
	while (mb * 1024 < kb && mb < ((int64_t)1 << 40))
		mb *= 2;
	return mb;
}

int view_acro(enum view_level level)
{
	return level == VIEW_FULL;
}

int view_review_page(enum view_level level)
{
	return level == VIEW_FULL;
}

int view_log_size(enum view_level level, const char *state)
{
	/* a held log's size is a figure the job chose; a released one can
	 * be downloaded anyway */
	return level != VIEW_RESEARCHER || strcmp(state, "released") == 0;
}

int view_queue_item(enum view_level level, const char *me, json_t *item)
{
	int voted = 0;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(item, "release_votes"), i, v)
		voted |= me && json_is_string(v) && strcmp(json_string_value(v), me) == 0;
	if (!view_log_size(level, "held"))
		json_object_del(item, "size");
	return json_object_set_new(item, "you_voted", json_boolean(voted)) < 0 ? -ENOMEM : 0;
}

json_t *view_summary(const struct job_row *row, size_t reason_max)
{
	/* a long reason is cut on a character boundary: jansson wants UTF-8 */
	size_t rlen = strlen(row->reason);
	if (rlen > reason_max) {
		rlen = reason_max;
		while (rlen > 0 && ((unsigned char)row->reason[rlen] & 0xC0) == 0x80)
			rlen--;
	}
	return json_pack("{s:s,s:s,s:s%,s:s,s:s,s:s,s:s,s:I,s:s,s:s}", "id", row->id, "state",
			 row->state, "reason", row->reason, rlen, "project", row->project, "dataset",
			 row->dataset, "runtime", row->runtime, "submitted_by", row->submitted_name,
			 "submitted_uid", (json_int_t)row->submitted_uid, "created_at",
			 row->created_at, "updated_at", row->updated_at);
}

void view_slurm_reason(const char *word, char *out, size_t n)
{
	size_t len = word ? strlen(word) : 0;
	int ok = len > 0 && len <= 40;
	for (size_t i = 0; ok && i < len; i++)
		ok = (word[i] >= 'A' && word[i] <= 'Z') || (word[i] >= 'a' && word[i] <= 'z') ||
		     (word[i] >= '0' && word[i] <= '9') || word[i] == '_';
	snprintf(out, n, "queued on Slurm (%s)", ok ? word : "other");
}

static int view_declared(json_t *manifest, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(manifest_outputs(manifest), i, o) {
		const char *p = manifest_output_path(o);
		if (p && strcmp(p, name) == 0)
			return 1;
	}
	return 0;
}

/* The run record as a researcher sees it: the class of the outcome,
 * rounded figures, and how many /output entries were ignored. */
static json_t *view_run_researcher(json_t *run, json_t *manifest)
{
	size_t undeclared = 0, i;
	json_t *v;
	json_array_foreach(json_object_get(run, "collected"), i, v)
		if (!json_is_string(v) || !view_declared(manifest, json_string_value(v)))
			undeclared++;
	size_t refused = json_array_size(json_object_get(run, "refused"));
	/* counts the job chose: capped, so each carries a few bits only */
	json_t *o = json_pack("{s:s,s:I,s:I}", "result", runrec_class(run), "undeclared_files",
			      (json_int_t)(undeclared < VIEW_COUNT_CAP ? undeclared : VIEW_COUNT_CAP),
			      "refused_files",
			      (json_int_t)(refused < VIEW_COUNT_CAP ? refused : VIEW_COUNT_CAP));
	static const struct {
		const char *from, *to;
		int mb;
	} figs[] = { { "wall_ms", "wall_s", 0 }, { "cpu_ms", "cpu_s", 0 },
		     { "peak_memory_kb", "peak_memory_mb", 1 } };
	for (size_t k = 0; o && k < TREX_ARRAY_LEN(figs); k++) {
		json_t *f = json_object_get(run, figs[k].from);
		if (json_is_integer(f))
			json_object_set_new(o, figs[k].to,
					    json_integer(figs[k].mb
							 ? view_round_mb(json_integer_value(f))
							 : view_round_seconds(json_integer_value(f))));
	}
	return o;
}

/* Operators: the exact figures, but the names of the files the job left
 * in /output and the checker's own words only as counts / not at all. */
static json_t *view_run_operator(json_t *run)
{
	json_t *o = json_deep_copy(run);
	if (!o)
		return NULL;
	json_object_set_new(o, "collected",
			    json_integer((json_int_t)json_array_size(json_object_get(run, "collected"))));
	json_object_set_new(o, "refused",
			    json_integer((json_int_t)json_array_size(json_object_get(run, "refused"))));
	json_object_del(json_object_get(o, "checker"), "error");
	return o;
}

json_t *view_report_entry(json_t *report, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	json_t *by_base = NULL;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(report, "files"), i, f) {
		const char *name = json_string_value(json_object_get(f, "file"));
		if (!name)
			continue;
		if (strcmp(name, path) == 0)
			return f;
		if (!by_base && strcmp(name, base) == 0)
			by_base = f;
	}
	return by_base;
}

static int view_decision_cmp(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *xa = json_string_value(json_object_get(x, "action"));
	const char *ya = json_string_value(json_object_get(y, "action"));
	int r = strcmp(json_string_value(json_object_get(x, "rule")),
		       json_string_value(json_object_get(y, "rule")));
	return r ? r : strcmp(xa ? xa : "", ya ? ya : "");
}

/* out's entries sorted, at most `max` kept. */
static json_t *view_sorted(json_t *out, size_t max)
{
	size_t n = json_array_size(out);
	if (n < 2 && n <= max)
		return out;
	json_t **items = trex_calloc(n, sizeof(*items));
	if (!items) {
		json_decref(out);
		return NULL;
	}
	for (size_t k = 0; k < n; k++)
		items[k] = json_incref(json_array_get(out, k));
	qsort(items, n, sizeof(*items), view_decision_cmp);
	json_array_clear(out);
	for (size_t k = 0; k < n; k++)
		if (k < max)
			json_array_append_new(out, items[k]);
		else
			json_decref(items[k]);
	trex_free(items);
	return out;
}

/* The entry of `out` with this rule (and action, when not NULL). */
static json_t *view_find(json_t *out, const char *rule, const char *action)
{
	size_t k;
	json_t *e;
	json_array_foreach(out, k, e)
		if (!strcmp(json_string_value(json_object_get(e, "rule")), rule) &&
		    (!action || !strcmp(json_string_value(json_object_get(e, "action")), action)))
			return e;
	return NULL;
}

/* The rules that decided an output, from the report's "decisions"
 * (CONTRACTS.md 2), rebuilt from known words and sorted (their order is
 * not the checker's to choose). Of a released output: every rule and
 * action with its number of cells (its blanks show them anyway). Of an
 * output that did not leave: the names of at most VIEW_RULES_CAP rules,
 * no counts and no actions, since whatever is shown about it is a figure
 * the job could choose (SECURITY.md gives the capacity). */
static json_t *view_decisions(json_t *entry, int released)
{
	json_t *out = json_array();
	size_t i;
	json_t *dec;
	json_array_foreach(json_object_get(entry, "decisions"), i, dec) {
		if (!out)
			break;
		const char *rule = view_rule(json_string_value(json_object_get(dec, "rule")));
		if (!released) {
			if (!view_find(out, rule, NULL))
				json_array_append_new(out, json_pack("{s:s}", "rule", rule));
			continue;
		}
		const char *action = view_action(json_string_value(json_object_get(dec, "action")));
		json_t *cells = json_object_get(dec, "cells");
		json_int_t n = json_is_integer(cells) && json_integer_value(cells) > 0
				       ? json_integer_value(cells) : 0;
		json_t *e = view_find(out, rule, action);
		if (e)
			json_object_set_new(e, "cells", json_integer(
				json_integer_value(json_object_get(e, "cells")) + n));
		else
			json_array_append_new(out, json_pack("{s:s,s:s,s:I}", "rule", rule, "action",
							     action, "cells", n));
	}
	return out ? view_sorted(out, released ? SIZE_MAX : VIEW_RULES_CAP) : NULL;
}

/* One line on an output, built from its verdict and decisions:
 * "released", "released with cells suppressed: threshold: 2 primary;
 * threshold: 1 secondary", "blocked: identifier, undeclared_column". */
static json_t *view_output_summary(const char *verdict, int released, json_t *decisions)
{
	char buf[1024];
	size_t n;
	if (strcmp(verdict, "missing") == 0)
		return json_string("not produced");
	if (released)
		n = (size_t)snprintf(buf, sizeof(buf), "%s",
				     strcmp(verdict, "suppressed") == 0 ? "released with cells suppressed"
									: "released");
	else
		n = (size_t)snprintf(buf, sizeof(buf), "%s",
				     strcmp(verdict, "review") == 0 ? "held for review" : "blocked");
	size_t i;
	json_t *d;
	json_array_foreach(decisions, i, d) {
		if (n >= sizeof(buf) - 80) {
			snprintf(buf + n, sizeof(buf) - n, "; ...");
			break;
		}
		const char *rule = json_string_value(json_object_get(d, "rule"));
		json_t *cells = json_object_get(d, "cells");
		if (cells)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %s: %lld %s",
					      i ? ";" : ":", rule, (long long)json_integer_value(cells),
					      json_string_value(json_object_get(d, "action")));
		else
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %s", i ? "," : ":", rule);
	}
	return json_string(buf);
}

static int view_outputs(json_t *doc)
{
	json_t *report = json_object_get(doc, "report");
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(doc, "outputs"), i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));
		const char *verdict = view_verdict(json_string_value(json_object_get(o, "verdict")));
		int released = json_is_true(json_object_get(o, "released"));
		json_t *entry = name && strcmp(verdict, "missing") != 0
					? view_report_entry(report, name) : NULL;
		json_t *decisions = view_decisions(entry, released);
		json_t *summary = view_output_summary(verdict, released, decisions);
		if (!decisions || !summary ||
		    json_object_set_new(o, "verdict", json_string(verdict)) < 0 ||
		    json_object_set_new(o, "decisions", decisions) < 0 ||
		    json_object_set_new(o, "summary", summary) < 0)
			return -ENOMEM;
	}
	return 0;
}

int view_job(enum view_level level, json_t *doc)
{
	if (level == VIEW_FULL)
		return 0;
	json_t *run = json_object_get(doc, "run");
	if (json_is_object(run)) {
		json_t *v = level == VIEW_OPERATOR
				    ? view_run_operator(run)
				    : view_run_researcher(run, json_object_get(doc, "manifest"));
		if (!v || json_object_set_new(doc, "run", v) < 0)
			return -ENOMEM;
	}
	if (view_outputs(doc) < 0)
		return -ENOMEM;
	/* the per-cell report (keys, reasons quoting codes and counts) is
	 * for checkers: the outputs carry its decisions */
	return json_object_set_new(doc, "report", json_null()) < 0 ? -ENOMEM : 0;
}

int view_codebook(json_t *cb, struct trex_err *err)
{
	return codebook_fmt_check(cb, "codebook", err);
}
