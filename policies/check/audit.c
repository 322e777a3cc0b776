/* Audit of a suppression pattern by linear programming (GLPK): what an
 * attacker can learn about each hidden cell from the released cells and
 * the margin equations. Each hidden cell's feasible interval is
 * [min x, max x] subject to x >= 0 and every margin equation; a pattern
 * protects a primary cell only when that interval is wide enough on both
 * sides. The LP relaxation is the standard audit (tau-Argus does the same):
 * integer bounds can only be tighter by less than one unit. */
#include "sdc.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glpk.h>

#include "alloc.h"
#include "cleanup.h"

void audit_protection(const struct policy *pol, const struct sdc_table *t, double v,
		      double *lower, double *upper)
{
	/* For counts, protection is relative to the threshold as well, so a
	 * hidden 3 cannot be pinned to "between 2 and 4". */
	double base = v;
	double p = (double)pol->protection_percent / 100.0;
	if (t->decl->kind == KIND_FREQUENCY && base < (double)pol->safe_threshold)
		base = (double)pol->safe_threshold;
	*upper = fmax(1.0, ceil(p * base));
	*lower = fmin(v, *upper);
}

static int audit_glpk_hook(void *info, const char *s)
{
	return 1; /* silence GLPK's terminal output */
}

bool audit_protected(const struct policy *pol, const struct sdc_table *t, double v, double lo,
		     double hi)
{
	double lower, upper;

	audit_protection(pol, t, v, &lower, &upper);
	return lo <= v - lower + 1e-6 && hi >= v + upper - 1e-6;
}

/* The attacker's LP of a pattern: one variable per hidden cell (x >= 0),
 * one row per margin equation that holds one. */
struct audit_lp {
	glp_prob *lp;
	long *var;      /* per row: its variable, 0 when released */
	size_t nvar;
	glp_smcp parm;
};

static void audit_lp_free(struct audit_lp *a)
{
	if (a->lp)
		glp_delete_prob(a->lp);
	trex_free(a->var);
	glp_term_hook(NULL, NULL);
	memset(a, 0, sizeof(*a));
}

static int audit_lp_build(const struct sdc_margins *m, const unsigned char *state,
			  struct audit_lp *a, struct trex_err *err)
{
	size_t n = m->nrows, nrow = 0, nz = 0;
	_cleanup_free_ int *ia = NULL;
	_cleanup_free_ int *ja = NULL;
	_cleanup_free_ double *ar = NULL;

	memset(a, 0, sizeof(*a));
	a->var = trex_calloc(n + 1, sizeof(long));
	if (!a->var)
		return trex_err_set(err, -ENOMEM, "audit");
	for (size_t r = 0; r < n; r++) {
		bool unknown = state[r] == CELL_PRIMARY || state[r] == CELL_SECONDARY ||
			       isnan(m->value[r]);
		a->var[r] = unknown ? (long)++a->nvar : 0;
	}
	if (a->nvar == 0)
		return 0;
	ia = trex_calloc(m->eq_off[m->neq] + 2, sizeof(int));
	ja = trex_calloc(m->eq_off[m->neq] + 2, sizeof(int));
	ar = trex_calloc(m->eq_off[m->neq] + 2, sizeof(double));
	if (!ia || !ja || !ar) {
		audit_lp_free(a);
		return trex_err_set(err, -ENOMEM, "audit");
	}
	glp_term_hook(audit_glpk_hook, NULL);
	a->lp = glp_create_prob();
	glp_add_cols(a->lp, (int)a->nvar);
	for (size_t j = 1; j <= a->nvar; j++)
		glp_set_col_bnds(a->lp, (int)j, GLP_LO, 0.0, 0.0);
	for (size_t e = 0; e < m->neq; e++) {
		double known = 0;
		size_t first_nz = nz;
		for (size_t i = m->eq_off[e]; i < m->eq_off[e + 1]; i++) {
			size_t r = m->eq_row[i];
			if (a->var[r]) {
				nz++;
				ja[nz] = (int)a->var[r];
				ar[nz] = m->eq_coef[i];
			} else {
				known += m->eq_coef[i] * m->value[r];
			}
		}
		if (nz == first_nz)
			continue;
		glp_add_rows(a->lp, 1);
		nrow++;
		for (size_t k = first_nz + 1; k <= nz; k++)
			ia[k] = (int)nrow;
		/* sum(coef * unknown) = -known */
		glp_set_row_bnds(a->lp, (int)nrow, GLP_FX, -known, -known);
	}
	if (nz)
		glp_load_matrix(a->lp, (int)nz, ia, ja, ar);
	glp_init_smcp(&a->parm);
	a->parm.msg_lev = GLP_MSG_OFF;
	a->parm.presolve = GLP_OFF; /* plain statuses: OPT, NOFEAS, UNBND */
	return 0;
}

/* min (dir 0) or max (dir 1) of hidden row r */
static double audit_lp_bound(struct audit_lp *a, size_t r, int dir)
{
	int st;

	for (size_t j = 1; j <= a->nvar; j++)
		glp_set_obj_coef(a->lp, (int)j, 0.0);
	glp_set_obj_coef(a->lp, (int)a->var[r], 1.0);
	glp_set_obj_dir(a->lp, dir ? GLP_MAX : GLP_MIN);
	st = glp_simplex(a->lp, &a->parm);
	if (st == 0 && glp_get_status(a->lp) == GLP_OPT)
		return glp_get_obj_val(a->lp);
	if (st == 0 && glp_get_status(a->lp) == GLP_UNBND)
		return dir ? INFINITY : 0.0;
	/* margins that do not add up (or a solver failure) give no bound we
	 * can trust: an empty interval */
	return dir ? -INFINITY : INFINITY;
}

int audit_intervals(const struct sdc_margins *m, const unsigned char *state, double *lo,
		    double *hi, struct trex_err *err)
{
	struct audit_lp a;
	int r = audit_lp_build(m, state, &a, err);

	if (r < 0)
		return r;
	for (size_t row = 0; row < m->nrows; row++) {
		lo[row] = hi[row] = m->value[row];
		/* only primary cells are judged: bounding the complements too
		 * doubled the work of the audit for nothing */
		if (!a.var[row])
			continue;
		if (state[row] != CELL_PRIMARY) {
			lo[row] = 0.0;
			hi[row] = INFINITY;
			continue;
		}
		lo[row] = audit_lp_bound(&a, row, 0);
		hi[row] = audit_lp_bound(&a, row, 1);
	}
	audit_lp_free(&a);
	return 0;
}

int audit_holds(const struct policy *pol, const struct sdc_table *t,
		const struct sdc_margins *m, const unsigned char *state, const size_t *first,
		size_t nfirst, size_t *solves, bool *holds, struct trex_err *err)
{
	struct audit_lp a;
	int r = audit_lp_build(m, state, &a, err);

	*holds = true;
	if (r < 0)
		return r;
	for (size_t k = 0; k < nfirst + m->nrows && *holds; k++) {
		size_t row = k < nfirst ? first[k] : k - nfirst;
		double v = m->value[row];

		if (!a.var[row] || state[row] != CELL_PRIMARY || isnan(v))
			continue;
		if (k >= nfirst) {
			/* checked already when it was one of the first */
			bool seen = false;
			for (size_t i = 0; i < nfirst && !seen; i++)
				seen = first[i] == row;
			if (seen)
				continue;
		}
		*solves += 2;
		*holds = audit_protected(pol, t, v, audit_lp_bound(&a, row, 0),
					 audit_lp_bound(&a, row, 1));
	}
	audit_lp_free(&a);
	return 0;
}

/* Attach each hidden primary cell's interval to its decision and fail the
 * file to review when the pattern does not protect it. */
int audit_suppression(const struct policy *pol, const struct sdc_table *t,
		      struct sdc_result *res, struct trex_err *err)
{
	struct sdc_margins m;
	_cleanup_free_ double *lo = NULL;
	_cleanup_free_ double *hi = NULL;
	size_t n = t->csv->nrows, weak = 0;
	int r;

	if (n > 20000)
		return 0; /* suppress_secondary already held it for review */
	r = suppress_margins_build(t, &m, err);
	if (r < 0)
		return r;
	if (res->audit_lo && res->audit_hi) {
		/* suppress_secondary audited this very pattern last */
		lo = TREX_TAKE(res->audit_lo);
		hi = TREX_TAKE(res->audit_hi);
		r = 0;
	} else {
		lo = trex_calloc(n + 1, sizeof(double));
		hi = trex_calloc(n + 1, sizeof(double));
		if (!lo || !hi) {
			suppress_margins_free(&m);
			return trex_err_set(err, -ENOMEM, "audit");
		}
		r = audit_intervals(&m, res->state, lo, hi, err);
	}
	if (r < 0) {
		suppress_margins_free(&m);
		return r;
	}
	/* one pass over the decisions (not one per hidden cell: a large table
	 * made that quadratic) */
	for (size_t i = 0, ndec = res->ndecisions; i < ndec; i++) {
		struct sdc_cell *c = &res->cells[i];
		size_t row = c->row;
		json_t *params;
		bool ok;

		if (res->state[row] != CELL_PRIMARY || isnan(m.value[row]) ||
		    strcmp(c->action, "primary"))
			continue;
		ok = audit_protected(pol, t, m.value[row], lo[row], hi[row]);
		/* params may be shared with other cells: give this one its own */
		params = c->params ? json_deep_copy(c->params) : json_object();
		if (!params) {
			suppress_margins_free(&m);
			return trex_err_set(err, -ENOMEM, "audit");
		}
		json_object_set_new(params, "interval",
				    json_pack("[f, o]", lo[row],
					      isinf(hi[row]) ? json_null() : json_real(hi[row])));
		json_object_set_new(params, "protected", json_boolean(ok));
		json_decref(c->params);
		c->params = params;
	}
	for (size_t row = 0; row < n; row++) {
		double lower, upper;

		if (res->state[row] != CELL_PRIMARY || isnan(m.value[row]))
			continue;
		if (audit_protected(pol, t, m.value[row], lo[row], hi[row]))
			continue;
		audit_protection(pol, t, m.value[row], &lower, &upper);
		weak++;
		sdc_note(res, t, row, t->decl->count ? t->decl->count : t->decl->value, "audit",
			 json_pack("{s:f, s:f}", "lower", lower, "upper", upper), "review",
			 "hidden cell can be narrowed to [%g, %g]", lo[row], hi[row]);
	}
	suppress_margins_free(&m);
	if (weak) {
		sdc_reason(res, "audit", SDC_REVIEW, "suppression audit: %zu hidden cell(s) not protected",
			   weak);
	}
	return 0;
}
