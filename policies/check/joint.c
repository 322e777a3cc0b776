/* Joint disclosure control (joint.h; policies/check/README.md, "Joint
 * check").
 *
 * A researcher sees every output of a job together, and every earlier
 * release of the project beside them. Checked one at a time, a 2-way
 * table without margins and its 1-way margin in a second file each pass,
 * and together give back every cell hidden alone in its row. So the
 * tables that can be linked are put into one system before any file is
 * checked:
 *
 * - Tables are grouped by what they measure: frequency tables (counts)
 *   together, magnitude tables by their value column. A group's
 *   dimensions are the union of its tables' dimensions, by name. A cell
 *   of any table is a point of that space: a dimension the table does
 *   not have, or its declared total code, is the total of that dimension
 *   (a hierarchy's root only: codes below it stay codes).
 * - The same point in two tables is one cell. The checker knows every
 *   true value of the run, so a table whose values disagree with the
 *   group's on a shared point counts another population and is left out
 *   (checked alone, as before). An earlier release is linked the same
 *   way, on the values it released; the cells it hid are unknowns.
 * - Equations: every table's own margins, and across tables, every point
 *   with a total equals the sum of the points below it, kept only when
 *   the true values add up (an attacker can assume nothing that does not
 *   hold) or when an unknown makes them impossible to test.
 * - Every cell hidden by a table's own check is hidden in the system, a
 *   cell an earlier release hid stays hidden (locked: never released
 *   again), and one of small value is a primary cell of the system. The
 *   complements are then chosen and audited over the whole system by
 *   suppress.c and audit.c, unchanged.
 *
 * Each file is then checked with that pattern: a cell the system hides
 * is hidden in every table that shows it (rule `linked` when its own
 * check did not hide it), and a file whose cells the joint audit cannot
 * protect is held for review. Rounding packs are not joined: one count
 * has one released value in every table (round.c). */
#include "joint.h"
#include "joint_int.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "cleanup.h"
#include "csv.h"
#include "fnv.h"
#include "jointdims.h"
#include "sdc.h"

/* A current table: read, checked by its own rules, its pattern kept. 1
 * when it cannot be joined (unreadable, malformed, held, failed). */
static int joint_current(const struct policy *pol, joint_own_check_fn own_check,
			 struct joint_src *s, const char *file, struct trex_err *err)
{
	struct sdc_result res;
	struct stat st;
	struct trex_err e2 = {0};
	int r;

	if (stat(file, &st) != 0 || !S_ISREG(st.st_mode))
		return 1;
	if (st.st_size > JOINT_MAX_BYTES)
		return 2;
	if (csv_read_file(file, &s->csv, &e2) < 0)
		return 1;
	if (s->csv.nrows > JOINT_MAX_CELLS)
		return 2;
	if (sdc_table_open(&s->t, &s->csv, s->decl, file, &e2) < 0)
		return 1;
	s->t.csv = &s->csv;
	if (sdc_result_init(&res, s->csv.nrows) < 0)
		return trex_err_set(err, -ENOMEM, "%s: joint check", file);
	r = own_check(pol, &s->t, &res, &e2);
	if (r == -ENOMEM) {
		sdc_result_free(&res);
		return trex_err_set(err, r, "%s: joint check", file);
	}
	if (r < 0 || res.verdict >= SDC_REVIEW) {
		sdc_result_free(&res);
		return 1;
	}
	s->state = TREX_TAKE(res.state);
	sdc_result_free(&res);
	s->vcol = s->decl->kind == KIND_FREQUENCY ? s->t.count_col : s->t.value_col;
	s->ccol = s->t.contrib_col;
	return s->state && s->vcol >= 0 ? 0 : 1;
}

/* A code no table of the group uses, for the totals of the joint table. */
static char *joint_total_name(const struct joint_group *g)
{
	for (size_t len = 1; len < 64; len++) {
		char *s = trex_malloc(len + 1);
		bool used = false;
		if (!s)
			return NULL;
		memset(s, '*', len);
		s[len] = '\0';
		for (size_t c = 0; c < g->ncells && !used; c++)
			for (size_t d = 0; d < g->nd && !used; d++)
				used = g->key[c * g->nd + d] && !strcmp(g->key[c * g->nd + d], s);
		if (!used)
			return s;
		trex_free(s);
	}
	return NULL;
}

/* A column name not among the dimensions'. */
static void joint_col_name(const struct joint_group *g, const char *base, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "%s", base);

	for (; joint_dim(g, out) != SIZE_MAX && n + 2 < size; n++) {
		out[n] = '_';
		out[n + 1] = '\0';
	}
}

/* The group's cells as one table with a total code per dimension: text,
 * then parsed as any table is (the suppression and the audit read it). */
static int joint_table(const struct joint_group *g, const char *tot, struct csv_table *csv,
		       json_t **decl_json, char names[][64])
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct trex_err e2 = {0};
	json_t *dims, *totals;
	int r = 0;

	if (!f)
		return -ENOMEM;
	joint_col_name(g, "value", names[0], 64);
	joint_col_name(g, "contributors", names[1], 64);
	joint_col_name(g, "instance", names[66], 64);
	for (size_t d = 0; d < g->nd; d++) {
		csv_write_field(f, g->dims[d]);
		fputc(',', f);
	}
	/* cells of an instance of their own: one more dimension, without a
	 * total, so the table's equations never mix instances */
	if (g->ninst)
		fprintf(f, "%s,", names[66]);
	fputs(names[0], f);
	if (g->kind == KIND_MAGNITUDE) {
		fprintf(f, ",%s", names[1]);
		for (size_t k = 0; k < g->nlargest; k++) {
			char b[64];
			snprintf(b, sizeof(b), "largest%zu", k + 1);
			joint_col_name(g, b, names[2 + k], 64);
			fprintf(f, ",%s", names[2 + k]);
		}
	}
	fputc('\n', f);
	for (size_t c = 0; c < g->ncells; c++) {
		const struct joint_src *s = g->from_src[c] == SIZE_MAX ? NULL : &g->src[g->from_src[c]];
		for (size_t d = 0; d < g->nd; d++) {
			const char *k = g->key[c * g->nd + d];
			csv_write_field(f, k ? k : tot);
			fputc(',', f);
		}
		if (g->ninst)
			fprintf(f, "%zu,", g->inst[c]);
		if (!isnan(g->value[c]))
			fprintf(f, "%.17g", g->value[c]);
		if (g->kind == KIND_MAGNITUDE) {
			fputc(',', f);
			if (s && s->ccol >= 0)
				csv_write_field(f, csv_field(&s->csv, g->from_row[c], (size_t)s->ccol));
			for (size_t k = 0; k < g->nlargest; k++) {
				fputc(',', f);
				if (s && k < s->decl->nlargest)
					csv_write_field(f, csv_field(&s->csv, g->from_row[c],
								     (size_t)s->t.largest_col[k]));
			}
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	r = csv_parse_mem(text, len, "joint", csv, &e2);
	if (r < 0)
		return r;
	dims = json_array();
	totals = json_object();
	for (size_t d = 0; d < g->nd; d++) {
		json_array_append_new(dims, json_string(g->dims[d]));
		json_object_set_new(totals, g->dims[d], json_pack("[s]", tot));
	}
	if (g->ninst)
		json_array_append_new(dims, json_string(names[66]));
	if (g->kind == KIND_FREQUENCY) {
		*decl_json = json_pack("{s:s, s:s, s:o, s:s, s:o}", "path", "joint", "kind",
				       "frequency_table", "dimensions", dims, "count", names[0],
				       "total_codes", totals);
	} else {
		*decl_json = json_pack("{s:s, s:s, s:o, s:s, s:s, s:o}", "path", "joint", "kind",
				       "magnitude_table", "dimensions", dims, "value", names[0],
				       "contributors", names[1], "total_codes", totals);
		if (*decl_json && g->nlargest) {
			json_t *largest = json_array();
			for (size_t k = 0; k < g->nlargest; k++)
				json_array_append_new(largest, json_string(names[2 + k]));
			json_object_set_new(*decl_json, "largest", largest);
		}
	}
	return *decl_json ? 0 : -ENOMEM;
}

/* Solve one group: the pattern over its cells, then each current table's
 * share of it. */
static int joint_solve(const struct policy *pol, struct joint_group *g, struct joint_plan *plan,
		       struct trex_err *err)
{
	_cleanup_free_ char *tot = NULL;
	struct csv_table csv = {0};
	struct output_decl decl = {0};
	json_t *dj = NULL;
	char names[67][64];
	struct sdc_table jt;
	struct sdc_result jres = {0};
	struct sdc_margins m;
	struct joint_eqs q = {0};
	bool review = false, hides = false;
	int r = 0;

	for (size_t c = 0; c < g->ncells; c++)
		hides |= g->own[c] != CELL_OK || g->locked[c];
	/* the sources moved as the group grew: their tables' csv again */
	for (size_t i = 0; i < g->nsrc; i++)
		g->src[i].t.csv = &g->src[i].csv;
	if (!hides)
		return 0; /* nothing hidden anywhere: nothing to protect */
	if (g->ncells > JOINT_MAX_CELLS) {
		review = true;
		goto share;
	}
	tot = joint_total_name(g);
	r = tot ? joint_table(g, tot, &csv, &dj, names) : -EINVAL;
	if (r == 0)
		r = manifest_decl_from_json(dj, "joint", 0, &decl, err);
	json_decref(dj);
	if (r == 0)
		r = sdc_table_open(&jt, &csv, &decl, "joint", err);
	if (r == 0)
		r = sdc_result_init(&jres, g->ncells);
	if (r == 0)
		r = margineqs_build(&jt, &m, err);
	if (r < 0) {
		sdc_result_free(&jres);
		memset(&jres, 0, sizeof(jres));
		if (r == -ENOMEM) {
			manifest_decl_free(&decl);
			csv_free(&csv);
			return trex_err_set(err, r, "joint check");
		}
		/* a system that cannot be built is one nobody checked: what
		 * its tables hide goes to a person (decl and csv are freed
		 * below) */
		err->msg[0] = '\0';
		review = true;
		r = 0;
		goto share;
	}
	r = joint_equations(g, &m, &q, err);
	trex_free(m.eq_off);
	trex_free(m.eq_row);
	trex_free(m.eq_coef);
	m.neq = q.neq;
	m.eq_off = q.off ? q.off : trex_calloc(1, sizeof(size_t));
	m.eq_row = q.row;
	m.eq_coef = q.coef;
	trex_free(q.hash);
	trex_free(q.hslots);
	for (size_t c = 0; c < g->ncells && !m.locked; c++)
		if (g->locked[c])
			m.locked = g->locked;
	plan->equations += q.neq;
	plan->cells += g->ncells;
	for (size_t c = 0; c < g->ncells; c++) {
		unsigned char st = g->own[c];
		/* a cell an earlier release hid, of a value that is small here:
		 * a primary cell now (magnitudes: the release's own rules
		 * judged it, a complement here) */
		if (g->locked[c] && st == CELL_OK)
			st = g->kind == KIND_FREQUENCY && !isnan(g->value[c]) &&
					     ((g->value[c] == 0 && pol->zeros_are_disclosive) ||
					      (g->value[c] > 0 && g->value[c] < (double)pol->safe_threshold))
				     ? CELL_PRIMARY
				     : CELL_SECONDARY;
		jres.state[c] = st;
		jres.nprimary += st == CELL_PRIMARY;
		jres.nsecondary += st == CELL_SECONDARY;
	}
	if (r == 0 && m.eq_off)
		r = suppress_pattern(pol, &jt, &jres, &m, err);
	else
		margineqs_free(&m);
	if (r == 0) {
		review = jres.verdict >= SDC_REVIEW;
		for (size_t c = 0; c < g->ncells && jres.audit && !review; c++)
			review = jres.state[c] == CELL_PRIMARY && !isnan(g->value[c]) &&
				 jres.audit[c].by != AUDIT_OK;
	}
share:
	for (size_t i = 0; i < g->nsrc && r == 0; i++) {
		struct joint_src *s = &g->src[i];
		struct joint_file *f;
		if (!s->current || s->out)
			continue;
		f = &plan->f[s->file];
		f->nrows = s->csv.nrows;
		f->hide = trex_calloc(s->csv.nrows + 1, 1);
		f->own = trex_calloc(s->csv.nrows + 1, 1);
		if (!f->hide || !f->own) {
			r = trex_err_set(err, -ENOMEM, "joint check");
			break;
		}
		for (size_t row = 0; row < s->csv.nrows; row++) {
			f->own[row] = s->state[row] != CELL_OK;
			f->hide[row] = jres.state ? jres.state[s->cell[row]] != CELL_OK : f->own[row];
			f->review |= review && f->hide[row];
		}
		plan->tables++;
	}
	plan->groups++;
	sdc_result_free(&jres);
	manifest_decl_free(&decl);
	csv_free(&csv);
	return r;
}

void joint_plan_free(struct joint_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		trex_free(plan->f[i].hide);
		trex_free(plan->f[i].own);
	}
	trex_free(plan->f);
	memset(plan, 0, sizeof(*plan));
}

/* A declaration the joint check takes: a frequency table, or a
 * magnitude table with its value column. */
static bool joint_candidate(const struct output_decl *d)
{
	return d->kind == KIND_FREQUENCY || (d->kind == KIND_MAGNITUDE && d->value);
}

int joint_plan_build(const struct policy *pol, const struct output_decl *const *decls,
		     char *const *files, size_t nfiles, const char *prevdir,
		     joint_own_check_fn own_check, struct joint_plan *plan,
		     struct trex_err *err)
{
	struct joint_group *groups = NULL;
	size_t ngroups = 0;
	const char *(*names)[MANIFEST_MAX_DIMS] = NULL;
	struct joint_codes (*codes)[MANIFEST_MAX_DIMS] = NULL;
	struct csv_table *pre = NULL;
	int r = 0;

	memset(plan, 0, sizeof(*plan));
	plan->f = trex_calloc(nfiles + 1, sizeof(*plan->f));
	if (!plan->f)
		return trex_err_set(err, -ENOMEM, "joint check");
	plan->n = nfiles;
	if (pol->method != POLICY_SUPPRESS)
		return 0;
	/* what each dimension is called in the joint system: its name, or
	 * that of another table's dimension alike in content (jointdims.c),
	 * read when anything could be joined */
	names = trex_calloc(nfiles + 1, sizeof(*names));
	codes = trex_calloc(nfiles + 1, sizeof(*codes));
	pre = trex_calloc(nfiles + 1, sizeof(*pre));
	if (!names || !codes || !pre)
		r = -ENOMEM;
	for (size_t i = 0; i < nfiles && r == 0; i++) {
		struct stat st;
		struct trex_err e2 = {0};
		if (decls[i] && joint_candidate(decls[i]) && (nfiles > 1 || prevdir) &&
		    stat(files[i], &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= JOINT_MAX_BYTES &&
		    csv_read_file(files[i], &pre[i], &e2) < 0)
			memset(&pre[i], 0, sizeof(pre[i]));
	}
	if (r == 0)
		r = joint_dims_name(decls, pre, nfiles, names, codes);
	/* this run's tables, by declaration */
	for (size_t i = 0; i < nfiles && r == 0; i++) {
		const struct output_decl *d = decls[i];
		struct joint_group *g;
		struct joint_src *s;
		if (!d || !joint_candidate(d))
			continue;
		if (!(g = joint_group_of(&groups, &ngroups, d, names[i], &r)))
			continue;
		if ((r = joint_src_push(g, &s)) < 0)
			break;
		s->current = true;
		s->file = i;
		s->decl = d;
		for (size_t k = 0; k < d->ndims && r == 0; k++) {
			size_t dd = joint_dim(g, names[i][k]);
			s->tot[dd] = joint_total_code(d, d->dims[k]);
			r = joint_codes_union(&g->codes[dd], &codes[i][k]);
		}
		g->ncur++;
	}
	if (r == 0 && prevdir)
		r = joint_releases(groups, ngroups, prevdir, err);
	for (size_t i = 0; i < ngroups && r == 0; i++) {
		struct joint_group *g = &groups[i];
		size_t linked = 0;
		if (g->nsrc < 2)
			continue;
		/* a table alone in its group is checked alone, never read
		 * twice: only these are read and checked by their own rules */
		for (size_t k = 0; k < g->nsrc && r == 0; k++) {
			struct joint_src *s = &g->src[k];
			if (!s->current)
				continue;
			r = joint_current(pol, own_check, s, files[s->file], err);
			if (r == 1 || r == 2) {
				/* left out; one too large to join is a member
				 * nonetheless: what it hides goes to a person */
				csv_free(&s->csv);
				s->out = true;
				s->large = r == 2;
				r = 0;
				continue;
			}
			for (size_t dk = 0; dk < s->decl->ndims; dk++)
				s->col[joint_dim(g, names[s->file][dk])] = s->t.dim_col[dk];
		}
		for (size_t k = 0; k < g->nsrc; k++)
			linked += !g->src[k].out;
		for (size_t k = 0; k < g->nsrc; k++)
			if (g->src[k].large && linked)
				plan->f[g->src[k].file].too_large = true;
		if (r < 0 || linked < 2)
			continue;
		g->capslots = 0;
		if ((r = joint_grow(g)) < 0)
			break;
		/* current tables first, in the order given, then releases */
		for (size_t k = 0; k < g->nsrc && r == 0; k++)
			if (!g->src[k].out)
				r = joint_add(g, &g->src[k], k);
		if (r == 0)
			r = joint_solve(pol, g, plan, err);
	}
	for (size_t i = 0; i < ngroups; i++)
		joint_group_free(&groups[i]);
	trex_free(groups);
	for (size_t i = 0; i < nfiles && codes; i++)
		for (size_t k = 0; k < MANIFEST_MAX_DIMS; k++)
			joint_codes_free(&codes[i][k]);
	for (size_t i = 0; i < nfiles && pre; i++)
		csv_free(&pre[i]);
	trex_free(names);
	trex_free(codes);
	trex_free(pre);
	if (r < 0) {
		joint_plan_free(plan);
		return r == -ENOMEM && !err->msg[0] ? trex_err_set(err, r, "joint check") : r;
	}
	return 0;
}

int joint_apply(const struct policy *pol, const struct sdc_table *t, struct sdc_result *res,
		bool held, struct trex_err *err)
{
	const struct joint_file *j = t->joint;
	const char *measure = t->decl->kind == KIND_FREQUENCY ? t->decl->count : t->decl->value;
	size_t n = t->csv->nrows;

	if (j->too_large && (res->nprimary || res->nsecondary)) {
		sdc_reason(res, "suppression_limit", SDC_REVIEW,
			   "a table with hidden cells too large to check jointly with the "
			   "job's other outputs and the project's earlier releases");
		return 0;
	}
	if (!j->hide || j->nrows != n)
		return 0;
	for (size_t row = 0; row < n; row++) {
		if (!j->hide[row] || res->state[row] != CELL_OK)
			continue;
		res->state[row] = CELL_SECONDARY;
		res->nsecondary++;
		if (j->own[row])
			sdc_note(res, t, row, measure, "secondary", NULL, "secondary",
				 "complementary suppression, over the job's outputs and the "
				 "project's earlier releases together");
		else
			sdc_note(res, t, row, measure, "linked", NULL, "secondary",
				 "hidden because another output of the job or an earlier "
				 "release shows this cell or gives it back");
	}
	if (res->nsecondary)
		sdc_worsen(res, SDC_SUPPRESSED);
	if (j->review)
		sdc_reason(res, "audit", SDC_REVIEW,
			   "the joint audit of the job's outputs and the project's earlier "
			   "releases cannot protect every hidden cell");
	/* the table's own margins: each primary cell's interval in the report */
	if (res->nprimary && t->decl->total_codes && !held)
		return audit_suppression(pol, t, res, err);
	return 0;
}
