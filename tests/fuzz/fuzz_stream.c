/* Fuzz target: the streaming check of a frequency or magnitude table
 * (stream.c) must
 * decide exactly what the whole-table check (rules.c) decides. The input
 * drives a generator of tables -- dimensions, codes (short, long, quoted,
 * empty, margin-like names), counts (zeros, ones, small, missing, invalid),
 * sorted or shuffled rows, repeated keys, margins named like one (true, or
 * a few more than their slice), an undeclared column, either anchor --
 * and a small
 * chunk size cuts each table into many batches. Both paths run on it; the
 * error, the file's report entry, every cell decision and the released
 * copy must be the same bytes. A table whose rows are not grouped must be
 * handed back (1), and then the whole check of the rewound file must give
 * what it gives on a fresh one. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policies/check/labels.h"
#include "policies/check/sdc.h"

#include "tests/fuzz/fuzz_gen.h"

struct table {
	char *text;
	size_t len, cap;
};

static void put(struct table *t, const char *s)
{
	size_t n = strlen(s);
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->text = realloc(t->text, t->cap);
		if (!t->text)
			abort();
	}
	memcpy(t->text + t->len, s, n + 1);
	t->len += n;
}

static void gen_code(struct gen *g, size_t d, uint32_t i, char *out, size_t n)
{
	switch (gen_below(g, 12)) {
	case 0:
		snprintf(out, n, "\"long code %zu-%u, quoted\"", d, i);
		break;
	case 1:
		snprintf(out, n, "category-number-%zu-%u", d, i);
		break;
	case 2:
		snprintf(out, n, "%s", i == 0 ? "Total" : i == 1 ? "" : "all");
		break;
	default:
		snprintf(out, n, "%c%u", 'a' + (int)d, i);
	}
}

static void gen_count(struct gen *g, int style, char *out, size_t n)
{
	static const char *const odd[] = {"NA", "", "-1", "1.5", "1e2", "x", "007", "nan"};
	uint32_t k = gen_below(g, 100);

	if (k < 3)
		snprintf(out, n, "%s", odd[gen_below(g, 8)]);
	else if (k < 3 + (style == 1 ? 60 : 15))
		snprintf(out, n, "1");
	else if (k < 30 + (style == 2 ? 50 : 10))
		snprintf(out, n, "0");
	else if (k < 75)
		snprintf(out, n, "%u", 2 + gen_below(g, 9));
	else
		snprintf(out, n, "%u", 10 + gen_below(g, 500));
}

/* A magnitude cell after its codes: value, contributors, the two
 * largest contributions (dominant or not, sometimes unusable). */
static void gen_magnitude(struct gen *g, int style, long *value, char *out, size_t n)
{
	char contrib[32];
	long top1 = 1 + gen_below(g, 400), top2 = gen_below(g, (uint32_t)top1 + 1);
	long total = top1 + top2 + (gen_below(g, 3) ? gen_below(g, 2000) : gen_below(g, 5));

	gen_count(g, style, contrib, sizeof(contrib));
	*value = total;
	switch (gen_below(g, 26)) {
	case 4:
		snprintf(out, n, "abc,%s,%ld,%ld", contrib, top1, top2);
		*value = -1;
		return;
	case 0:
		snprintf(out, n, "NA,%s,%ld,%ld", contrib, top1, top2);
		*value = -1;
		return;
	case 1:
		snprintf(out, n, "%ld,%s,x,%ld", total, contrib, top2);
		return;
	case 2:
		snprintf(out, n, "-%ld,%s,%ld,%ld", total, contrib, top1, top2);
		*value = -total;
		return;
	case 3:
		snprintf(out, n, "1.5e3,%s,%ld,%ld", contrib, top1, top2);
		*value = 1500;
		return;
	}
	snprintf(out, n, "%ld,%s,%ld,%ld", total, contrib, top1, top2);
}

/* A table: the full grid of nd dimensions (some rows dropped), in order
 * or shuffled, maybe a repeated row, maybe a true margin as the last
 * dimension's last code. Returns nd. */
static size_t gen_table(struct gen *g, struct table *t, const char **dims, bool magnitude)
{
	static const char *const names[] = {"region", "age", "sex"};
	size_t nd = 1 + gen_below(g, 3), card[3], nrows = 1;
	char codes[3][8][64];
	int style = (int)gen_below(g, 3);
	bool shuffle = gen_below(g, 5) == 0, margin = gen_below(g, 4) == 0;
	uint32_t dup = gen_below(g, 6) == 0 ? 1 + gen_below(g, 40) : 0;
	/* sometimes a column the declaration does not name (it fails) */
	const char *extra = gen_below(g, 8) == 0 ? ",note" : "";
	char (*rows)[256];
	long *vals;

	for (size_t d = 0; d < nd; d++) {
		dims[d] = names[d];
		card[d] = 1 + gen_below(g, d == nd - 1 ? 7 : 5);
		for (uint32_t i = 0; i < card[d]; i++)
			gen_code(g, d, i, codes[d][i], sizeof(codes[d][i]));
		nrows *= card[d];
	}
	/* a margin is named like one (totals.c checks that it adds up) */
	if (margin && card[nd - 1] >= 4)
		snprintf(codes[nd - 1][card[nd - 1] - 1], sizeof(codes[0][0]), "%s",
			 gen_below(g, 2) ? "Total" : "All");
	rows = calloc(nrows + 1, sizeof(*rows));
	vals = calloc(nrows + 1, sizeof(*vals));
	if (!rows || !vals)
		abort();
	put(t, "");
	for (size_t d = 0; d < nd; d++) {
		put(t, names[d]);
		put(t, ",");
	}
	put(t, magnitude ? "cost,n,top1,top2" : "n");
	put(t, extra);
	put(t, "\n");
	for (size_t r = 0; r < nrows; r++) {
		size_t q = r, len = 0;
		char count[32];
		size_t idx[3] = { 0 };
		for (size_t d = nd; d-- > 0;) {
			idx[d] = q % card[d];
			q /= card[d];
		}
		for (size_t d = 0; d < nd; d++)
			len += (size_t)snprintf(rows[r] + len, sizeof(rows[r]) - len, "%s,",
						codes[d][idx[d]]);
		vals[r] = -1;
		if (magnitude) {
			char cell[128];
			gen_magnitude(g, style, &vals[r], cell, sizeof(cell));
			if (margin && card[nd - 1] >= 4 && idx[nd - 1] == card[nd - 1] - 1) {
				long sum = 0;
				for (size_t k = 1; k < card[nd - 1]; k++)
					sum += vals[r - k] > 0 ? vals[r - k] : 0;
				snprintf(cell, sizeof(cell), "%ld,%u,%ld,%ld", sum, 20 + gen_below(g, 50),
					 sum / 4, sum / 8);
			}
			snprintf(rows[r] + len, sizeof(rows[r]) - len, "%s%s\n", cell, extra);
			continue;
		}
		gen_count(g, style, count, sizeof(count));
		if (count[0] >= '0' && count[0] <= '9' && strspn(count, "0123456789") == strlen(count))
			vals[r] = strtol(count, NULL, 10);
		if (margin && card[nd - 1] >= 4 && idx[nd - 1] == card[nd - 1] - 1) {
			/* the sum of its slice, sometimes a few more (a hidden group) */
			long sum = gen_below(g, 4) ? 0 : 1 + (long)gen_below(g, 5);
			for (size_t k = 1; k < card[nd - 1]; k++)
				sum += vals[r - k] > 0 ? vals[r - k] : 0;
			snprintf(count, sizeof(count), "%ld", sum);
		}
		snprintf(rows[r] + len, sizeof(rows[r]) - len, "%s%s\n", count, extra);
	}
	if (shuffle)
		for (size_t r = nrows; r > 1; r--) {
			size_t j = gen_below(g, (uint32_t)r);
			char tmp[256];
			memcpy(tmp, rows[r - 1], sizeof(tmp));
			memcpy(rows[r - 1], rows[j], sizeof(tmp));
			memcpy(rows[j], tmp, sizeof(tmp));
		}
	for (size_t r = 0; r < nrows; r++) {
		if (gen_below(g, 10) == 0 && nrows > 2)
			continue; /* a cell left out */
		put(t, rows[r]);
		if (dup && r + 1 == dup % nrows + 1)
			put(t, rows[gen_below(g, (uint32_t)r + 1)]);
	}
	free(rows);
	free(vals);
	return nd;
}

struct outcome {
	int r;
	char err[512];
	char *entry, *cells, *released;
	size_t cells_len, released_len;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len + 4096 > cap) {
			cap = (cap + 4096) * 2;
			b = realloc(b, cap);
			if (!b)
				abort();
		}
		size_t n = fread(b + *len, 1, 4096, f);
		*len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	unlink(path);
	return b;
}

static void outcome_report(struct outcome *o, const struct sdc_table *t,
			   const struct sdc_result *res, bool released)
{
	json_t *e = report_file(t, res, "t.csv", manifest_kind_name(t->decl->kind),
				released ? "t.csv" : NULL);
	if (!e)
		abort();
	o->entry = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(e);
	if (report_cells_text(t, res, &o->cells, &o->cells_len) < 0)
		abort();
}

static void run_whole(FILE *f, const struct policy *pol, const struct output_decl *decl,
		      const char *dir, const char *previous, const struct domains *dom,
		      struct outcome *o)
{
	struct trex_err err = {0};
	struct csv_table csv;
	struct sdc_table t;
	struct sdc_result res;
	char path[512];

	snprintf(path, sizeof(path), "%s/t.csv", dir);
	o->r = csv_read_stream(f, "t.csv", &csv, &err);
	if (o->r == 0) {
		o->r = sdc_table_open(&t, &csv, decl, "t.csv", &err);
		if (o->r == 0 && sdc_result_init(&res, csv.nrows) < 0)
			abort();
		if (o->r == 0) {
			bool leaves;
			o->r = sdc_check(pol, &t, &res, &err);
			if (o->r == 0) /* as main.c does */
				labels_check_table(pol, &t, dom, &res);
			if (o->r == 0 && previous && res.verdict < SDC_REVIEW)
				o->r = diff_check(pol, &t, &res, previous, NULL, &err);
			leaves = o->r == 0 &&
				 (res.verdict == SDC_PASS || res.verdict == SDC_SUPPRESSED);
			if (leaves && report_write_released(&t, &res, "", path, false, &err) < 0)
				abort();
			if (o->r == 0)
				outcome_report(o, &t, &res, leaves);
			sdc_result_free(&res);
		}
		csv_free(&csv);
	}
	snprintf(o->err, sizeof(o->err), "%s", err.msg);
	o->released = slurp(path, &o->released_len);
}

static void outcome_free(struct outcome *o)
{
	free(o->entry);
	free(o->cells);
	free(o->released);
	memset(o, 0, sizeof(*o));
}

static bool same(const char *a, size_t na, const char *b, size_t nb)
{
	if (!a || !b)
		return a == b;
	return na == nb && !memcmp(a, b, na);
}

static void compare(const struct outcome *a, const struct outcome *b, const char *table)
{
	if (a->r != b->r || strcmp(a->err, b->err) ||
	    !same(a->entry, a->entry ? strlen(a->entry) : 0, b->entry,
		  b->entry ? strlen(b->entry) : 0) ||
	    !same(a->cells, a->cells_len, b->cells, b->cells_len) ||
	    !same(a->released, a->released_len, b->released, b->released_len)) {
		fprintf(stderr, "streamed and whole checks differ\n--- table\n%s--- whole: %d %s\n%s\n%.*s\n--- stream: %d %s\n%s\n%.*s\n",
			table, a->r, a->err, a->entry ? a->entry : "-", (int)a->cells_len,
			a->cells ? a->cells : "", b->r, b->err, b->entry ? b->entry : "-",
			(int)b->cells_len, b->cells ? b->cells : "");
		abort();
	}
}

static char dir[64];

static void fuzz_stream_cleanup(void)
{
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gen g = {data, size, 0, 0x2545f4914f6cdd1dull};
	struct table tab = {0};
	const char *dims[3];
	struct policy pol;
	struct output_decl decl;
	struct trex_err err = {0};
	struct outcome whole = {0}, streamed = {0};
	json_t *dj, *da;
	size_t nd;
	bool magnitude;
	char prevdir[128], prevfile[160];
	const char *previous = NULL;
	struct domains doms = {.set = {0}};
	const struct domains *dom = NULL;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/trex-fuzz-stream.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(fuzz_stream_cleanup);
	}
	magnitude = gen_below(&g, 2);
	nd = gen_table(&g, &tab, dims, magnitude);
	policy_defaults(&pol);
	pol.zeros_are_disclosive = gen_below(&g, 2);
	pol.anchor = gen_below(&g, 2) ? POLICY_ANCHOR_TAU_ARGUS : POLICY_ANCHOR_ACRO;
	pol.check_missing_values = gen_below(&g, 2);
	if (gen_below(&g, 2)) {
		/* other packs: p% is only reachable when dominance is looser */
		pol.safe_threshold = 3 + gen_below(&g, 10);
		pol.safe_nk_n = 1 + gen_below(&g, 3);
		pol.safe_nk_k = 0.5 + gen_below(&g, 50) / 100.0;
		pol.safe_pratio_p = 0.05 + gen_below(&g, 30) / 100.0;
	}
	da = json_array();
	for (size_t d = 0; d < nd; d++)
		json_array_append_new(da, json_string(dims[d]));
	if (magnitude)
		dj = json_pack("{s:s, s:s, s:o, s:s, s:s, s:o}", "path", "*", "kind",
			       "magnitude_table", "dimensions", da, "value", "cost", "contributors",
			       "n", "largest",
			       gen_below(&g, 8) ? json_pack("[s,s]", "top1", "top2")
						: json_pack("[s]", "top1"));
	else
		dj = json_pack("{s:s, s:s, s:o, s:s}", "path", "*", "kind", "frequency_table",
			       "dimensions", da, "count", "n");
	if (!dj || manifest_decl_from_json(dj, "fuzz", 0, &decl, &err) < 0)
		abort();
	json_decref(dj);
	csv_set_stream_chunk(1 + gen_below(&g, 200));
	/* sometimes the dataset's categories: a few of the codes known, the
	 * labels rule judging the rest (labels.c), sometimes a tighter share */
	if (gen_below(&g, 2)) {
		static const char *const known[] = {"a0", "a1", "b0", "b2", "c1", "c3", "Total"};
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (gen_below(&g, 2) && strset_add(&doms.set, known[i], strlen(known[i])) < 0)
				abort();
		dom = &doms;
		pol.max_unknown_label_share = gen_below(&g, 11) / 10.0;
	}
	pol.record_level_min_rows = 2 + gen_below(&g, 12);
	/* sometimes a table released earlier: this one, or this one less a
	 * row (a difference of that row's cell, often below the threshold),
	 * under its headers or renamed ones */
	snprintf(prevdir, sizeof(prevdir), "%s/prev", dir);
	snprintf(prevfile, sizeof(prevfile), "%s/prev/p.csv", dir);
	if (gen_below(&g, 3) == 0) {
		const char *drop = strchr(tab.text, '\n');
		uint32_t skip = gen_below(&g, 8);
		FILE *pf;
		size_t at;

		for (uint32_t i = 0; drop && i < skip; i++)
			drop = strchr(drop + 1, '\n');
		at = drop && drop[1] ? (size_t)(drop - tab.text) + 1 : tab.len;
		if (mkdir(prevdir, 0700) != 0 || !(pf = fopen(prevfile, "wb")))
			abort();
		if (gen_below(&g, 2)) {
			/* under other headers: its dimensions pair by their
			 * codes, its count by being one (difference.c), and
			 * the streamed check has the table checked whole */
			size_t hl = strcspn(tab.text, "\n");
			fputc('x', pf);
			for (size_t i = 0; i < hl; i++) {
				fputc(tab.text[i], pf);
				if (tab.text[i] == ',')
					fputc('x', pf);
			}
			fwrite(tab.text + hl, 1, at - hl, pf);
		} else {
			fwrite(tab.text, 1, at, pf);
		}
		if (at < tab.len && gen_below(&g, 3) == 0) {
			/* less that row */
			const char *nl = strchr(tab.text + at, '\n');
			if (nl)
				fputs(nl + 1, pf);
		} else if (at < tab.len && gen_below(&g, 2)) {
			/* that row's count (contributors) off by a little; value
			 * fields hold no comma, so it is found from the line's end */
			const char *nl = strchr(tab.text + at, '\n'), *c = nl;
			int back = magnitude ? 3 : 1;
			while (c && back && c > tab.text + at)
				if (*--c == ',')
					back--;
			if (nl && !back) {
				long v = strtol(c + 1, NULL, 10);
				const char *e = c + 1 + strcspn(c + 1, ",\n");
				fwrite(tab.text + at, 1, (size_t)(c + 1 - (tab.text + at)), pf);
				fprintf(pf, "%ld", v + 1 + (long)gen_below(&g, 4));
				fputs(e, pf);
			} else {
				fputs(tab.text + at, pf);
			}
		} else if (at < tab.len) {
			fputs(tab.text + at, pf);
		}
		fclose(pf);
		previous = prevdir;
	}

	{
		FILE *f = fmemopen(tab.text, tab.len, "rb");
		if (!f)
			abort();
		run_whole(f, &pol, &decl, dir, previous, dom, &whole);
		fclose(f);
	}
	{
		/* a memory stream is read by fread, a file through a mapping
		 * (csv.c): both, a chunk at a time */
		char in[512];
		FILE *f;
		struct csv_stream cs;
		struct sdc_table t;
		struct sdc_result res;
		struct stream_opts so = {NULL, dir, NULL, "", false, previous, dom, NULL};
		char path[512];
		bool released = false;

		snprintf(in, sizeof(in), "%s/in.csv", dir);
		if (gen_below(&g, 2)) {
			f = fopen(in, "wb");
			if (!f || fwrite(tab.text, 1, tab.len, f) != tab.len || fclose(f) != 0)
				abort();
			f = fopen(in, "rb");
		} else {
			f = fmemopen(tab.text, tab.len, "rb");
		}
		if (!f)
			abort();
		snprintf(path, sizeof(path), "%s/t.csv", dir);
		so.release_path = path;
		streamed.r = stream_check(&pol, &decl, "t.csv", f, &so, &cs, &t, &res, &released,
					  &err);
		if (streamed.r == 1) {
			/* not grouped: the rewound file, checked whole, as fresh */
			memset(&err, 0, sizeof(err));
			run_whole(f, &pol, &decl, dir, previous, dom, &streamed);
		} else {
			if (streamed.r == 0) {
				outcome_report(&streamed, &t, &res, released);
				sdc_result_free(&res);
				csv_stream_close(&cs);
			}
			snprintf(streamed.err, sizeof(streamed.err), "%s", err.msg);
			streamed.released = slurp(path, &streamed.released_len);
		}
		fclose(f);
		unlink(in);
	}
	compare(&whole, &streamed, tab.text);
	outcome_free(&whole);
	outcome_free(&streamed);
	if (previous) {
		unlink(prevfile);
		rmdir(prevdir);
	}
	manifest_decl_free(&decl);
	strset_free(&doms.set);
	csv_set_stream_chunk(0);
	free(tab.text);
	return 0;
}
