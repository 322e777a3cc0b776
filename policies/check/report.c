/* The per-file report entry (CONTRACTS.md section 2) and the released copy
 * of a table: suppressed cells replaced by the marker, rounded counts
 * replaced by their released value, evidence columns dropped. */
#include "sdc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "fsutil.h"

#define REPORT_SINK_BUF (256u * 1024)

/* One (rule, action) pair of a file and the cells it decided. */
struct report_pair {
	const char *rule, *action;
	size_t cells;
};

static int report_pair_cmp(const void *a, const void *b)
{
	const struct report_pair *x = a, *y = b;
	int c = strcmp(x->rule, y->rule);
	return c ? c : strcmp(x->action, y->action);
}

/* The pair's slot in p (n used of cap), added when new; NULL when full. */
static struct report_pair *report_pair_of(struct report_pair *p, size_t *n, size_t cap,
					  const char *rule, const char *action)
{
	for (size_t i = 0; i < *n; i++)
		if ((p[i].rule == rule || !strcmp(p[i].rule, rule)) &&
		    (p[i].action == action || !strcmp(p[i].action, action)))
			return &p[i];
	if (*n == cap)
		return NULL;
	p[*n] = (struct report_pair){rule, action, 0};
	return &p[(*n)++];
}

/* Sorted, so both check paths (and any order of taking the decisions)
 * give the same bytes. A table's decisions come from a few rules: the
 * last pair is tried first, then the short list. */
json_t *report_decisions(const struct sdc_result *res)
{
	/* every pair the vocabulary allows (28 rules x 6 actions) */
	struct report_pair p[192], *last = NULL;
	size_t n = 0;
	json_t *a = json_array();

	if (!a)
		return NULL;
	for (size_t i = 0; i < res->ndecisions; i++) {
		const struct sdc_cell *c = &res->cells[i];
		if (!last || last->rule != c->rule || last->action != c->action)
			last = report_pair_of(p, &n, TREX_ARRAY_LEN(p), c->rule, c->action);
		if (last)
			last->cells++;
	}
	for (size_t i = 0; i < res->nfdec; i++)
		report_pair_of(p, &n, TREX_ARRAY_LEN(p), res->fdec[i].rule, res->fdec[i].action);
	qsort(p, n, sizeof(p[0]), report_pair_cmp);
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:s, s:I}", "rule", p[i].rule,
						       "action", p[i].action, "cells",
						       (json_int_t)p[i].cells)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *report_file(const struct sdc_table *t, const struct sdc_result *res,
		    const char *file, const char *kind, const char *released)
{
	json_t *dec = report_decisions(res);

	if (!dec)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:O, s:o, s:o}", "file", file, "kind", kind,
			 "verdict", sdc_verdict_name(res->verdict), "summary", res->summary,
			 "reasons", res->reasons, "decisions", dec, "released",
			 released ? json_string(released) : json_null());
}

/* The cells are written as JSON text directly (byte for byte what jansson
 * would print with JSON_COMPACT), since a table can hold hundreds of
 * thousands of decisions. With a sink, a full buffer is written out
 * rather than grown: the report goes to stdout without ever being whole
 * in memory (tens of MB for a large table, faulted in page by page). */
struct report_out {
	char *p;
	size_t len, cap;
	FILE *sink;
	bool nomem; /* out of memory, or a write to the sink failed */
};

static bool __attribute__((noinline)) report_grow(struct report_out *o, size_t n)
{
	size_t cap = o->cap ? o->cap : 65536;
	char *np;

	if (o->nomem)
		return false;
	if (o->sink && o->len) {
		if (fwrite(o->p, 1, o->len, o->sink) != o->len) {
			o->nomem = true;
			return false;
		}
		o->len = 0;
		if (o->cap >= n)
			return true;
	}
	while (cap - o->len < n)
		cap *= 2;
	np = trex_realloc(o->p, cap);
	if (!np) {
		o->nomem = true;
		return false;
	}
	o->p = np;
	o->cap = cap;
	return true;
}

/* Inline: called several times per cell and per field; growing is rare. */
static inline bool report_reserve(struct report_out *o, size_t n)
{
	if (__builtin_expect(o->cap - o->len >= n && !o->nomem, 1))
		return true;
	return report_grow(o, n);
}

static inline void report_put(struct report_out *o, const char *s, size_t n)
{
	/* an empty field may come first into a buffer not yet allocated */
	if (n && report_reserve(o, n)) {
		memcpy(o->p + o->len, s, n);
		o->len += n;
	}
}

#define report_lit(o, s) report_put(o, s, sizeof(s) - 1)

static const unsigned char report_json_special[256] = {
	[0x00 ... 0x1f] = 1,
	['"'] = 1,
	['\\'] = 1,
};

/* A JSON string; input is valid UTF-8 (csv.c and the manifest parser
 * reject anything else), so only quotes, backslashes and control
 * characters need escaping. */
static void report_str(struct report_out *o, const char *s)
{
	size_t n = 0;
	char *d;

	/* the common case: nothing to escape, one copy */
	while (s[n] && !report_json_special[(unsigned char)s[n]])
		n++;
	if (!s[n]) {
		if (!report_reserve(o, n + 2))
			return;
		d = o->p + o->len;
		d[0] = '"';
		memcpy(d + 1, s, n);
		d[n + 1] = '"';
		o->len += n + 2;
		return;
	}
	n += strlen(s + n);
	if (!report_reserve(o, n * 6 + 2))
		return;
	d = o->p + o->len;
	*d++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (!report_json_special[ch]) {
			*d++ = (char)ch;
			continue;
		}
		*d++ = '\\';
		switch (ch) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '\b': *d++ = 'b'; break;
		case '\f': *d++ = 'f'; break;
		case '\n': *d++ = 'n'; break;
		case '\r': *d++ = 'r'; break;
		case '\t': *d++ = 't'; break;
		default:
			/* control characters only (< 0x20): \u00XX without printf */
			*d++ = 'u'; *d++ = '0'; *d++ = '0';
			*d++ = "0123456789abcdef"[(ch >> 4) & 15];
			*d++ = "0123456789abcdef"[ch & 15];
		}
	}
	*d++ = '"';
	o->len = (size_t)(d - o->p);
}

static void report_uint(struct report_out *o, size_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	report_put(o, tmp + i, sizeof(tmp) - i);
}

/* The text between a cell's key and its reason,
 * `},"measure":M,"rule":R,"params":P,"action":A,"reason":`, the same for
 * every cell of a rule: built when one of its parts changes, then copied. */
struct report_tail {
	const char *measure, *rule, *action;
	const json_t *params;
	bool valid;
	struct report_out txt;
};

static void report_tail_put(struct report_out *o, struct report_tail *tl,
			    const struct sdc_cell *c)
{
	if (!tl->valid || tl->measure != c->measure || tl->rule != c->rule ||
	    tl->action != c->action || tl->params != c->params || tl->txt.nomem) {
		struct report_out *x = &tl->txt;
		x->len = 0;
		x->nomem = false;
		report_lit(x, "},\"measure\":");
		report_str(x, c->measure);
		report_lit(x, ",\"rule\":");
		report_str(x, c->rule);
		report_lit(x, ",\"params\":");
		if (!c->params) {
			report_lit(x, "{}");
		} else {
			char *p = json_dumps(c->params, JSON_COMPACT | JSON_PRESERVE_ORDER |
							JSON_REAL_PRECISION(10));
			if (p)
				report_put(x, p, strlen(p));
			else
				x->nomem = true;
			free(p);
		}
		report_lit(x, ",\"action\":");
		report_str(x, c->action);
		report_lit(x, ",\"reason\":");
		tl->measure = c->measure;
		tl->rule = c->rule;
		tl->action = c->action;
		tl->params = c->params;
		tl->valid = true;
	}
	if (tl->txt.nomem)
		o->nomem = true;
	else
		report_put(o, tl->txt.p, tl->txt.len);
}

/* The cells array into *out. A local copy while writing: the compiler
 * keeps its fields in registers through the loop. */
static void report_cells(struct report_out *out, const struct sdc_table *t,
			 const struct sdc_result *res)
{
	struct report_out o = *out;
	struct report_tail tail = {0};
	/* `"dim":`, with the comma before every dimension but the first */
	struct report_out keypre[MANIFEST_MAX_DIMS] = {{0}};
	const size_t nd = t->decl->ndims;

	for (size_t d = 0; d < nd; d++) {
		if (d)
			report_lit(&keypre[d], ",");
		report_str(&keypre[d], t->decl->dims[d]);
		report_lit(&keypre[d], ":");
		if (keypre[d].nomem)
			o.nomem = true;
	}
	report_lit(&o, "[");
	for (size_t i = 0; i < res->ndecisions && !o.nomem; i++) {
		const struct sdc_cell *c = &res->cells[i];

		if (i)
			report_lit(&o, ",");
		report_lit(&o, "{\"row\":");
		/* row is 1-based over data rows (the header is row 0) */
		report_uint(&o, c->row + 1);
		report_lit(&o, ",\"key\":{");
		/* a streamed table's rows are gone: its decisions carry their key */
		const char *k = res->cell_key ? res->key_text + res->cell_key[i] : NULL;
		/* a table holding an identifier: its labels may too (sdc_identifier) */
		for (size_t d = 0; d < nd && !res->keys_hidden; d++) {
			report_put(&o, keypre[d].p, keypre[d].len);
			if (k) {
				report_str(&o, k);
				k += strlen(k) + 1;
			} else {
				report_str(&o, csv_field(t->csv, c->row, (size_t)t->dim_col[d]));
			}
		}
		report_tail_put(&o, &tail, c);
		report_str(&o, res->reason_text + c->reason);
		report_lit(&o, "}");
	}
	report_lit(&o, "]");
	trex_free(tail.txt.p);
	for (size_t d = 0; d < nd; d++)
		trex_free(keypre[d].p);
	*out = o;
}

int report_cells_text(const struct sdc_table *t, const struct sdc_result *res, char **text,
		      size_t *len)
{
	struct report_out o = {0};

	report_cells(&o, t, res);
	if (o.nomem || !report_reserve(&o, 1)) {
		trex_free(o.p);
		return -ENOMEM;
	}
	o.p[o.len] = '\0';
	*text = o.p;
	*len = o.len;
	return 0;
}

/* The same bytes as report_cells_text, written to f through a fixed
 * buffer. */
int report_cells_write(FILE *f, const struct sdc_table *t, const struct sdc_result *res)
{
	struct report_out o = {.sink = f};
	bool ok;

	if (report_reserve(&o, REPORT_SINK_BUF))
		report_cells(&o, t, res);
	ok = !o.nomem && (!o.len || fwrite(o.p, 1, o.len, f) == o.len);
	trex_free(o.p);
	if (!ok)
		return ferror(f) ? -EIO : -ENOMEM;
	return 0;
}

/* A lower bound of the bytes report_cells_text produces, for main.c to
 * choose between keeping a table until the report is written and keeping
 * its cells' text: the reasons, and per cell at least
 * `{"row":1,"key":{},"measure":"","rule":"","params":{},"action":"","reason":""},`
 * (78 bytes), a rule and an action name (3 and 4 bytes at least) and
 * `"d":""` per dimension, less the NUL that ends each reason in
 * reason_text. Actual cells are nearer 140 bytes plus their reason. */
size_t report_cells_size(const struct sdc_table *t, const struct sdc_result *res)
{
	return res->ndecisions * (84 + (res->keys_hidden ? 0 : 6 * t->decl->ndims)) +
	       res->reason_len;
}

/* Columns whose value is hidden when a row is suppressed: every measure,
 * since a magnitude's contributors or a statistic's count says as much as
 * the cell itself. */
static bool report_is_measure(const struct sdc_table *t, size_t col)
{
	int c = (int)col;
	for (size_t d = 0; d < t->decl->ndims; d++)
		if (t->dim_col[d] == c)
			return false;
	return true;
}

/* Fields are gathered in a buffer and written in large blocks: one stdio
 * call per field was a fifth of the time on a table of millions of cells. */
static void report_csv_field(struct report_out *o, const char *s, bool may_quote)
{
	size_t n = strlen(s);
	char *d;

	if (!may_quote || !strpbrk(s, ",\"\r\n")) {
		report_put(o, s, n);
		return;
	}
	if (!report_reserve(o, 2 * n + 2))
		return;
	d = o->p + o->len;
	*d++ = '"';
	for (; *s; s++) {
		if (*s == '"')
			*d++ = '"';
		*d++ = *s;
	}
	*d++ = '"';
	o->len = (size_t)(d - o->p);
}

/* Maximal runs of consecutive columns that are released. */
struct report_runs {
	size_t n;
	size_t first[CSV_MAX_COLS], last[CSV_MAX_COLS];
};

static void report_runs_init(struct report_runs *rs, const struct csv_table *c,
			     const struct sdc_result *res)
{
	rs->n = 0;
	for (size_t col = 0; col < c->ncols; col++) {
		if (res->drop_col[col])
			continue;
		if (rs->n && rs->last[rs->n - 1] + 1 == col) {
			rs->last[rs->n - 1] = col;
		} else {
			rs->first[rs->n] = col;
			rs->last[rs->n++] = col;
		}
	}
}

/* An unchanged row of a table where no field needs quoting is its fields
 * as stored: each run of released columns is one copy of the arena (the
 * fields are back to back, csv.h) with the NULs turned back into commas
 * and the row's last one into a line break. Same bytes as the field by
 * field path; a fraction of its cost on tables of millions of rows. */
static void report_copy_row(struct report_out *o, const struct csv_table *c,
			    const struct report_runs *rs, size_t dr)
{
	const uint32_t *off = c->offsets + (dr + 1) * c->ncols;

	for (size_t k = 0; k < rs->n; k++) {
		size_t a = off[rs->first[k]], l = rs->last[k], e;
		char *d;

		e = l + 1 < c->ncols ? off[l + 1] : off[l] + strlen(c->arena + off[l]) + 1;
		if (!report_reserve(o, e - a))
			return;
		d = o->p + o->len;
		memcpy(d, c->arena + a, e - a);
		for (size_t col = rs->first[k]; col < l; col++)
			d[off[col + 1] - 1 - a] = ',';
		d[e - 1 - a] = k + 1 < rs->n ? ',' : '\n';
		o->len += e - a;
	}
	if (!rs->n)
		report_lit(o, "\n");
}

/* A data row released as stored: nothing hidden or replaced. */
static inline bool report_row_unchanged(const struct sdc_result *res, size_t dr)
{
	unsigned char st = res->state[dr];
	return st != CELL_PRIMARY && st != CELL_SECONDARY && st != CELL_REDACTED &&
	       !(res->nrounded && (res->replace[dr] ||
				   (res->replace_contrib && res->replace_contrib[dr])));
}

/* With every column released, consecutive unchanged rows are one span of
 * the arena (csv.h): one copy for up to 1 MiB of rows, then each row's
 * NULs patched. Returns the number of rows written (at least one). */
static size_t report_copy_rows(struct report_out *o, const struct csv_table *c,
			       const struct sdc_result *res, size_t dr)
{
	const size_t nc = c->ncols;
	const uint32_t *off = c->offsets;
	size_t a = off[(dr + 1) * nc], end = dr + 1, e;
	char *d;

	while (end < c->nrows && off[(end + 1) * nc] - a < (1u << 20) &&
	       report_row_unchanged(res, end))
		end++;
	if (end < c->nrows) {
		e = off[(end + 1) * nc];
	} else {
		size_t l = off[end * nc + nc - 1];
		e = l + strlen(c->arena + l) + 1;
	}
	if (!report_reserve(o, e - a))
		return end - dr;
	d = o->p + o->len;
	memcpy(d, c->arena + a, e - a);
	for (size_t r = dr; r < end; r++) {
		const uint32_t *ro = off + (r + 1) * nc;
		for (size_t col = 1; col < nc; col++)
			d[ro[col] - 1 - a] = ',';
		/* the row's last NUL: just before the next row, or the span's end */
		d[(r + 1 < end ? ro[nc] : e) - 1 - a] = '\n';
	}
	o->len += e - a;
	return end - dr;
}

int report_write_rows(FILE *f, const struct sdc_table *t, const struct sdc_result *res,
		      const char *marker, bool header)
{
	const struct csv_table *c = t->csv;
	struct report_out o = {0};
	struct report_runs rs;
	bool measure[CSV_MAX_COLS];
	int r = 0;

	report_runs_init(&rs, c, res);
	for (size_t col = 0; col < c->ncols; col++)
		measure[col] = report_is_measure(t, col);
	for (size_t row = header ? 0 : 1; row <= c->nrows && r == 0; row++) {
		bool first = true;
		size_t dr = row - 1;
		bool hidden = row > 0 && (res->state[dr] == CELL_PRIMARY ||
					  res->state[dr] == CELL_SECONDARY ||
					  res->state[dr] == CELL_REDACTED);
		/* only rounding packs replace counts (and count them): reading
		 * the untouched per-row array would fault in all its pages */
		const char *replace = row > 0 && res->nrounded ? res->replace[dr] : NULL;
		/* a magnitude table's contributors, rounded (round.c) */
		const char *replace_n = row > 0 && res->nrounded && res->replace_contrib
						? res->replace_contrib[dr]
						: NULL;

		if (row > 0 && !hidden && !replace && !replace_n && !c->needs_quotes &&
		    rs.n == 1 && rs.first[0] == 0 && rs.last[0] + 1 == c->ncols) {
			row += report_copy_rows(&o, c, res, dr) - 1;
		} else if (row > 0 && !hidden && !replace && !replace_n && !c->needs_quotes) {
			report_copy_row(&o, c, &rs, dr);
		} else {
			for (size_t col = 0; col < c->ncols; col++) {
				const char *s;
				if (res->drop_col[col])
					continue;
				if (!first)
					report_lit(&o, ",");
				first = false;
				if (row == 0)
					s = csv_header(c, col);
				else if (hidden && measure[col])
					s = marker;
				else if (replace && (int)col == t->count_col)
					s = replace;
				else if (replace_n && (int)col == t->contrib_col)
					s = replace_n;
				else
					s = csv_field(c, dr, col);
				/* the marker has no comma, quote or line break (main.c) */
				report_csv_field(&o, s, c->needs_quotes || replace || replace_n);
			}
			report_lit(&o, "\n");
		}
		if (o.nomem)
			r = -ENOMEM;
		else if (o.len >= (1u << 20) || row == c->nrows) {
			if (o.len && fwrite(o.p, 1, o.len, f) != o.len)
				r = -EIO;
			o.len = 0;
		}
	}
	trex_free(o.p);
	return r;
}

/* The released copy is written to a temporary file and renamed into place
 * once complete: a reader never sees half a table. */
int report_release_open(const char *dir, char **tmp, FILE **f, struct trex_err *err)
{
	size_t n = strlen(dir) + 32;
	int fd;

	*f = NULL;
	*tmp = trex_malloc(n);
	if (!*tmp)
		return trex_err_set(err, -ENOMEM, "%s", dir);
	snprintf(*tmp, n, "%s/.trex-check.tmpXXXXXX", dir);
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = -errno;
		trex_free(*tmp);
		*tmp = NULL;
		return trex_err_set(err, e, "create a file in %s", dir);
	}
	*f = fdopen(fd, "w");
	if (!*f) {
		int e = -errno;
		close(fd);
		unlink(*tmp);
		trex_free(*tmp);
		*tmp = NULL;
		return trex_err_set(err, e, "fdopen in %s", dir);
	}
	return 0;
}

/* The folder a released copy goes to: outputs may sit in subfolders,
 * created only for a copy that leaves. */
static int report_mkdir_parent(const char *path, struct trex_err *err)
{
	_cleanup_free_ char *dir = trex_strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;

	if (!dir)
		return trex_err_set(err, -ENOMEM, "%s", path);
	if (!slash)
		return 0;
	*slash = '\0';
	return trex_mkdir_p(dir, 0755, err);
}

/* Complete (folder, mode, rename to path) or, with path NULL, discard. The
 * FILE and tmp are released either way. fsync'd before the rename unless
 * the caller makes the copy durable itself (--no-sync: trexd copies and
 * fsyncs what it releases). */
int report_release_close(FILE *f, char *tmp, const char *path, bool sync,
			 struct trex_err *err)
{
	int r = 0;

	if (path && (r = report_mkdir_parent(path, err)) == 0) {
		if (fflush(f) != 0 || (sync && fsync(fileno(f)) != 0) ||
		    fchmod(fileno(f), 0644) != 0 || rename(tmp, path) != 0)
			r = trex_err_set(err, -errno, "write %s", path);
	}
	fclose(f);
	if (!path || r < 0)
		unlink(tmp);
	trex_free(tmp);
	return r;
}

int report_write_released(const struct sdc_table *t, const struct sdc_result *res,
			  const char *marker, const char *path, bool sync, struct trex_err *err)
{
	_cleanup_free_ char *dir = trex_strdup(path);
	char *slash, *tmp;
	FILE *f;
	int r;

	if (!dir)
		return trex_err_set(err, -ENOMEM, "%s", path);
	/* the temporary file beside the copy: a rename within a folder */
	r = report_mkdir_parent(path, err);
	if (r < 0)
		return r;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	r = report_release_open(slash ? dir : ".", &tmp, &f, err);
	if (r < 0)
		return r;
	r = report_write_rows(f, t, res, marker, true);
	if (r < 0) {
		report_release_close(f, tmp, NULL, false, err);
		return trex_err_set(err, r, "write %s", path);
	}
	return report_release_close(f, tmp, path, sync, err);
}
