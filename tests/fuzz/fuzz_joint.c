/* Fuzz target: the joint check (policies/check/joint.c). The input drives
 * a generator of a small population cube and of what a job and its
 * project release from it: two-way tables with or without margins, their
 * one-way margins, a table of a subgroup, a table of another population,
 * and earlier releases (some hidden cells, some of another population,
 * some with a category fewer). joint_plan_build runs on them; it must not
 * crash or leak, and its pattern must be one pattern: a cell hidden in
 * one table of the run is hidden in every other table of the run that
 * shows the same cell (same codes, same true value). */
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policies/check/joint.h"
#include "policies/check/manifest.h"
#include "policies/check/policy.h"
#include "policies/check/sdc.h"

#include "tests/fuzz/fuzz_gen.h"

#define NA 4
#define NB 4
#define NFILES 5

static char dir[64];

static int fuzz_rm(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* the tables are files (joint_plan_build reads paths): gone at exit */
static void fuzz_cleanup(void)
{
	nftw(dir, fuzz_rm, 8, FTW_DEPTH | FTW_PHYS);
}

static void fuzz_write(const char *name, const char *text)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static size_t put(char *b, size_t at, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static size_t put(char *b, size_t at, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b + at, cap - at, fmt, ap);
	va_end(ap);
	if (n < 0 || at + (size_t)n >= cap)
		abort();
	return at + (size_t)n;
}

/* A table of the cube over the codes a <= na, b <= nb: 2-way (with its
 * margins when totals), or by A alone (B == NULL). Cells hidden (empty)
 * where hide says. */
static void fuzz_table(const char *name, long cube[NA][NB], size_t na, size_t nb, bool by_b,
		       bool totals, unsigned hide_mask)
{
	static char b[8192];
	size_t at = 0, k = 0;

	at = put(b, at, sizeof(b), by_b ? "A,B,n\n" : "A,n\n");
	for (size_t i = 0; i < na; i++) {
		long row = 0;
		for (size_t j = 0; j < nb; j++) {
			row += cube[i][j];
			if (by_b)
				at = (hide_mask >> (k++ % 32)) & 1
					     ? put(b, at, sizeof(b), "a%zu,b%zu,\n", i, j)
					     : put(b, at, sizeof(b), "a%zu,b%zu,%ld\n", i, j, cube[i][j]);
		}
		if (!by_b)
			at = put(b, at, sizeof(b), "a%zu,%ld\n", i, row);
		else if (totals)
			at = put(b, at, sizeof(b), "a%zu,Total,%ld\n", i, row);
	}
	if (by_b && totals) {
		long all = 0;
		for (size_t j = 0; j < nb; j++) {
			long col = 0;
			for (size_t i = 0; i < na; i++)
				col += cube[i][j];
			all += col;
			at = put(b, at, sizeof(b), "Total,b%zu,%ld\n", j, col);
		}
		at = put(b, at, sizeof(b), "Total,Total,%ld\n", all);
	}
	fuzz_write(name, b);
}

/* A table's rows as keys over (A, B), a total "*", and their values. */
struct rows {
	char key[64][24];
	long v[64];
	size_t n;
};

static void fuzz_rows(const char *path, bool by_b, struct rows *r)
{
	FILE *f = fopen(path, "r");
	char line[128];

	if (!f)
		abort();
	r->n = 0;
	if (!fgets(line, sizeof(line), f))
		abort();
	while (r->n < 64 && fgets(line, sizeof(line), f)) {
		char a[16] = "", b[16] = "*";
		long v = 0;
		if (by_b ? sscanf(line, "%15[^,],%15[^,],%ld", a, b, &v) != 3
			 : sscanf(line, "%15[^,],%ld", a, &v) != 2)
			abort();
		snprintf(r->key[r->n], sizeof(r->key[0]), "%s,%s", strcmp(a, "Total") ? a : "*",
			 strcmp(b, "Total") ? b : "*");
		r->v[r->n++] = v;
	}
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gen g = {.data = data, .size = size, .x = 0x9e3779b97f4a7c15ull};
	static const char *const names[NFILES] = {"t1.csv", "t2.csv", "t3.csv", "t4.csv", "t5.csv"};
	long cube[NA][NB], other[NA][NB];
	const struct output_decl *decls[NFILES];
	char *files[NFILES];
	struct output_manifest man = {0};
	struct policy pol;
	struct joint_plan plan;
	struct trex_err err = {0};
	char mtext[4096], path[160];
	size_t at = 0, nf = 2 + gen_below(&g, NFILES - 1);
	bool totals[NFILES], by_b[NFILES];

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/trex-fuzz-joint.%d", (int)getpid());
		if (mkdir(dir, 0700) != 0 && access(dir, F_OK) != 0)
			abort();
		snprintf(path, sizeof(path), "%s/previous", dir);
		mkdir(path, 0700);
		if (!getenv("FUZZ_JOINT_DEBUG"))
			atexit(fuzz_cleanup);
	}
	if (policy_load("default", &pol, &err) < 0) {
		/* the packs from the checkout, as the tests run */
		setenv("TREX_POLICY_DIR", "policies/disclosure", 1);
		if (policy_load("default", &pol, &err) < 0)
			abort();
	}
	for (size_t i = 0; i < NA; i++)
		for (size_t j = 0; j < NB; j++) {
			cube[i][j] = gen_below(&g, 3) == 0 ? (long)gen_below(&g, 10) : 10 + (long)gen_below(&g, 60);
			other[i][j] = 10 + (long)gen_below(&g, 80);
		}
	at = put(mtext, at, sizeof(mtext), "{\"outputs\":[");
	for (size_t f = 0; f < nf; f++) {
		size_t kind = gen_below(&g, 5);
		totals[f] = kind == 1 || kind == 4;
		by_b[f] = kind != 2;
		/* 0: 2-way, 1: with margins, 2: the margin by A, 3: a subgroup
		 * (a category fewer), 4: another population with margins */
		fuzz_table(names[f], kind == 4 ? other : cube, kind == 3 ? NA - 1 : NA, NB, by_b[f],
			   totals[f], 0);
		at = put(mtext, at, sizeof(mtext),
			 "%s{\"path\":\"%s\",\"kind\":\"frequency_table\",\"dimensions\":[\"A\"%s],"
			 "\"count\":\"n\"%s}",
			 f ? "," : "", names[f], by_b[f] ? ",\"B\"" : "",
			 totals[f] ? by_b[f] ? ",\"total_codes\":{\"A\":[\"Total\"],\"B\":[\"Total\"]}"
					     : ",\"total_codes\":{\"A\":[\"Total\"]}"
				   : "");
	}
	at = put(mtext, at, sizeof(mtext), "]}");
	/* earlier releases: the cube with some cells hidden, a category
	 * fewer, or another population */
	for (size_t p = 0; p < 3; p++) {
		char name[64];
		size_t what = gen_below(&g, 4);
		snprintf(name, sizeof(name), "previous/r%zu.csv", p);
		if (what == 3) {
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			unlink(path);
			continue;
		}
		fuzz_table(name, what == 2 ? other : cube, what == 1 ? NA - 1 : NA, NB, true,
			   gen_below(&g, 2), gen_next(&g) & gen_next(&g));
	}
	if (manifest_parse(mtext, at, "fuzz", &man, &err) < 0)
		abort();
	for (size_t f = 0; f < nf; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[f]);
		files[f] = strdup(path);
		decls[f] = &man.outputs[f];
	}
	snprintf(path, sizeof(path), "%s/previous", dir);
	if (joint_plan_build(&pol, decls, files, nf, path, sdc_check, &plan, &err) < 0)
		abort();
	/* one pattern: the same cell (codes and true value) hidden
	 * everywhere or nowhere among the tables of the run */
	for (size_t f = 0; f < nf; f++) {
		struct rows x;
		if (!plan.f[f].hide)
			continue;
		fuzz_rows(files[f], by_b[f], &x);
		if (x.n != plan.f[f].nrows)
			abort();
		for (size_t h = f + 1; h < nf; h++) {
			struct rows y;
			if (!plan.f[h].hide)
				continue;
			fuzz_rows(files[h], by_b[h], &y);
			for (size_t i = 0; i < x.n; i++)
				for (size_t j = 0; j < y.n; j++)
					if (!strcmp(x.key[i], y.key[j]) && x.v[i] == y.v[j] &&
					    plan.f[f].hide[i] != plan.f[h].hide[j]) {
						if (getenv("FUZZ_JOINT_DEBUG"))
							fprintf(stderr, "%s row %zu (%s = %ld) hidden %d, %s row %zu hidden %d\n", files[f], i, x.key[i], x.v[i], plan.f[f].hide[i], files[h], j, plan.f[h].hide[j]);
						abort();
					}
		}
	}
	joint_plan_free(&plan);
	for (size_t f = 0; f < nf; f++)
		free(files[f]);
	manifest_free(&man);
	return 0;
}
