/* trex review list: the checker's queue (GET /v1/review), oldest first.
 * trex review show JOB FILE: a held table as the checker must judge it,
 * each cell the check flagged marked [value]#N, then what flagged it
 * (row, column, rule, action and the checker's reason). Everything shown
 * comes from trexd (held bytes included) and is escaped for the
 * terminal. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/client.h"
#include "common/alloc.h"
#include "common/esc.h"

static void queue_decref(json_t **j)
{
	json_decref(*j);
}
#define _cleanup_json_ __attribute__((cleanup(queue_decref)))

static const char *queue_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "-";
}

int queue_get_held(const struct cli_ctx *ctx, const char *id, const char *file,
		    struct client_resp *resp, struct trex_err *err)
{
	char ename[800], target[1024];
	if (client_path_escape(file, ename, sizeof(ename)) < 0)
		return trex_err_setx(err, -ENAMETOOLONG, "output name too long");
	snprintf(target, sizeof(target), "/v1/jobs/%s/held/%s", id, ename);
	int r = client_request(ctx->socket, "GET", target, NULL, 0, CLIENT_FILE_MAX, resp, err);
	if (r < 0)
		return r;
	if (resp->status != 200) {
		json_t *j = json_loadb(resp->body, resp->len, 0, NULL);
		int st = resp->status;
		client_resp_free(resp);
		/* trexd's refusal, as client_call_json reports it */
		const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
		char emsg[512];
		trex_esc_text(msg ? msg : "no message", strlen(msg ? msg : "no message"), emsg,
			      sizeof(emsg));
		r = trex_err_setx(err, -EPERM, "%s [HTTP %d]", emsg, st);
		json_decref(j);
		return r;
	}
	return 0;
}

int cli_review_list(const struct cli_ctx *ctx, int argc, char **argv)
{
	enum { OPT_ALL = 1 };
	static const struct option lopts[] = { { "all", no_argument, NULL, OPT_ALL },
					       CLI_JSON_OPTION, { NULL, 0, NULL, 0 } };
	int all = 0, as_json = ctx->json, c;
	while ((c = getopt_long(argc, argv, ":", lopts, NULL)) != -1) {
		if (c == OPT_ALL)
			all = 1;
		else if (c == CLI_OPT_JSON)
			as_json = 1;
		else
			return cli_opt_error("review list", c, argv);
	}
	if (optind < argc)
		return cli_usage_error("review list", "unexpected argument %s", argv[optind]);
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *ans = NULL;
	if (client_call_json(ctx->socket, "GET", "/v1/review", NULL, &ans, &err) < 0)
		return cli_fail(&err);
	json_t *items = json_object_get(ans, "items");
	if (!json_is_array(items)) {
		fprintf(stderr, "trex review list: trexd's answer has no \"items\"\n");
		return CLI_EXIT_FAILED;
	}
	/* what awaits this checker: not the items they already voted on */
	_cleanup_json_ json_t *mine = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it)
		if (all || !json_is_true(json_object_get(it, "you_voted")))
			json_array_append(mine, it);
	if (as_json) {
		json_t *doc = json_pack("{s:O,s:O}", "items", mine, "truncated",
					json_object_get(ans, "truncated") ? json_object_get(ans, "truncated")
									  : json_false());
		cli_print_json(doc);
		json_decref(doc);
		return CLI_EXIT_OK;
	}
	if (json_array_size(mine) == 0) {
		fprintf(stderr, "trex review list: nothing awaits you%s\n",
			json_array_size(items) ? " (--all shows what waits for another checker)" : "");
		return CLI_EXIT_OK;
	}
	printf("%-28s %-6s %-24s %-12s %-10s %-20s %s\n", "JOB", "KIND", "NAME", "PROJECT",
	       "SUBMITTER", "HELD SINCE", "RELEASES");
	json_array_foreach(mine, i, it) {
		char name[64], line[512];
		const char *kind = queue_str(it, "kind");
		const json_t *size = json_object_get(it, "size");
		if (strcmp(kind, "log") == 0 && json_is_integer(size))
			snprintf(name, sizeof(name), "%s (%" JSON_INTEGER_FORMAT " B)",
				 queue_str(it, "name"), json_integer_value(size));
		else
			snprintf(name, sizeof(name), "%s", queue_str(it, "name"));
		json_t *votes = json_object_get(it, "release_votes");
		char v[160];
		int n = snprintf(v, sizeof(v), "%zu/%" JSON_INTEGER_FORMAT, json_array_size(votes),
				 json_integer_value(json_object_get(it, "release_votes_needed")));
		size_t k;
		json_t *who;
		json_array_foreach(votes, k, who)
			if (n > 0 && (size_t)n < sizeof(v))
				n += snprintf(v + n, sizeof(v) - (size_t)n, "%s%s", k ? "," : " by ",
					      json_string_value(who) ? json_string_value(who) : "?");
		if (json_is_true(json_object_get(it, "you_voted")) && n > 0 && (size_t)n < sizeof(v))
			snprintf(v + n, sizeof(v) - (size_t)n, " (you voted)");
		snprintf(line, sizeof(line), "%-28s %-6s %-24s %-12s %-10s %-20s %s",
			 queue_str(it, "job"), kind, name, queue_str(it, "project"),
			 queue_str(it, "submitted_by"), queue_str(it, "held_since"), v);
		cli_put(stdout, line);
		fputc('\n', stdout);
	}
	if (json_is_true(json_object_get(ans, "truncated")))
		printf("(the first %zu items; decide on some to see the rest)\n", json_array_size(items));
	fprintf(stderr, "look:   trex review show JOB NAME   (a log: trex logs JOB)\n"
			"decide: trex review JOB NAME --release|--reject --reason TEXT\n"
			"        trex review JOB --log stdout|stderr --release|--reject --reason TEXT\n");
	return CLI_EXIT_OK;
}

/* ---- trex review show ---- */

/* A table read from held bytes: RFC 4180 fields, at most SHOW_MAX_ROWS
 * data rows kept (the rest counted). */
#define SHOW_MAX_ROWS 500
#define SHOW_MAX_COLS 64
#define SHOW_CELL_WIDTH 24

struct show_table {
	size_t ncols, nrows, more_rows;
	char **cells; /* (nrows + 1) x ncols, row 0 the header; NULL: empty field */
};

static void show_table_free(struct show_table *t)
{
	for (size_t i = 0; t->cells && i < (t->nrows + 1) * t->ncols; i++)
		trex_free(t->cells[i]);
	trex_free(t->cells);
}

/* One field at *p (end at `end`): returns it allocated, moves *p past the
 * separator; *eol set when the record ended. */
static char *show_field(const char **p, const char *end, int *eol)
{
	const char *s = *p;
	size_t cap = 64, n = 0;
	char *out = trex_malloc(cap);
	if (!out)
		return NULL;
	int quoted = s < end && *s == '"';
	if (quoted)
		s++;
	for (; s < end; s++) {
		if (quoted && *s == '"') {
			if (s + 1 < end && s[1] == '"') {
				s++;
			} else {
				quoted = 0;
				continue;
			}
		} else if (!quoted && (*s == ',' || *s == '\n' || *s == '\r')) {
			break;
		}
		if (n + 2 > cap) {
			char *bigger = trex_realloc(out, cap * 2);
			if (!bigger) {
				trex_free(out);
				return NULL;
			}
			out = bigger;
			cap *= 2;
		}
		out[n++] = *s;
	}
	out[n] = '\0';
	*eol = s >= end || *s != ',';
	if (s < end && *s == '\r')
		s++;
	if (s < end)
		s++;
	*p = s;
	return out;
}

static int show_parse(const char *data, size_t len, struct show_table *t)
{
	memset(t, 0, sizeof(*t));
	const char *p = data, *end = data + len;
	size_t cap = 0, row = 0;
	while (p < end) {
		size_t col = 0;
		int eol = 0;
		if (row > SHOW_MAX_ROWS) {
			/* count the records left, fields not kept */
			while (p < end) {
				char *f = show_field(&p, end, &eol);
				trex_free(f);
				if (!f)
					return -ENOMEM;
				t->more_rows += eol;
			}
			break;
		}
		while (!eol) {
			char *f = show_field(&p, end, &eol);
			if (!f)
				return -ENOMEM;
			if (row == 0 && col < SHOW_MAX_COLS)
				t->ncols = col + 1;
			if (col >= t->ncols) {
				trex_free(f);
				col++;
				continue;
			}
			size_t need = (row + 1) * t->ncols;
			if (row > 0 && need > cap) {
				size_t ncap = cap ? cap * 2 : need * 16;
				char **bigger = trex_realloc(t->cells, ncap * sizeof(*bigger));
				if (!bigger) {
					trex_free(f);
					return -ENOMEM;
				}
				memset(bigger + cap, 0, (ncap - cap) * sizeof(*bigger));
				t->cells = bigger;
				cap = ncap;
			}
			if (row == 0) {
				/* the header grows as it is read */
				char **bigger = trex_realloc(t->cells, (col + 1) * sizeof(*bigger));
				if (!bigger) {
					trex_free(f);
					return -ENOMEM;
				}
				t->cells = bigger;
				cap = col + 1;
			}
			t->cells[row * t->ncols + col] = f;
			col++;
		}
		row++;
	}
	t->nrows = row ? row - 1 : 0;
	return 0;
}

/* The flagged cells of the report entry: for each, its number (1-based)
 * in the list below the table, found by data row and column name. */
static int show_mark(const json_t *cells, size_t row, const char *column)
{
	size_t i;
	const json_t *cell;
	json_array_foreach(cells, i, cell) {
		const char *m = json_string_value(json_object_get(cell, "measure"));
		if ((size_t)json_integer_value(json_object_get(cell, "row")) == row && m &&
		    strcmp(m, column) == 0)
			return (int)i + 1;
	}
	return 0;
}

static void show_print_table(const struct show_table *t, const json_t *cells, int tty)
{
	char esc[SHOW_CELL_WIDTH * 4 + 8], shown[SHOW_CELL_WIDTH * 4 + 32];
	printf("%5s", "row");
	for (size_t c = 0; c < t->ncols; c++) {
		const char *h = t->cells[c] ? t->cells[c] : "";
		trex_esc_text(h, strlen(h), esc, SHOW_CELL_WIDTH + 1);
		printf(" | %-*s", SHOW_CELL_WIDTH / 2, esc);
	}
	putchar('\n');
	for (size_t r = 1; r <= t->nrows && r <= SHOW_MAX_ROWS; r++) {
		printf("%5zu", r);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *v = t->cells[r * t->ncols + c];
			const char *h = t->cells[c] ? t->cells[c] : "";
			trex_esc_text(v ? v : "", v ? strlen(v) : 0, esc, SHOW_CELL_WIDTH + 1);
			int n = show_mark(cells, r, h);
			if (n)
				snprintf(shown, sizeof(shown), "[%s]#%d", esc, n);
			else
				snprintf(shown, sizeof(shown), "%s", esc);
			fputs(" | ", stdout);
			if (n && tty)
				fputs("\033[7m", stdout);
			printf("%-*s", SHOW_CELL_WIDTH / 2, shown);
			if (n && tty)
				fputs("\033[0m", stdout);
		}
		putchar('\n');
	}
	if (t->nrows > SHOW_MAX_ROWS || t->more_rows)
		printf("(%zu more rows not shown; trex held JOB FILE -o - prints them all)\n",
		       t->more_rows + (t->nrows > SHOW_MAX_ROWS ? t->nrows - SHOW_MAX_ROWS : 0));
}

static void show_print_cells(const json_t *cells)
{
	size_t i;
	const json_t *cell;
	json_array_foreach(cells, i, cell) {
		char line[1024];
		snprintf(line, sizeof(line), "#%zu row %" JSON_INTEGER_FORMAT " %s: %s %s: %s", i + 1,
			 json_integer_value(json_object_get(cell, "row")), queue_str(cell, "measure"),
			 queue_str(cell, "rule"), queue_str(cell, "action"), queue_str(cell, "reason"));
		fputs("  ", stdout);
		cli_put(stdout, line);
		fputc('\n', stdout);
	}
}

/* The report entry of a declared output: the same path, else its
 * basename (as trex-check names files; runner/view.c does the same). */
static const json_t *show_entry(const json_t *report, const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	const json_t *by_base = NULL, *f;
	size_t i;
	json_array_foreach(json_object_get(report, "files"), i, f) {
		const char *fn = json_string_value(json_object_get(f, "file"));
		if (fn && strcmp(fn, name) == 0)
			return f;
		if (fn && !by_base && strcmp(fn, base) == 0)
			by_base = f;
	}
	return by_base;
}

int cli_review_show(const struct cli_ctx *ctx, int argc, char **argv)
{
	int as_json = ctx->json;
	int r0 = cli_json_only("review show", argc, argv, &as_json);
	if (r0)
		return r0;
	if (argc - optind != 2)
		return cli_usage_error("review show", "usage: trex review show JOB FILE");
	const char *file = argv[optind + 1];
	if (!cli_output_path_ok(file))
		return cli_usage_error("review show", "not an output name: %s", file);
	char id[160];
	int rr = cli_resolve_job(ctx, "review show", argv[optind], id, sizeof(id));
	if (rr)
		return rr;
	struct trex_err err = { 0 };
	_cleanup_json_ json_t *job = NULL;
	if (cli_get_job(ctx, id, &job, &err) < 0)
		return cli_fail(&err);
	const json_t *out = NULL, *o;
	size_t i;
	json_array_foreach(json_object_get(job, "outputs"), i, o)
		if (strcmp(queue_str(o, "name"), file) == 0)
			out = o;
	if (!out) {
		fprintf(stderr, "trex review show: job %s declares no output %s (or has not been checked yet)\n",
			id, file);
		return CLI_EXIT_FAILED;
	}
	const json_t *report = json_object_get(job, "report");
	if (!json_is_object(report)) {
		fprintf(stderr, "trex review show: trexd shows you no check report of job %s (output checkers only, and not of a project you do research in)\n",
			id);
		return CLI_EXIT_FAILED;
	}
	const json_t *entry = show_entry(report, file);
	const json_t *cells = json_object_get(entry, "cells");
	const char *verdict = queue_str(out, "verdict");
	int held = strcmp(verdict, "review") == 0 && !json_is_true(json_object_get(out, "released"));
	struct client_resp resp = { 0 };
	struct show_table t = { 0 };
	int have_table = 0;
	const char *kind = queue_str(out, "kind");
	int tabular = strcmp(kind, "figure") != 0 && strcmp(kind, "text") != 0;
	if (held && tabular) {
		if (queue_get_held(ctx, id, file, &resp, &err) < 0)
			return cli_fail(&err);
		if (show_parse(resp.body, resp.len, &t) < 0) {
			client_resp_free(&resp);
			show_table_free(&t);
			fprintf(stderr, "trex review show: out of memory\n");
			return CLI_EXIT_FAILED;
		}
		have_table = t.ncols > 0;
		client_resp_free(&resp);
	}
	if (as_json) {
		json_t *rows = json_array();
		for (size_t r = 0; have_table && r <= t.nrows && r <= SHOW_MAX_ROWS; r++) {
			json_t *row = json_array();
			for (size_t k = 0; k < t.ncols; k++) {
				const char *v = t.cells[r * t.ncols + k];
				json_array_append_new(row, v ? json_string(v) : json_null());
			}
			json_array_append_new(rows, row);
		}
		json_t *doc = json_pack("{s:s,s:s,s:s,s:b,s:O,s:o}", "id", id, "name", file, "verdict",
					verdict, "held", held, "report",
					entry ? (json_t *)entry : json_null(), "table",
					have_table ? rows : json_null());
		if (!have_table)
			json_decref(rows);
		cli_print_json(doc);
		json_decref(doc);
		show_table_free(&t);
		return CLI_EXIT_OK;
	}
	printf("job %s, %s [%s]: verdict ", id, file, kind);
	cli_put(stdout, verdict);
	printf("%s\n", held ? ", held for your review" : json_is_true(json_object_get(out, "released"))
								  ? ", released"
								  : ", not released");
	const char *summary = json_string_value(json_object_get(entry, "summary"));
	if (summary) {
		fputs("  ", stdout);
		cli_put(stdout, summary);
		fputc('\n', stdout);
	}
	json_array_foreach(json_object_get(entry, "reasons"), i, o) {
		fputs("  why: ", stdout);
		cli_put(stdout, json_string_value(o));
		fputc('\n', stdout);
	}
	if (have_table) {
		putchar('\n');
		show_print_table(&t, cells, isatty(STDOUT_FILENO));
	} else if (held) {
		printf("\n(a %s, not a table: trex held %s %s -o FILE saves it)\n", kind, id, file);
	} else {
		printf("\n(not held: the table is shown only while it waits for review)\n");
	}
	show_table_free(&t);
	if (json_array_size(cells)) {
		printf("\nflagged cells (%zu):\n", json_array_size(cells));
		show_print_cells(cells);
	} else {
		printf("\nno cell flagged\n");
	}
	if (held)
		fprintf(stderr, "decide: trex review %s %s --release|--reject --reason TEXT\n", id, file);
	return CLI_EXIT_OK;
}
