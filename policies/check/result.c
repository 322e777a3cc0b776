/* A check's result: the verdict, the file-level reasons and the per-cell
 * decisions ("notes") every rule records, kept compact because a
 * threshold rule may note hundreds of thousands of cells. */
#include "sdc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"

static const char *const verdict_names[] = {"pass", "suppressed", "review", "fail"};

const char *sdc_verdict_name(enum sdc_verdict v)
{
	return verdict_names[v];
}

void sdc_worsen(struct sdc_result *res, enum sdc_verdict v)
{
	if (v > res->verdict)
		res->verdict = v;
}

int sdc_result_init(struct sdc_result *res, size_t nrows)
{
	memset(res, 0, sizeof(*res));
	res->reasons = json_array();
	res->state = trex_calloc(nrows + 1, 1);
	res->replace = trex_calloc(nrows + 1, sizeof(char *));
	if (!res->reasons || !res->state || !res->replace) {
		sdc_result_free(res);
		return -ENOMEM;
	}
	res->ncells = nrows;
	return 0;
}

void sdc_result_free(struct sdc_result *res)
{
	json_decref(res->reasons);
	for (size_t i = 0; i < res->ndecisions; i++)
		json_decref(res->cells[i].params);
	for (size_t i = 0; i < TREX_ARRAY_LEN(res->shared_params); i++)
		json_decref(res->shared_params[i]);
	trex_free(res->cells);
	trex_free(res->reason_text);
	trex_free(res->cell_key);
	trex_free(res->key_text);
	trex_free(res->id_measure);
	sdc_result_trim(res);
	memset(res, 0, sizeof(*res));
}

void sdc_result_trim(struct sdc_result *res)
{
	trex_free(res->audit);
	for (size_t d = 0; d < MANIFEST_MAX_DIMS; d++) {
		trex_free(res->code[d]);
		trex_free(res->code_row[d]);
	}
	/* only rounding packs fill it (and count what they fill) */
	if (res->replace && res->nrounded)
		for (size_t i = 0; i < res->ncells; i++)
			trex_free(res->replace[i]);
	trex_free(res->replace);
	if (res->replace_contrib)
		for (size_t i = 0; i < res->ncells; i++)
			trex_free(res->replace_contrib[i]);
	trex_free(res->replace_contrib);
	trex_free(res->state);
	trex_free(res->counts);
	trex_free(res->group_scratch);
	res->audit = NULL;
	memset(res->code, 0, sizeof(res->code));
	memset(res->code_row, 0, sizeof(res->code_row));
	res->replace = NULL;
	res->replace_contrib = NULL;
	res->state = NULL;
	res->counts = NULL;
	res->group_scratch = NULL;
}

void sdc_reason(struct sdc_result *res, const char *rule, enum sdc_verdict v,
		const char *fmt, ...)
{
	const char *action = v == SDC_FAIL ? "fail" : "review";
	char buf[512];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(res->reasons, json_string(buf));
	sdc_worsen(res, v);
	for (i = 0; i < res->nfdec; i++)
		if (!strcmp(res->fdec[i].rule, rule) && !strcmp(res->fdec[i].action, action))
			return;
	/* the vocabulary has fewer rules than there are slots: a full list
	 * would be a bug, and the reason and verdict are kept anyway */
	if (res->nfdec < SDC_MAX_FILE_DECISIONS)
		res->fdec[res->nfdec++] = (struct sdc_file_decision){rule, action};
}

void sdc_reasons_clear(struct sdc_result *res)
{
	json_array_clear(res->reasons);
	res->nfdec = 0;
}

/* A decision that cannot be recorded must not let the file through. */
static void sdc_note_nomem(struct sdc_result *res)
{
	sdc_reason(res, "internal_error", SDC_FAIL, "out of memory while recording cell decisions");
}

/* Room for one more decision and its reason (up to 255 bytes + NUL). */
static bool sdc_note_reserve(struct sdc_result *res, json_t *params)
{
	if (res->ndecisions == res->cap_decisions) {
		size_t cap = res->cap_decisions ? res->cap_decisions * 2 : 64;
		struct sdc_cell *nc = trex_reallocarray(res->cells, cap, sizeof(*nc));
		if (!nc) {
			json_decref(params);
			sdc_note_nomem(res);
			return false;
		}
		res->cells = nc;
		res->cap_decisions = cap;
	}
	if (res->reason_cap - res->reason_len < 256) {
		size_t cap = res->reason_cap ? res->reason_cap * 2 : 4096;
		char *nt = trex_realloc(res->reason_text, cap);
		if (!nt) {
			json_decref(params);
			sdc_note_nomem(res);
			return false;
		}
		res->reason_text = nt;
		res->reason_cap = cap;
	}
	return true;
}

/* The decision, its reason already written at reason_text + reason_len
 * (n bytes, or more when vsnprintf truncated: kept to 255). */
static void sdc_note_commit(struct sdc_result *res, size_t row, const char *measure,
			    const char *rule, json_t *params, const char *action, int n)
{
	struct sdc_cell *c = &res->cells[res->ndecisions++];

	c->row = row;
	c->measure = measure ? measure : "";
	c->rule = rule;
	c->action = action;
	c->params = params;
	c->reason = res->reason_len;
	res->reason_len += (n < 0 ? 0 : n > 255 ? 255 : (size_t)n) + 1;
	res->reason_text[res->reason_len - 1] = '\0';
}

void sdc_note(struct sdc_result *res, const struct sdc_table *t, size_t row,
	      const char *measure, const char *rule, json_t *params, const char *action,
	      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!sdc_note_reserve(res, params))
		return;
	va_start(ap, fmt);
	n = vsnprintf(res->reason_text + res->reason_len, 256, fmt, ap);
	va_end(ap);
	sdc_note_commit(res, row, measure, rule, params, action, n);
}

/* Streaming checks (stream.c) drop their rows as they go, so a decision
 * carries the text of its key (nd codes, each NUL-terminated) instead of
 * a row to read it from: attached to the last decision taken. */
int sdc_note_key(struct sdc_result *res, const char *const *codes, size_t nd)
{
	size_t need = 0, at;

	if (!res->ndecisions)
		return 0;
	for (size_t d = 0; d < nd; d++)
		need += strlen(codes[d]) + 1;
	if (res->cap_cell_key < res->cap_decisions) {
		size_t *k = trex_reallocarray(res->cell_key, res->cap_decisions, sizeof(*k));
		if (!k)
			goto nomem;
		res->cell_key = k;
		res->cap_cell_key = res->cap_decisions;
	}
	if (res->key_cap - res->key_len < need) {
		size_t cap = res->key_cap ? res->key_cap : 4096;
		char *t;
		while (cap - res->key_len < need)
			cap *= 2;
		t = trex_realloc(res->key_text, cap);
		if (!t)
			goto nomem;
		res->key_text = t;
		res->key_cap = cap;
	}
	at = res->key_len;
	for (size_t d = 0; d < nd; d++) {
		size_t n = strlen(codes[d]) + 1;
		memcpy(res->key_text + res->key_len, codes[d], n);
		res->key_len += n;
	}
	res->cell_key[res->ndecisions - 1] = at;
	return 0;
nomem:
	sdc_note_nomem(res);
	return -ENOMEM;
}

/* src's decisions (with their keys) after dst's. */
int sdc_note_append(struct sdc_result *dst, const struct sdc_result *src, size_t nd)
{
	for (size_t i = 0; i < src->ndecisions; i++) {
		const struct sdc_cell *c = &src->cells[i];
		const char *codes[MANIFEST_MAX_DIMS];
		const char *k = src->key_text + src->cell_key[i];

		for (size_t d = 0; d < nd; d++) {
			codes[d] = k;
			k += strlen(k) + 1;
		}
		const char *why = src->reason_text + c->reason;
		size_t n = strlen(why);
		json_t *p = json_incref(c->params);

		if (!sdc_note_reserve(dst, p))
			return -ENOMEM;
		memcpy(dst->reason_text + dst->reason_len, why, n);
		sdc_note_commit(dst, c->row, c->measure, c->rule, p, c->action, (int)n);
		if (sdc_note_key(dst, codes, nd) < 0)
			return -ENOMEM;
	}
	return 0;
}

static size_t sdc_put_long(char *d, long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
	} while (u /= 10);
	if (v < 0)
		tmp[--i] = '-';
	memcpy(d, tmp + i, sizeof(tmp) - i);
	return sizeof(tmp) - i;
}

/* sdc_note for the reason "<pre><a><mid><b>" (what "%ld" prints), without
 * printf: a threshold decision can be taken on hundreds of thousands of
 * cells, and formatting its reason was a sixth of the checker's time. */
void sdc_note_counts(struct sdc_result *res, size_t row, const char *measure,
			    const char *rule, json_t *params, const char *action, const char *pre,
			    long a, const char *mid, long b)
{
	size_t lp = strlen(pre), lm = strlen(mid), n;
	char *d;

	if (lp + lm + 48 > 255) {
		/* long texts need vsnprintf's truncation */
		sdc_note(res, NULL, row, measure, rule, params, action, "%s%ld%s%ld", pre, a, mid, b);
		return;
	}
	if (!sdc_note_reserve(res, params))
		return;
	d = res->reason_text + res->reason_len;
	memcpy(d, pre, lp);
	n = lp + sdc_put_long(d + lp, a);
	memcpy(d + n, mid, lm);
	n += lm;
	n += sdc_put_long(d + n, b);
	sdc_note_commit(res, row, measure, rule, params, action, (int)n);
}

/* sdc_note with a reason formatted once and shared by many cells. */
void sdc_note_fixed(struct sdc_result *res, size_t row, const char *measure,
			   const char *rule, json_t *params, const char *action, const char *text)
{
	size_t n = strnlen(text, 255);

	if (!sdc_note_reserve(res, params))
		return;
	memcpy(res->reason_text + res->reason_len, text, n);
	sdc_note_commit(res, row, measure, rule, params, action, (int)n);
}

/* Params objects repeated on every cell of a rule are built once and
 * shared (report.c also serialises them once). */
json_t *sdc_shared(struct sdc_result *res, size_t slot, json_t *(*make)(const struct policy *),
			  const struct policy *pol)
{
	if (!res->shared_params[slot])
		res->shared_params[slot] = make(pol);
	return json_incref(res->shared_params[slot]);
}

/* The per-row group array of the slice rules, allocated once: each rule
 * regroups it, and a fresh array per rule faulted in its pages again. */
uint32_t *sdc_group_array(struct sdc_result *res, size_t n)
{
	if (!res->group_scratch)
		res->group_scratch = trex_calloc(n + 1, sizeof(uint32_t));
	return res->group_scratch;
}
