/* HTML of the review page. No template engine: a few functions that
 * append to a buffer, with every outside byte through webpage_esc. No
 * script at all: the page works with links and one form, so the
 * Content-Security-Policy (web.c) can forbid every script. */
#include "webpage.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "esc.h"
#include "view.h"

#define W(b, s) trex_buf_append((b), (s), strlen(s))

int webpage_esc(struct trex_buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	int r = 0;
	while (i < len && r == 0) {
		/* a run of plain characters at once */
		size_t j = i;
		while (j < len && u[j] >= 0x20 && u[j] < 0x7f && !strchr("&<>\"'", u[j]))
			j++;
		if (j > i) {
			r = trex_buf_append(b, s + i, j - i);
			i = j;
			continue;
		}
		unsigned char ch = u[i];
		char tmp[16];
		uint32_t cp = 0;
		size_t n;
		switch (ch) {
		case '&': r = W(b, "&amp;"); i++; continue;
		case '<': r = W(b, "&lt;"); i++; continue;
		case '>': r = W(b, "&gt;"); i++; continue;
		case '"': r = W(b, "&quot;"); i++; continue;
		case '\'': r = W(b, "&#39;"); i++; continue;
		case '\n': case '\t': r = trex_buf_append(b, s + i, 1); i++; continue;
		default: break;
		}
		if (ch < 0x80 || !(n = trex_utf8_char(u + i, len - i, &cp))) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
			r = W(b, tmp);
			i++;
		} else if (trex_char_hidden(cp)) {
			snprintf(tmp, sizeof(tmp), "\\u{%04x}", (unsigned)cp);
			r = W(b, tmp);
			i += n;
		} else {
			r = trex_buf_append(b, s + i, n);
			i += n;
		}
	}
	return r;
}

static int E(struct trex_buf *b, const char *s)
{
	return s ? webpage_esc(b, s, strlen(s)) : 0;
}

/* A path segment percent-encoded (output names keep their '/'). */
static int webpage_url(struct trex_buf *b, const char *s, int keep_slash)
{
	int r = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && r == 0; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p) || (keep_slash && *p == '/'))
			r = trex_buf_append(b, p, 1);
		else
			r = trex_buf_printf(b, "%%%02X", *p);
	}
	return r;
}

static const char *webpage_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

int webpage_head(struct trex_buf *b, const char *title, const char *user, const char *csrf)
{
	int r = W(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width\">"
		     "<meta name=\"referrer\" content=\"no-referrer\">"
		     "<link rel=\"stylesheet\" href=\"/review/static/review.css\"><title>");
	r = r ?: E(b, title);
	r = r ?: W(b, " - trex review</title></head>\n<body><header><a href=\"/review\">trex review</a>");
	if (user && *user) {
		r = r ?: W(b, " <span id=\"user\">");
		r = r ?: E(b, user);
		r = r ?: W(b, "</span><form method=\"post\" action=\"/review/logout\" class=\"inline\">"
			      "<input type=\"hidden\" name=\"csrf\" value=\"");
		r = r ?: E(b, csrf);
		r = r ?: W(b, "\"><button type=\"submit\" id=\"logout\">sign out</button></form>");
	}
	r = r ?: W(b, "</header>\n<main>\n<h1>");
	r = r ?: E(b, title);
	return r ?: W(b, "</h1>\n");
}

int webpage_foot(struct trex_buf *b)
{
	return W(b, "</main></body></html>\n");
}

int webpage_message(struct trex_buf *b, const char *title, const char *user,
		    const char *csrf, const char *text, const char *link, const char *link_text)
{
	int r = webpage_head(b, title, user, csrf);
	r = r ?: W(b, "<p id=\"message\">");
	r = r ?: E(b, text);
	r = r ?: W(b, "</p>\n");
	if (link) {
		r = r ?: W(b, "<p><a id=\"next\" href=\"");
		r = r ?: E(b, link);
		r = r ?: W(b, "\">");
		r = r ?: E(b, link_text);
		r = r ?: W(b, "</a></p>\n");
	}
	return r ?: webpage_foot(b);
}

/* "2 checkers needed; you voted release" -- never who else voted. */
static int webpage_votes(struct trex_buf *b, const json_t *item)
{
	json_int_t need = json_integer_value(json_object_get(item, "release_votes_needed"));
	int r = trex_buf_printf(b, "%lld checker%s needed", (long long)need, need == 1 ? "" : "s");
	if (json_is_true(json_object_get(item, "you_voted")))
		r = r ?: W(b, "; you voted to release: another checker must decide");
	return r;
}

int webpage_queue(struct trex_buf *b, const json_t *queue, const char *user, const char *csrf)
{
	const json_t *items = json_object_get(queue, "items");
	int r = webpage_head(b, "Review queue", user, csrf);
	if (json_array_size(items) == 0)
		return r ?: W(b, "<p id=\"empty\">Nothing waits for your review.</p>\n") ?: webpage_foot(b);
	r = r ?: W(b, "<p>Held outputs and logs of jobs you did not submit, oldest first. "
		      "Other checkers' votes are not shown until the decision is final "
		      "(two-checker rule).</p>\n<table id=\"queue\"><thead><tr><th>job</th><th>held</th>"
		      "<th>kind</th><th>project</th><th>submitted by</th><th>held since</th>"
		      "<th>votes</th></tr></thead><tbody>\n");
	size_t i;
	const json_t *it;
	json_array_foreach(items, i, it) {
		const char *kind = webpage_str(it, "kind");
		int out = strcmp(kind, "output") == 0;
		r = r ?: W(b, "<tr class=\"item\"><td class=\"job\">");
		r = r ?: E(b, webpage_str(it, "job"));
		r = r ?: W(b, "</td><td>");
		/* an output's page, or a log's (its name is stdout or stderr) */
		r = r ?: W(b, out ? "<a class=\"open\" href=\"/review/"
				  : "<a class=\"open-log\" href=\"/review/logs/");
		r = r ?: webpage_url(b, webpage_str(it, "job"), 0);
		r = r ?: W(b, "/");
		r = r ?: webpage_url(b, webpage_str(it, "name"), out);
		r = r ?: W(b, "\">");
		r = r ?: E(b, webpage_str(it, "name"));
		r = r ?: W(b, "</a>");
		r = r ?: W(b, "</td><td>");
		r = r ?: E(b, out ? webpage_str(it, "output_kind") : "log");
		r = r ?: W(b, "</td><td>");
		r = r ?: E(b, webpage_str(it, "project"));
		r = r ?: W(b, "</td><td>");
		r = r ?: E(b, webpage_str(it, "submitted_by"));
		r = r ?: W(b, "</td><td>");
		r = r ?: E(b, webpage_str(it, "held_since"));
		r = r ?: W(b, "</td><td class=\"votes\">");
		r = r ?: webpage_votes(b, it);
		r = r ?: W(b, "</td></tr>\n");
	}
	r = r ?: W(b, "</tbody></table>\n");
	if (json_is_true(json_object_get(queue, "truncated")))
		r = r ?: W(b, "<p>More items wait: decide on some to see the rest.</p>\n");
	return r ?: webpage_foot(b);
}

int webpage_heat(const char *v)
{
	if (!*v || strspn(v, "0123456789.") != strlen(v) || strchr(v, '.') != strrchr(v, '.') ||
	    *v == '.')
		return -1;
	double x = strtod(v, NULL);
	int bucket = 0;
	for (double lim = 1; x >= lim && bucket < 6; lim *= 10)
		bucket++;
	return bucket;
}

/* The held CSV, fields unquoted into one buffer. */
struct webpage_table {
	char *text;       /* the fields, each NUL-terminated */
	size_t *field;    /* offsets into text, row-major, ncols per row */
	size_t ncols, nrows; /* nrows: data rows kept (the header is row 0) */
	size_t more_rows; /* data rows beyond WEBPAGE_MAX_ROWS */
};

static void webpage_table_free(struct webpage_table *t)
{
	trex_free(t->text);
	trex_free(t->field);
}

/* RFC 4180: quoted fields may hold commas, quotes ("") and newlines.
 * Fields past WEBPAGE_MAX_COLS are dropped; a short row is padded. */
static int webpage_parse(const char *csv, size_t len, struct webpage_table *t)
{
	memset(t, 0, sizeof(*t));
	t->text = trex_malloc(len + 1);
	size_t cap = 0, nf = 0, col = 0, row = 0, o = 0, i = 0;
	if (!t->text)
		return -ENOMEM;
	while (i < len || (col > 0 && row <= WEBPAGE_MAX_ROWS)) {
		/* one field */
		size_t start = o;
		int quoted = i < len && csv[i] == '"';
		if (quoted)
			i++;
		while (i < len) {
			if (quoted && csv[i] == '"') {
				if (i + 1 < len && csv[i + 1] == '"') {
					t->text[o++] = '"';
					i += 2;
					continue;
				}
				quoted = 0;
				i++;
				continue;
			}
			if (!quoted && (csv[i] == ',' || csv[i] == '\n' || csv[i] == '\r'))
				break;
			t->text[o++] = csv[i++];
		}
		t->text[o++] = '\0';
		int eol = i >= len || csv[i] != ',';
		if (i + 1 < len && csv[i] == '\r' && csv[i + 1] == '\n')
			i++;
		if (i < len)
			i++;
		if (row == 0 && col < WEBPAGE_MAX_COLS)
			t->ncols = col + 1;
		if (row > WEBPAGE_MAX_ROWS) {
			t->more_rows += eol;
			col = eol ? 0 : col + 1;
			if (eol)
				row++;
			continue;
		}
		if (col < t->ncols || row == 0) {
			if (nf + 1 > cap) {
				size_t ncap = cap ? cap * 2 : 256;
				size_t *bigger = trex_reallocarray(t->field, ncap, sizeof(*bigger));
				if (!bigger)
					return -ENOMEM;
				t->field = bigger;
				cap = ncap;
			}
			if (col < WEBPAGE_MAX_COLS)
				t->field[nf++] = start;
		}
		if (eol) {
			/* pad a short row with empty fields (the header's NUL) */
			while (row > 0 && nf < (row + 1) * t->ncols) {
				if (nf + 1 > cap) {
					size_t ncap = cap * 2;
					size_t *bigger = trex_reallocarray(t->field, ncap, sizeof(*bigger));
					if (!bigger)
						return -ENOMEM;
					t->field = bigger;
					cap = ncap;
				}
				t->field[nf++] = o - 1;
			}
			row++;
			col = 0;
		} else {
			col++;
		}
	}
	t->nrows = row > 0 ? (row > WEBPAGE_MAX_ROWS + 1 ? WEBPAGE_MAX_ROWS : row - 1) : 0;
	return 0;
}

static const char *webpage_cell(const struct webpage_table *t, size_t row, size_t col)
{
	return t->text + t->field[row * t->ncols + col];
}

/* Whether column `name` is one of the declaration's dimensions (labels,
 * not counts: no heat). */
static int webpage_is_dimension(const json_t *decl, const char *name)
{
	size_t i;
	const json_t *d;
	json_array_foreach(json_object_get(decl, "dimensions"), i, d)
		if (json_is_string(d) && strcmp(json_string_value(d), name) == 0)
			return 1;
	return 0;
}

/* The flagged cells by position: first[r * ncols + c] is 1 + the index
 * of the first report cell there (0: none), next[i] 1 + the next one. */
static int webpage_marks(const struct webpage_table *t, const json_t *cells, uint32_t **first,
			 uint32_t **next)
{
	size_t n = json_array_size(cells);
	*first = trex_calloc((t->nrows + 1) * t->ncols + 1, sizeof(uint32_t));
	*next = trex_calloc(n + 1, sizeof(uint32_t));
	if (!*first || !*next)
		return -ENOMEM;
	for (size_t i = n; i-- > 0;) {
		const json_t *c = json_array_get(cells, i);
		json_int_t row = json_integer_value(json_object_get(c, "row"));
		const char *m = webpage_str(c, "measure");
		if (row < 1 || (size_t)row > t->nrows)
			continue;
		for (size_t k = 0; k < t->ncols; k++)
			if (strcmp(webpage_cell(t, 0, k), m) == 0) {
				uint32_t *slot = &(*first)[(size_t)row * t->ncols + k];
				(*next)[i] = *slot;
				*slot = (uint32_t)i + 1;
				break;
			}
	}
	return 0;
}

static int webpage_table_html(struct trex_buf *b, const struct webpage_table *t,
			      const json_t *cells, const json_t *decl)
{
	uint32_t *first = NULL, *next = NULL;
	int r = webpage_marks(t, cells, &first, &next);
	r = r ?: W(b, "<table id=\"held\"><thead><tr><th>row</th>");
	for (size_t k = 0; k < t->ncols; k++) {
		r = r ?: W(b, "<th>");
		r = r ?: E(b, webpage_cell(t, 0, k));
		r = r ?: W(b, "</th>");
	}
	r = r ?: W(b, "</tr></thead><tbody>\n");
	for (size_t row = 1; row <= t->nrows && r == 0; row++) {
		r = trex_buf_printf(b, "<tr><th>%zu</th>", row);
		for (size_t k = 0; k < t->ncols && r == 0; k++) {
			const char *v = webpage_cell(t, row, k);
			uint32_t m = first[row * t->ncols + k];
			int heat = webpage_is_dimension(decl, webpage_cell(t, 0, k)) ? -1
											: webpage_heat(v);
			r = trex_buf_printf(b, "<td data-row=\"%zu\" data-col=\"%zu\"", row, k);
			if (m || heat >= 0) {
				r = r ?: W(b, " class=\"");
				if (heat >= 0)
					r = r ?: trex_buf_printf(b, "heat-%d", heat);
				/* one class per action of the cell (view_action:
				 * the vocabulary's words, "other" else) */
				for (uint32_t i = m; i && r == 0; i = next[i - 1]) {
					const json_t *c = json_array_get(cells, i - 1);
					r = trex_buf_printf(b, " sdc-%s",
							    view_action(webpage_str(c, "action")));
				}
				r = r ?: W(b, "\"");
			}
			if (m) {
				r = r ?: W(b, " title=\"");
				for (uint32_t i = m; i && r == 0; i = next[i - 1]) {
					const json_t *c = json_array_get(cells, i - 1);
					r = E(b, webpage_str(c, "action"));
					r = r ?: W(b, " (");
					r = r ?: E(b, webpage_str(c, "rule"));
					r = r ?: W(b, "): ");
					r = r ?: E(b, webpage_str(c, "reason"));
					if (next[i - 1])
						r = r ?: W(b, "\n");
				}
				r = r ?: W(b, "\"");
			}
			r = r ?: W(b, ">");
			r = r ?: E(b, v);
			r = r ?: W(b, "</td>");
		}
		r = r ?: W(b, "</tr>\n");
	}
	r = r ?: W(b, "</tbody></table>\n");
	if (t->more_rows)
		r = r ?: trex_buf_printf(b, "<p>%zu more rows not shown: trex held JOB FILE -o FILE saves them all.</p>\n",
					 t->more_rows);
	trex_free(first);
	trex_free(next);
	return r;
}

static int webpage_dl_row(struct trex_buf *b, const char *k, const char *v)
{
	int r = W(b, "<dt>");
	r = r ?: E(b, k);
	r = r ?: W(b, "</dt><dd>");
	r = r ?: E(b, v);
	return r ?: W(b, "</dd>");
}

/* The output's declaration in the manifest. */
static const json_t *webpage_decl(const json_t *job, const char *name)
{
	size_t i;
	const json_t *o;
	json_array_foreach(json_object_get(json_object_get(job, "manifest"), "outputs"), i, o)
		if (strcmp(webpage_str(o, "path"), name) == 0)
			return o;
	return NULL;
}

static const json_t *webpage_stored(const json_t *job, const char *name)
{
	size_t i;
	const json_t *o;
	json_array_foreach(json_object_get(job, "outputs"), i, o)
		if (strcmp(webpage_str(o, "name"), name) == 0)
			return o;
	return NULL;
}

static int webpage_form(struct trex_buf *b, const char *csrf, int voted)
{
	int r = W(b, "<section id=\"decide\"><h2>Decision</h2>");
	if (voted)
		r = r ?: W(b, "<p>You voted to release this output; another checker must decide too.</p>");
	r = r ?: W(b, "<form method=\"post\" id=\"decision\"><input type=\"hidden\" name=\"csrf\" value=\"");
	r = r ?: E(b, csrf);
	r = r ?: W(b, "\"><label for=\"reason\">Reason (required, recorded in the audit log)</label>"
		      "<textarea id=\"reason\" name=\"reason\" required maxlength=\"2000\" rows=\"3\"></textarea>"
		      "<button type=\"submit\" id=\"release\" name=\"decision\" value=\"release\">Release</button> "
		      "<button type=\"submit\" id=\"reject\" name=\"decision\" value=\"reject\">Reject</button>"
		      "</form></section>\n");
	return r;
}

static int webpage_code(struct trex_buf *b, const json_t *code, const json_t *job)
{
	int r = W(b, "<section id=\"code\"><h2>Code</h2><p>The command: <code>");
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(json_object_get(job, "manifest"), "command"), i, v) {
		r = r ?: E(b, i ? " " : "");
		r = r ?: E(b, json_string_value(v));
	}
	r = r ?: W(b, "</code></p>\n");
	json_array_foreach(code, i, v) {
		r = r ?: W(b, "<h3 class=\"file\">");
		r = r ?: E(b, webpage_str(v, "name"));
		r = r ?: trex_buf_printf(b, " (%lld bytes)</h3>",
					 (long long)json_integer_value(json_object_get(v, "size")));
		const char *text = json_string_value(json_object_get(v, "text"));
		if (text) {
			r = r ?: W(b, "<pre class=\"listing\">");
			r = r ?: webpage_esc(b, text, json_string_length(json_object_get(v, "text")));
			r = r ?: W(b, "</pre>\n");
		} else {
			r = r ?: W(b, "<p>(not shown: ");
			r = r ?: E(b, webpage_str(v, "omitted"));
			r = r ?: W(b, ")</p>\n");
		}
	}
	return r ?: W(b, "</section>\n");
}

static int webpage_resources(struct trex_buf *b, const json_t *job)
{
	static const char *const keys[] = { "result", "exit_code", "signal", "wall_ms", "cpu_ms",
					    "peak_memory_kb" };
	const json_t *run = json_object_get(job, "run");
	int r = W(b, "<section id=\"resources\"><h2>Resources</h2><dl>");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const json_t *v = json_object_get(run, keys[i]);
		char num[32];
		if (json_is_integer(v))
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		if (json_is_integer(v) || json_is_string(v))
			r = r ?: webpage_dl_row(b, keys[i], json_is_integer(v) ? num : json_string_value(v));
	}
	const json_t *lim = json_object_get(json_object_get(job, "manifest"), "limits");
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)lim, k, v) {
		char key[80], num[32];
		snprintf(key, sizeof(key), "limit %s", k);
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		if (json_is_integer(v))
			r = r ?: webpage_dl_row(b, key, num);
	}
	return r ?: W(b, "</dl></section>\n");
}

/* The job's states as trexd recorded them, and the final decisions (a
 * pending vote of another checker stays blinded). */
static int webpage_timeline(struct trex_buf *b, const struct webpage_output *in)
{
	const json_t *job = in->job, *run = json_object_get(job, "run");
	int r = W(b, "<section id=\"timeline\"><h2>Timeline</h2><ol>");
	r = r ?: W(b, "<li><time>");
	r = r ?: E(b, webpage_str(job, "created_at"));
	r = r ?: W(b, "</time> submitted by ");
	r = r ?: E(b, webpage_str(job, "submitted_by"));
	r = r ?: W(b, "</li>");
	if (json_is_object(run)) {
		r = r ?: trex_buf_printf(b, "<li>ran %lld ms: ",
					 (long long)json_integer_value(json_object_get(run, "wall_ms")));
		r = r ?: E(b, webpage_str(run, "result"));
		r = r ?: W(b, "</li>");
	}
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(job, "reviews"), i, v) {
		const json_t *o = webpage_stored(job, webpage_str(v, "name"));
		int pending = o && strcmp(webpage_str(o, "verdict"), "review") == 0 &&
			      !json_is_true(json_object_get(o, "released"));
		if (pending && strcmp(webpage_str(v, "reviewer"), in->me) != 0)
			continue;
		r = r ?: W(b, "<li><time>");
		r = r ?: E(b, webpage_str(v, "at"));
		r = r ?: W(b, "</time> ");
		r = r ?: E(b, webpage_str(v, "name"));
		r = r ?: W(b, ": ");
		r = r ?: E(b, webpage_str(v, "decision"));
		r = r ?: W(b, " by ");
		r = r ?: E(b, webpage_str(v, "reviewer"));
		r = r ?: W(b, ": ");
		r = r ?: E(b, webpage_str(v, "reason"));
		r = r ?: W(b, "</li>");
	}
	r = r ?: W(b, "<li><time>");
	r = r ?: E(b, webpage_str(job, "updated_at"));
	r = r ?: W(b, "</time> <span id=\"job-state\">");
	r = r ?: E(b, webpage_str(job, "state"));
	r = r ?: W(b, "</span>: ");
	r = r ?: E(b, webpage_str(job, "reason"));
	return r ?: W(b, "</li></ol></section>\n");
}

int webpage_output(struct trex_buf *b, const struct webpage_output *in)
{
	const json_t *job = in->job;
	char title[1200];
	snprintf(title, sizeof(title), "%s / %s", webpage_str(job, "id"), in->name);
	const json_t *o = webpage_stored(job, in->name);
	const json_t *entry = view_report_entry(json_object_get(job, "report"), in->name);
	const json_t *decl = webpage_decl(job, in->name);
	int held = o && strcmp(webpage_str(o, "verdict"), "review") == 0 &&
		   !json_is_true(json_object_get(o, "released"));
	int voted = 0;
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(job, "reviews"), i, v)
		if (strcmp(webpage_str(v, "name"), in->name) == 0 &&
		    strcmp(webpage_str(v, "reviewer"), in->me) == 0 &&
		    strcmp(webpage_str(v, "decision"), "release") == 0)
			voted = 1;
	int r = webpage_head(b, title, in->me, in->csrf);
	r = r ?: W(b, "<dl id=\"facts\">");
	r = r ?: webpage_dl_row(b, "project", webpage_str(job, "project"));
	r = r ?: webpage_dl_row(b, "submitted by", webpage_str(job, "submitted_by"));
	r = r ?: webpage_dl_row(b, "dataset", webpage_str(job, "dataset"));
	r = r ?: webpage_dl_row(b, "runtime", webpage_str(job, "runtime"));
	r = r ?: webpage_dl_row(b, "kind", webpage_str(o, "kind"));
	r = r ?: webpage_dl_row(b, "verdict", webpage_str(o, "verdict"));
	r = r ?: W(b, "<dt>output</dt><dd id=\"output-state\">");
	r = r ?: E(b, held ? "held for review" : json_is_true(json_object_get(o, "released"))
						 ? "released" : "not released");
	r = r ?: W(b, "</dd>");
	r = r ?: webpage_dl_row(b, "summary", webpage_str(entry, "summary"));
	r = r ?: W(b, "</dl>\n<ul id=\"reasons\">");
	json_array_foreach(json_object_get(entry, "reasons"), i, v) {
		r = r ?: W(b, "<li>");
		r = r ?: E(b, json_string_value(v));
		r = r ?: W(b, "</li>");
	}
	r = r ?: W(b, "</ul>\n");
	if (held)
		r = r ?: webpage_form(b, in->csrf, voted);
	if (in->csv) {
		struct webpage_table t;
		int pr = webpage_parse(in->csv, in->csv_len, &t);
		r = r ?: pr;
		r = r ?: W(b, "<section id=\"table\"><h2>The held table</h2>"
			      "<p class=\"legend\"><span class=\"sdc-primary\">primary suppression</span> "
			      "<span class=\"sdc-secondary\">secondary suppression</span> "
			      "<span class=\"sdc-review\">for review</span> "
			      "<span class=\"sdc-fail\">fails</span>; shading: counts by powers of ten; "
			      "hover a cell for its rule and reason.</p>");
		if (r == 0 && t.ncols > 0)
			r = webpage_table_html(b, &t, json_object_get(entry, "cells"), decl);
		r = r ?: W(b, "</section>\n");
		webpage_table_free(&t);
	} else if (held) {
		r = r ?: W(b, "<p>Not a table: trex held JOB FILE -o FILE saves it.</p>\n");
	}
	r = r ?: webpage_code(b, in->code, job);
	r = r ?: webpage_resources(b, job);
	r = r ?: webpage_timeline(b, in);
	return r ?: webpage_foot(b);
}

int webpage_log(struct trex_buf *b, const json_t *job, const char *log, const char *state,
		const char *text, size_t len, const char *me, const char *csrf)
{
	char title[200];
	snprintf(title, sizeof(title), "%s / %s", webpage_str(job, "id"), log);
	int r = webpage_head(b, title, me, csrf);
	r = r ?: W(b, "<dl id=\"facts\">");
	r = r ?: webpage_dl_row(b, "project", webpage_str(job, "project"));
	r = r ?: webpage_dl_row(b, "submitted by", webpage_str(job, "submitted_by"));
	r = r ?: W(b, "<dt>log</dt><dd id=\"output-state\">");
	r = r ?: E(b, state);
	r = r ?: W(b, "</dd><dt>job</dt><dd id=\"job-state\">");
	r = r ?: E(b, webpage_str(job, "state"));
	r = r ?: W(b, "</dd></dl>\n");
	if (text) {
		r = r ?: webpage_form(b, csrf, 0);
		r = r ?: W(b, "<section><h2>The held log</h2><pre id=\"log\" class=\"listing\">");
		r = r ?: webpage_esc(b, text, len);
		r = r ?: W(b, "</pre></section>\n");
	}
	return r ?: webpage_foot(b);
}

const char webpage_css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#111}"
	"header{background:#223;color:#fff;padding:.5em 1em}header a{color:#fff;font-weight:bold}"
	"#user{margin-left:1em}form.inline{display:inline;margin-left:1em}"
	"main{padding:1em}table{border-collapse:collapse;margin:.5em 0}"
	"td,th{border:1px solid #bbb;padding:2px 6px;text-align:left}"
	"td{text-align:right}#queue td{text-align:left}dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em}"
	"dt{font-weight:bold}dd{margin:0}pre.listing{background:#f5f5f5;padding:.5em;overflow:auto}"
	"textarea{display:block;width:40em;max-width:100%}"
	".heat-0{background:#fff}.heat-1{background:#eef4fb}.heat-2{background:#d6e6f5}"
	".heat-3{background:#b9d3ec}.heat-4{background:#93bade}.heat-5{background:#6a9fcf}"
	".heat-6{background:#4a86c0;color:#fff}"
	"td.sdc-primary,span.sdc-primary{background:#e33;color:#fff;font-weight:bold}"
	"td.sdc-secondary,span.sdc-secondary{background:#f90;color:#000}"
	"td.sdc-review,span.sdc-review{outline:3px solid #a0f;outline-offset:-3px}"
	"td.sdc-fail,span.sdc-fail{background:#000;color:#fff}"
	"td.sdc-redacted,td.sdc-rounded,td.sdc-other{outline:2px dashed #555;outline-offset:-2px}"
	".legend span{padding:0 4px}";
