/* trex-check: statistical disclosure control of job outputs
 * (docs/CONTRACTS.md section 2). Exit 0 when the check ran, whatever the
 * verdicts; 2 on bad usage or unreadable/malformed input. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "version.h"
#include "alloc.h"
#include "cleanup.h"
#include "acro.h"
#include "bands.h"
#include "csv.h"
#include "domains.h"
#include "codebook.h"
#include "dsdigest.h"
#include "dsindex.h"
#include "idindex.h"
#include "joint.h"
#include "labels.h"
#include "manifest.h"
#include "policy.h"
#include "sdc.h"
#include "sdcvocab.h"

#define CHECK_VERSION TREX_VERSION
#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fputs("usage: trex-check [--policy FILE|NAME] [--manifest FILE | --kind K --dimensions A,B\n"
	      "                  --count C [--value V --contributors N --largest A,B --dof D]]\n"
	      "                  [--out DIR] [--json] [--marker TEXT] [--acro-json DIR]\n"
	      "                  [--id-index FILE] [--domains FILE] [--previous DIR] [--no-sync]\n"
	      "                  [--whole] [--keep-going] FILE...\n"
	      "       trex-check --build-id-index DATASET_DIR --id-columns A,B --out FILE\n"
	      "                  [--domains-out FILE] [--codebook-out FILE\n"
	      "                  [--threshold N | --policy FILE|NAME]] [--content-digest-out FILE]\n"
	      "--codebook-out: the dataset's codebook for researchers (docs/datasets.md),\n"
	      "its disclosure rules at N (default: the policy's safe_threshold)\n"
	      "--content-digest-out: SHA-256 of every *.csv's path, size and bytes (the\n"
	      "dataset's version in trexd's reproducibility record)\n"
	      "--no-sync: copies under --out are renamed into place but not fsync'd, for a\n"
	      "caller that copies and fsyncs what it publishes (trexd does)\n"
	      "Frequency and magnitude tables without declared totals are checked as they\n"
	      "are read (bounded memory) when their rows come grouped by their dimensions;\n"
	      "--whole checks every table in memory instead (same report, same copies).\n"
	      "--acro-json DIR (with --out): the released tables for SACRO Viewer, in ACRO\n"
	      "1.0's format, in DIR (a new or empty folder of their own); --acro-max-mb N:\n"
	      "an export that would take more is not written (a note on stderr, exit 0).\n"
	      "--previous DIR: tables released earlier for the project; a table that\n"
	      "differs from one of them (or, with --out, from a table released earlier in\n"
	      "this run) in some cell by less than the threshold is held for review.\n"
	      "--keep-going: a declared output that cannot be read as declared (a located\n"
	      "error: malformed CSV, a declared column missing) fails with rule\n"
	      "malformed_output and the other files are still checked (exit 0), instead\n"
	      "of ending the run with exit 2 (trexd passes it).\n",
	      f);
}

struct check_opts {
	const char *policy;
	const char *manifest;
	const char *kind, *dims, *count, *value, *contributors, *largest, *dof;
	const char *out;
	const char *marker;
	const char *acro_json;
	struct acro_export *acro; /* --acro-json: the released tables noted */
	unsigned long acro_max_mb; /* --acro-max-mb (0: no bound) */
	const char *id_index, *build_id_index, *id_columns;
	const char *domains, *domains_out; /* the dataset's category domains (labels.c) */
	const char *codebook_out;          /* the dataset's codebook (codebook.c) */
	const char *digest_out;            /* the dataset's content digest (dsdigest.c) */
	long threshold;                    /* its k; 0: the policy's safe_threshold */
	const char *previous; /* tables released earlier for the project */
	struct diff_siblings sib; /* the copies released so far in this run */
	struct joint_plan joint; /* joint.c: the pattern of every joined table */
	struct bands *bands; /* rounding packs: the bandings released so far (bands.c) */
	struct idindex ids; /* loaded from id_index (empty when none) */
	struct domains doms; /* loaded from domains */
	bool json;
	bool no_sync; /* released copies not fsync'd (still temp + rename) */
	bool whole; /* --whole: no streaming check (tests compare both) */
	bool keep_going; /* --keep-going: a malformed output fails alone */
	/* tests (TREX_CHECK_CELLS_AS_TEXT set): every file's cells built as
	 * text, never kept for the end (cases.t compares both ways) */
	bool cells_as_text;
};

/* A comma list into a JSON array of names. */
static json_t *check_list(const char *s)
{
	json_t *a = json_array();
	const char *p = s;
	while (a && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		json_array_append_new(a, json_stringn(p, n));
		if (!e)
			break;
		p = e + 1;
	}
	return a;
}

/* The command-line declaration goes through the same strict parser as a
 * manifest, so both forms accept exactly the same things. */
static int check_cli_decl(const struct check_opts *o, struct output_manifest *m,
			  struct trex_err *err)
{
	json_t *d = json_pack("{s:s, s:s}", "path", "*", "kind", o->kind);
	int r;

	if (!d)
		return trex_err_set(err, -ENOMEM, "declaration");
	if (o->dims)
		json_object_set_new(d, "dimensions", check_list(o->dims));
	if (o->count)
		json_object_set_new(d, "count", json_string(o->count));
	if (o->value)
		json_object_set_new(d, "value", json_string(o->value));
	if (o->contributors)
		json_object_set_new(d, "contributors", json_string(o->contributors));
	if (o->largest)
		json_object_set_new(d, "largest", check_list(o->largest));
	if (o->dof)
		json_object_set_new(d, "dof", json_string(o->dof));
	m->outputs = trex_calloc(1, sizeof(*m->outputs));
	if (!m->outputs) {
		json_decref(d);
		return trex_err_set(err, -ENOMEM, "declaration");
	}
	m->n = 1;
	r = manifest_decl_from_json(d, "command line", 0, &m->outputs[0], err);
	json_decref(d);
	return r;
}

/* Name of the released copy under --out: the path as given when it is
 * relative and stays below the cwd (outputs may sit in subfolders), else
 * the basename. */
static const char *check_release_name(const char *p)
{
	const char *s = strrchr(p, '/');
	const char *c;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (p[0] == '/')
		return s ? s + 1 : p;
	for (c = p; *c; c = strchr(c, '/') ? strchr(c, '/') + 1 : c + strlen(c))
		if (c[0] == '.' && (c[1] == '/' || c[1] == '\0' || (c[1] == '.' && (c[2] == '/' || c[2] == '\0'))))
			return s ? s + 1 : p;
	return p;
}

/* The entry of a file decided as a whole, without reading it as a table
 * (undeclared, or a kind with no automatic check): one reason, its rule,
 * and the verdict as the action (fail or review). */
static json_t *check_entry_whole(const char *file, const char *kind, const char *verdict,
				 const char *summary, const char *reason, const char *rule)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[{s:s, s:s, s:i}], s:n}", "file", file,
			 "kind", kind, "verdict", verdict, "summary", summary, "reasons", reason,
			 "decisions", "rule", rule, "action", verdict, "cells", 0, "released");
}

static void check_identifiers(const struct check_opts *o, const struct sdc_table *t,
			      struct sdc_result *res)
{
	size_t row, col;

	if (idindex_scan_table(&o->ids, t->csv, &row, &col))
		sdc_identifier(t, res, row, col);
}

/* A file's cells in the report: their JSON text, or, deferred, the
 * checked table itself, whose cells report_cells_write streams into the
 * JSON report at the end. */
struct check_cells {
	char *text;
	size_t len;
	bool deferred;
	struct csv_table csv;
	struct sdc_table t;
	struct sdc_result res;
};

static void check_cells_free(struct check_cells *c)
{
	trex_free(c->text);
	c->text = NULL;
	if (c->deferred) {
		sdc_result_free(&c->res);
		csv_free(&c->csv);
		c->deferred = false;
	}
}

/* Memory a checked table keeps when its cells are deferred. */
static size_t check_kept_size(const struct csv_table *csv, const struct sdc_result *res)
{
	size_t last = csv->offsets[(csv->nrows + 1) * csv->ncols - 1];

	return last + strlen(csv->arena + last) + (csv->nrows + 1) * csv->ncols * sizeof(uint32_t) +
	       csv->nrows * sizeof(uint32_t) + res->ndecisions * sizeof(*res->cells) +
	       res->reason_len;
}

/* A checked table's cells: deferred where only the JSON report reads them
 * (the text form and the ACRO export need them as a tree), else their text
 * now. Deferring the last file never holds more than today's text did,
 * since nothing is checked after it; an earlier file is kept only when
 * smaller than its text, so a run over many files holds no more than if
 * every text were built. The estimate of the text is a lower bound.
 * Takes csv and res (zeroed) when it defers. */
static int check_keep_cells(const struct check_opts *o, bool last, struct csv_table *csv,
			    const struct sdc_table *t, struct sdc_result *res,
			    struct check_cells *cells)
{
	if (o->json && !o->cells_as_text) {
		sdc_result_trim(res);
		if (last || check_kept_size(csv, res) < report_cells_size(t, res)) {
			cells->csv = *csv;
			cells->t = *t;
			cells->t.csv = &cells->csv;
			cells->res = *res;
			cells->deferred = true;
			memset(csv, 0, sizeof(*csv));
			memset(res, 0, sizeof(*res));
			return 0;
		}
	}
	return report_cells_text(t, res, &cells->text, &cells->len);
}

/* A frequency or magnitude table checked as it is read (stream.c): 1
 * when it has to be checked whole instead (f rewound), else as
 * check_file. */
static int check_file_stream(const struct check_opts *o, const struct policy *pol,
			     const struct output_decl *d, const char *file, size_t index, FILE *f,
			     json_t **entry, struct check_cells *cells,
			     enum sdc_verdict *verdict, struct trex_err *err)
{
	const char *released = check_release_name(file);
	char outpath[4096];
	struct stream_opts so = {.ids = &o->ids, .out_dir = o->out, .release_path = outpath,
				 .marker = o->marker, .sync = !o->no_sync, .previous = o->previous,
				 .domains = o->domains ? &o->doms : NULL, .siblings = &o->sib};
	struct csv_stream cs;
	struct sdc_table t;
	struct sdc_result res;
	bool out = false;
	int r;

	struct stat st;

	/* a name too long fails the same way in the whole-table check, which
	 * also creates --out when it releases something (the streamed copy
	 * is written there before the verdict is known) */
	if (o->out && ((size_t)snprintf(outpath, sizeof(outpath), "%s/%s", o->out, released) >=
			       sizeof(outpath) ||
		       stat(o->out, &st) != 0 || !S_ISDIR(st.st_mode)))
		return 1;
	r = stream_check(pol, d, file, f, &so, &cs, &t, &res, &out, err);
	if (r != 0)
		return r;
	*verdict = res.verdict;
	*entry = report_file(&t, &res, file, manifest_kind_name(d->kind), out ? released : NULL);
	if (*entry && o->acro && out)
		r = acro_add(o->acro, index, d, file, outpath, &res, err);
	if (!*entry) {
		r = trex_err_set(err, -ENOMEM, "report");
	} else if (r < 0) {
		/* acro_add said why */
	} else if (o->json && !o->cells_as_text) {
		/* the decisions carry their keys and the rows are gone: what
		 * is kept for the report is less than its text (check_keep_cells) */
		sdc_result_trim(&res);
		cells->t = t;
		cells->t.csv = NULL;
		cells->res = res;
		cells->deferred = true;
		memset(&res, 0, sizeof(res));
	} else if (report_cells_text(&t, &res, &cells->text, &cells->len) < 0) {
		r = trex_err_set(err, -ENOMEM, "report");
	}
	sdc_result_free(&res);
	csv_stream_close(&cs);
	return r;
}

/* A file's declaration: the command line's, or the manifest's (NULL
 * when it declares no such file). */
static const struct output_decl *check_decl(const struct output_manifest *m, const char *file)
{
	return m->n == 1 && !strcmp(m->outputs[0].path, "*") ? &m->outputs[0]
							     : manifest_match(m, file);
}

/* Check one file, the index-th of the report (the last of the run when
 * last); 0 with *entry set, or a negative errno for input that cannot be
 * read or parsed (exit 2). */
static int check_file(const struct check_opts *o, const struct policy *pol,
		      const struct output_manifest *m, const char *file, size_t index, bool last,
		      json_t **entry, struct check_cells *cells, enum sdc_verdict *verdict,
		      struct trex_err *err)
{
	const struct output_decl *d = check_decl(m, file);
	const struct joint_file *jf = index < o->joint.n ? &o->joint.f[index] : NULL;
	struct csv_table csv;
	struct sdc_table t;
	struct sdc_result res;
	const char *released = NULL;
	char outpath[4096];
	int r;
	struct stat st;
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	/* every named file must exist, whatever its kind: a typo in a file
	 * list is bad usage, not a held output */
	if (fd < 0 || fstat(fd, &st) < 0)
		return trex_err_set(err, -errno, "%s:0:0: unreadable: %s", file,
				    sdc_vocab_code_text("unreadable"));
	if (!S_ISREG(st.st_mode))
		return trex_err_setx(err, -EINVAL, "%s:0:0: not_regular_file: %s", file,
				     sdc_vocab_code_text("not_regular_file"));
	if (!d) {
		/* undeclared files never leave */
		*verdict = SDC_FAIL;
		*entry = check_entry_whole(file, "undeclared", "fail", "not declared",
					   "file is not declared in the manifest", "undeclared_file");
		cells->text = trex_strdup("[]");
		cells->len = 2;
		return *entry && cells->text ? 0 : -ENOMEM;
	}
	if (d->kind == KIND_FIGURE || d->kind == KIND_TEXT || d->kind == KIND_LOG ||
	    d->kind == KIND_UNKNOWN) {
		size_t line = 0;
		r = o->ids.n ? idindex_scan_text(&o->ids, file, &line, err) : 0;
		if (r < 0)
			return r;
		if (r == 1) {
			/* the line, never the value: reports and logs leave the TRE */
			char why[128];
			snprintf(why, sizeof(why),
				 "identifier: a pseudonymised identifier of the dataset on line %zu", line);
			*verdict = SDC_FAIL;
			*entry = check_entry_whole(file, manifest_kind_name(d->kind), "fail",
						   "identifier leak", why, "identifier");
			cells->text = trex_strdup("[]");
			cells->len = 2;
			return *entry && cells->text ? 0 : -ENOMEM;
		}
		char why[128];
		snprintf(why, sizeof(why), "no automatic check for kind %s",
			 manifest_kind_name(d->kind));
		*verdict = SDC_REVIEW;
		*entry = check_entry_whole(file, manifest_kind_name(d->kind), "review",
					   "held for an output checker", why, "no_automatic_check");
		cells->text = trex_strdup("[]");
		cells->len = 2;
		return *entry && cells->text ? 0 : -ENOMEM;
	}
	{
		/* parse the file that was checked above, not whatever the path
		 * names by now */
		_cleanup_fclose_ FILE *f = fdopen(fd, "rb");
		if (!f)
			return trex_err_set(err, -errno, "fdopen %s", file);
		fd = -1;
		if (jf && !jf->hide && !jf->too_large)
			jf = NULL;
		/* a joined table takes the joint pattern: checked whole */
		if (!o->whole && !jf && stream_eligible(pol, d)) {
			r = check_file_stream(o, pol, d, file, index, f, entry, cells, verdict, err);
			if (r != 1)
				return r;
		}
		r = csv_read_stream(f, file, &csv, err);
		if (r < 0)
			return r;
	}
	r = sdc_table_open(&t, &csv, d, file, err);
	t.domains = o->domains ? &o->doms : NULL;
	t.joint = jf;
	if (r == 0)
		r = sdc_result_init(&res, csv.nrows) < 0 ? trex_err_set(err, -ENOMEM, "%s", file) : 0;
	if (r < 0) {
		csv_free(&csv);
		return r;
	}
	r = sdc_check(pol, &t, &res, err);
	if (r == 0)
		labels_check_table(pol, &t, o->domains ? &o->doms : NULL, &res);
	if (r == 0 && o->ids.n)
		check_identifiers(o, &t, &res);
	if (r == 0 && res.verdict < SDC_REVIEW)
		r = bands_check(o->bands, pol, &t, &res, o->previous, err);
	if (r == 0 && diff_wanted(o->previous, &o->sib) && res.verdict < SDC_REVIEW)
		r = diff_check(pol, &t, &res, o->previous, &o->sib, err);
	if (r == 0 && o->out && (res.verdict == SDC_PASS || res.verdict == SDC_SUPPRESSED)) {
		released = check_release_name(file);
		if ((size_t)snprintf(outpath, sizeof(outpath), "%s/%s", o->out, released) >=
		    sizeof(outpath))
			r = trex_err_setx(err, -ENAMETOOLONG, "output path too long");
		else
			r = report_write_released(&t, &res, o->marker, outpath, !o->no_sync, err);
	}
	if (r == 0 && o->acro && released)
		r = acro_add(o->acro, index, d, file, outpath, &res, err);
	if (r == 0) {
		*verdict = res.verdict;
		*entry = report_file(&t, &res, file, manifest_kind_name(d->kind), released);
		if (!*entry || check_keep_cells(o, last, &csv, &t, &res, cells) < 0)
			r = trex_err_set(err, -ENOMEM, "report");
	}
	bands_commit(o->bands, r == 0 && released);
	sdc_result_free(&res);
	csv_free(&csv);
	return r;
}

/* "FILE:LINE:COLUMN: CODE: ..." with FILE the file checked and CODE one
 * of the located input errors (common/sdcvocab.c): the file's content is
 * at fault, not the run. */
static bool check_located(const char *file, const char *msg)
{
	size_t n = strlen(file), dl, dc, cl;
	if (strncmp(msg, file, n) != 0 || msg[n] != ':')
		return false;
	const char *p = msg + n + 1;
	dl = strspn(p, "0123456789");
	if (!dl || p[dl] != ':')
		return false;
	p += dl + 1;
	dc = strspn(p, "0123456789");
	if (!dc || p[dc] != ':' || p[dc + 1] != ' ')
		return false;
	p += dc + 2;
	cl = strcspn(p, ":");
	char code[64];
	if (!cl || cl >= sizeof(code) || p[cl] != ':')
		return false;
	memcpy(code, p, cl);
	code[cl] = '\0';
	return sdc_vocab_code_known(code) && strcmp(code, "unreadable") != 0 &&
	       strcmp(code, "not_regular_file") != 0;
}

/* --keep-going: a declared output check_file refused for its content
 * (rc, err) fails alone, rule malformed_output, its reason the located
 * error (the place and code, and a declared column's name: never a byte
 * of the file); the run goes on. Anything else (memory, I/O, a file that
 * is not there) still ends the run: rc returned. */
static int check_malformed(const struct output_manifest *m, const char *file, int rc,
			   struct trex_err *err, json_t **entry, struct check_cells *cells,
			   enum sdc_verdict *verdict)
{
	const struct output_decl *d = check_decl(m, file);
	if (!d || (rc != -EINVAL && rc != -EFBIG && rc != -E2BIG) || !check_located(file, err->msg))
		return rc;
	/* nothing of it is under --out: a copy is renamed into place only
	 * once its check succeeded (report.c), a failed one's temporary
	 * file removed */
	*verdict = SDC_FAIL;
	*entry = check_entry_whole(file, manifest_kind_name(d->kind), "fail",
				   "not checked: the file cannot be read as declared", err->msg,
				   "malformed_output");
	cells->text = trex_strdup("[]");
	cells->len = 2;
	trex_err_clear(err);
	return *entry && cells->text ? 0 : trex_err_set(err, -ENOMEM, "report");
}

static int check_attach_cells(json_t *report, const struct check_cells *cells,
			      struct trex_err *err)
{
	json_t *entry;
	size_t i;

	json_array_foreach(json_object_get(report, "files"), i, entry) {
		json_error_t je;
		json_t *a = json_loadb(cells[i].text, cells[i].len, 0, &je);
		if (!a)
			return trex_err_setx(err, -ENOMEM, "report cells: %s", je.text);
		json_object_set_new(entry, "cells", a);
	}
	return 0;
}

static void check_print_text(json_t *report)
{
	size_t i;
	json_t *f;

	printf("verdict: %s (policy %s %s)\n", json_string_value(json_object_get(report, "verdict")),
	       json_string_value(json_object_get(json_object_get(report, "policy"), "name")),
	       json_string_value(json_object_get(json_object_get(report, "policy"), "version")));
	json_array_foreach(json_object_get(report, "files"), i, f) {
		size_t j;
		json_t *x;
		printf("%s: %s - %s\n", json_string_value(json_object_get(f, "file")),
		       json_string_value(json_object_get(f, "verdict")),
		       json_string_value(json_object_get(f, "summary")));
		json_array_foreach(json_object_get(f, "reasons"), j, x)
			printf("  reason: %s\n", json_string_value(x));
		json_array_foreach(json_object_get(f, "cells"), j, x)
			printf("  row %lld: %s %s: %s\n",
			       (long long)json_integer_value(json_object_get(x, "row")),
			       json_string_value(json_object_get(x, "action")),
			       json_string_value(json_object_get(x, "rule")),
			       json_string_value(json_object_get(x, "reason")));
	}
}

/* The JSON report, streamed: the cells of each file are written as JSON
 * text (report.c), so only the small parts go through jansson. Same bytes
 * as dumping the whole tree with JSON_COMPACT. A deferred table is freed
 * once its cells are out. */
static int check_write_json(FILE *f, json_t *report, struct check_cells *cells)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10);
	json_t *entry;
	size_t i;

	fputs("{\"tool\":\"trex-check\",\"version\":\"" CHECK_VERSION "\",\"policy\":", f);
	json_dumpf(json_object_get(report, "policy"), f, flags);
	fputs(",\"verdict\":", f);
	json_dumpf(json_object_get(report, "verdict"), f, flags | JSON_ENCODE_ANY);
	fputs(",\"files\":[", f);
	json_array_foreach(json_object_get(report, "files"), i, entry) {
		_cleanup_free_ char *head = NULL;
		size_t n;

		json_object_del(entry, "cells");
		head = json_dumps(entry, flags);
		if (!head)
			return -ENOMEM;
		n = strlen(head);
		if (i)
			fputc(',', f);
		/* the entry without its closing brace, then the cells */
		fwrite(head, 1, n - 1, f);
		fputs(",\"cells\":", f);
		if (cells[i].deferred) {
			int r = report_cells_write(f, &cells[i].t, &cells[i].res);
			check_cells_free(&cells[i]);
			if (r < 0)
				return r;
		} else {
			fwrite(cells[i].text, 1, cells[i].len, f);
		}
		fputc('}', f);
	}
	fputs("]}\n", f);
	return ferror(f) ? -EIO : 0;
}

#ifdef __SANITIZE_ADDRESS__
/* SAN=1 builds only: trexd runs trex-check inside trex-sandbox, whose
 * seccomp profile denies ptrace, which LeakSanitizer needs at exit; it would
 * turn every sandboxed check into a failure. Leaks of the checker's code
 * are still caught by its unit tests under ASan and by valgrind. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"policy", required_argument, NULL, 'p'},
		{"manifest", required_argument, NULL, 'm'},
		{"kind", required_argument, NULL, 'k'},
		{"dimensions", required_argument, NULL, 'd'},
		{"count", required_argument, NULL, 'c'},
		{"value", required_argument, NULL, 'v'},
		{"contributors", required_argument, NULL, 'n'},
		{"largest", required_argument, NULL, 'l'},
		{"dof", required_argument, NULL, 'f'},
		{"out", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"marker", required_argument, NULL, 'M'},
		{"acro-json", required_argument, NULL, 'A'},
		{"acro-max-mb", required_argument, NULL, 'X'},
		{"id-index", required_argument, NULL, 'I'},
		{"build-id-index", required_argument, NULL, 'B'},
		{"id-columns", required_argument, NULL, 'C'},
		{"domains", required_argument, NULL, 'D'},
		{"domains-out", required_argument, NULL, 'E'},
		{"codebook-out", required_argument, NULL, 'O'},
		{"content-digest-out", required_argument, NULL, 'G'},
		{"threshold", required_argument, NULL, 'T'},
		{"previous", required_argument, NULL, 'P'},
		{"no-sync", no_argument, NULL, 'S'},
		{"whole", no_argument, NULL, 'W'},
		{"keep-going", no_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct bands bands = {0};
	struct check_opts o = {.policy = "default", .marker = "", .bands = &bands};
	struct acro_export acro = {0};
	struct policy pol;
	struct output_manifest m = {0};
	struct trex_err err = {0};
	json_t *report, *files;
	enum sdc_verdict worst = SDC_PASS;
	_cleanup_free_ struct check_cells *cells = NULL;
	_cleanup_free_ char **sib_path = NULL;
	_cleanup_free_ const char **sib_name = NULL;
	size_t nfiles = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o.policy = optarg; break;
		case 'm': o.manifest = optarg; break;
		case 'k': o.kind = optarg; break;
		case 'd': o.dims = optarg; break;
		case 'c': o.count = optarg; break;
		case 'v': o.value = optarg; break;
		case 'n': o.contributors = optarg; break;
		case 'l': o.largest = optarg; break;
		case 'f': o.dof = optarg; break;
		case 'o': o.out = optarg; break;
		case 'j': o.json = true; break;
		case 'M': o.marker = optarg; break;
		case 'A': o.acro_json = optarg; break;
		case 'X': {
			char *end;
			errno = 0;
			o.acro_max_mb = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || !o.acro_max_mb ||
			    o.acro_max_mb > (1ul << 20)) {
				fprintf(stderr, "trex-check: --acro-max-mb takes 1 to 1048576\n");
				return EXIT_USAGE;
			}
			break;
		}
		case 'I': o.id_index = optarg; break;
		case 'B': o.build_id_index = optarg; break;
		case 'C': o.id_columns = optarg; break;
		case 'D': o.domains = optarg; break;
		case 'E': o.domains_out = optarg; break;
		case 'O': o.codebook_out = optarg; break;
		case 'G': o.digest_out = optarg; break;
		case 'T': {
			char *end;
			errno = 0;
			o.threshold = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o.threshold < 1 ||
			    o.threshold > CODEBOOK_MAX_THRESHOLD) {
				fprintf(stderr, "trex-check: --threshold takes 1 to %d\n",
					CODEBOOK_MAX_THRESHOLD);
				return EXIT_USAGE;
			}
			break;
		}
		case 'P': o.previous = optarg; break;
		case 'S': o.no_sync = true; break;
		case 'W': o.whole = true; break;
		case 'K': o.keep_going = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (o.build_id_index) {
		size_t nids = 0, nvalues = 0, ncols = 0;
		struct dsindex_out out = {o.out, o.domains_out, o.codebook_out, 0};
		/* --id-columns '' for a dataset without identifiers: its
		 * domains, and an index that finds nothing */
		if (!o.id_columns || !o.out || optind < argc || (!*o.id_columns && !o.domains_out && !o.codebook_out)) {
			fprintf(stderr, "trex-check: --build-id-index DIR needs --id-columns and --out FILE\n");
			return EXIT_USAGE;
		}
		/* the codebook's threshold: --threshold (trexd's, from its
		 * configured pack), else the policy's */
		out.threshold = o.threshold;
		if (o.codebook_out && !o.threshold) {
			if (policy_load(o.policy, &pol, &err) < 0) {
				fprintf(stderr, "trex-check: %s\n", err.msg);
				return EXIT_USAGE;
			}
			out.threshold = pol.safe_threshold;
		}
		if (dsindex_build(o.build_id_index, o.id_columns, &out, &nids, &nvalues, &ncols,
				  &err) < 0) {
			fprintf(stderr, "trex-check: %s\n", err.msg);
			return EXIT_USAGE;
		}
		if (o.digest_out && dsdigest_write(o.build_id_index, o.digest_out, &err) < 0) {
			fprintf(stderr, "trex-check: %s\n", err.msg);
			return EXIT_USAGE;
		}
		if (o.codebook_out)
			printf("{\"ids\":%zu,\"domain_values\":%zu,\"codebook_columns\":%zu}\n", nids,
			       nvalues, ncols);
		else if (o.domains_out)
			printf("{\"ids\":%zu,\"domain_values\":%zu}\n", nids, nvalues);
		else
			printf("{\"ids\":%zu}\n", nids);
		return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
	}
	if (optind >= argc || (o.manifest && o.kind) || (!o.manifest && !o.kind)) {
		fprintf(stderr, "trex-check: give FILE... and either --manifest or --kind\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((o.acro_json && !o.out) || (o.acro_max_mb && !o.acro_json)) {
		fprintf(stderr, "trex-check: --acro-json DIR exports the released copies: it needs --out\n"
				"(and --acro-max-mb needs --acro-json)\n");
		return EXIT_USAGE;
	}
	if (strpbrk(o.marker, ",\"\r\n")) {
		fprintf(stderr, "trex-check: --marker may not hold a comma, quote or line break\n");
		return EXIT_USAGE;
	}
	r = policy_load(o.policy, &pol, &err);
	if (r == 0 && o.id_index)
		r = idindex_load(o.id_index, &o.ids, &err);
	if (r == 0 && o.domains)
		r = domains_load(o.domains, &o.doms, &err);
	if (r == 0)
		r = o.manifest ? manifest_load(o.manifest, &m, &err) : check_cli_decl(&o, &m, &err);
	if (r == 0 && o.acro_json) {
		r = acro_open(&acro, o.acro_json, &pol, &err);
		acro.max_bytes = (uint64_t)o.acro_max_mb << 20;
		o.acro = &acro;
	}
	if (r < 0) {
		fprintf(stderr, "trex-check: %s\n", err.msg);
		acro_close(&acro, true);
		manifest_free(&m);
		return EXIT_USAGE;
	}
	o.cells_as_text = getenv("TREX_CHECK_CELLS_AS_TEXT") != NULL;
	report = json_pack("{s:s, s:s, s:o, s:s, s:[]}", "tool", "trex-check", "version",
			   CHECK_VERSION, "policy", policy_to_json(&pol), "verdict", "pass",
			   "files");
	files = json_object_get(report, "files");
	cells = trex_calloc((size_t)(argc - optind), sizeof(*cells));
	sib_path = trex_calloc((size_t)(argc - optind) + 1, sizeof(char *));
	o.sib.path = (const char *const *)sib_path;
	sib_name = trex_calloc((size_t)(argc - optind) + 1, sizeof(char *));
	o.sib.name = sib_name;
	r = report && cells && sib_path && sib_name ? 0 : trex_err_set(&err, -ENOMEM, "report");
	if (r == 0) {
		/* every table that can be linked with another, or with an
		 * earlier release, is decided together first (joint.c) */
		size_t nf = (size_t)(argc - optind);
		_cleanup_free_ const struct output_decl **decls = trex_calloc(nf + 1, sizeof(*decls));
		if (!decls)
			r = trex_err_set(&err, -ENOMEM, "report");
		for (size_t i = 0; r == 0 && i < nf; i++)
			decls[i] = check_decl(&m, argv[optind + (int)i]);
		if (r == 0)
			r = joint_plan_build(&pol, decls, argv + optind, nf, o.previous, sdc_check, &o.joint,
					     &err);
	}
	for (int i = optind; r == 0 && i < argc; i++) {
		json_t *entry = NULL;
		enum sdc_verdict v = SDC_PASS;
		r = check_file(&o, &pol, &m, argv[i], nfiles, i == argc - 1, &entry, &cells[nfiles],
			       &v, &err);
		if (r < 0 && o.keep_going)
			r = check_malformed(&m, argv[i], r, &err, &entry, &cells[nfiles], &v);
		if (r < 0)
			break;
		nfiles++;
		json_array_append_new(files, entry);
		if (v > worst)
			worst = v;
		/* a released table is compared with the outputs checked after
		 * it (difference.c), as its copy: what the researcher gets */
		if (o.out && (v == SDC_PASS || v == SDC_SUPPRESSED)) {
			const char *rel = check_release_name(argv[i]);
			size_t n = strlen(o.out) + strlen(rel) + 2;
			if (!(sib_path[o.sib.n] = trex_malloc(n))) {
				r = trex_err_set(&err, -ENOMEM, "report");
				break;
			}
			snprintf(sib_path[o.sib.n], n, "%s/%s", o.out, rel);
			sib_name[o.sib.n++] = rel;
		}
	}
	if (r == 0) {
		json_object_set_new(report, "verdict", json_string(sdc_verdict_name(worst)));
		/* the text form reads the cells as a tree: only it pays for
		 * building it */
		if (!o.json)
			r = check_attach_cells(report, cells, &err);
	}
	if (r == 0 && o.acro_json)
		r = acro_write(&acro, o.no_sync, &err);
	if (r == -EFBIG && acro.max_bytes) {
		/* a bound the caller set: the check stands without the export */
		fprintf(stderr, "trex-check: %s\n", err.msg);
		acro_close(&acro, true);
		r = 0;
	}
	if (r == 0) {
		if (o.json)
			r = check_write_json(stdout, report, cells);
		else
			check_print_text(report);
	}
	if (r < 0)
		fprintf(stderr, "trex-check: %s\n", err.msg[0] ? err.msg : strerror(-r));
	for (size_t i = 0; i < nfiles; i++)
		check_cells_free(&cells[i]);
	for (size_t i = 0; i < o.sib.n; i++)
		trex_free(sib_path[i]);
	/* a failed run leaves no export: the viewer would show part of one */
	acro_close(&acro, r < 0);
	json_decref(report);
	manifest_free(&m);
	idindex_free(&o.ids);
	domains_free(&o.doms);
	bands_free(&bands);
	joint_plan_free(&o.joint);
	if (r < 0)
		return EXIT_USAGE;
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}
