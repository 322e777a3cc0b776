/* Audit of a suppression pattern by linear programming (GLPK): what an
 * attacker can learn about each hidden primary cell from the released
 * table and the margin equations. Three attackers are modelled
 * (policies/check/README.md, "Suppression and its audit", says what each
 * knows and what it must not learn):
 *
 *  outsider     the released cells and the margins; every hidden cell is
 *               >= 0. The cell's feasible interval [min x, max x] must
 *               reach v - lower and v + upper (audit_protection).
 *  contributor  magnitude tables with largest contributions: the largest
 *               contributor of another hidden cell d knows their own
 *               contribution x1(d) and how many contribute to d, n(d), so
 *               d lies in [x1(d), n(d) x1(d)] -- d's value itself when
 *               they are alone in it (tau-ARGUS's and sdcTable's
 *               "singleton"). The cell's interval under that knowledge
 *               must reach what the outsider's must.
 *  coalition    the cell's own largest contributors: under (n,k)-dominance
 *               the n-1 largest know their sum s and bound the others'
 *               share by max x - s; under the p% rule the second largest
 *               bounds the largest by max x - x2. max x must reach
 *               (x1 + .. + xn) / k and (1 + p) x1 + x2, the upper
 *               protection levels of the two rules (the SDC handbook's and
 *               tau-ARGUS's): at max x the cell would pass both rules.
 *               What they know of their own cell cannot lower max x (the
 *               true table stays feasible), so it is the outsider's max x.
 *
 * The LP relaxation is the standard audit (tau-Argus does the same):
 * integer bounds can only be tighter by less than one unit. */
#include "sdc.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glpk.h>

#include "alloc.h"
#include "cleanup.h"

#define AUDIT_TOL 1e-6

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
	return lo <= v - lower + AUDIT_TOL && hi >= v + upper - AUDIT_TOL;
}

/* ---- what the largest contributors know ---- */

void audit_insiders_free(struct sdc_margins *m)
{
	trex_free(m->own_lo);
	trex_free(m->own_hi);
	trex_free(m->need_hi);
	m->own_lo = m->own_hi = m->need_hi = NULL;
}

int audit_insiders(const struct policy *pol, const struct sdc_table *t, struct sdc_margins *m,
		   struct trex_err *err)
{
	const struct output_decl *d = t->decl;
	const size_t n = m->nrows;

	audit_insiders_free(m);
	if (d->kind != KIND_MAGNITUDE || d->nlargest == 0 || t->contrib_col < 0)
		return 0;
	m->own_lo = trex_calloc(n + 1, sizeof(double));
	m->own_hi = trex_calloc(n + 1, sizeof(double));
	m->need_hi = trex_calloc(n + 1, sizeof(double));
	if (!m->own_lo || !m->own_hi || !m->need_hi) {
		audit_insiders_free(m);
		return trex_err_set(err, -ENOMEM, "%s: audit", t->name);
	}
	for (size_t row = 0; row < n; row++) {
		double v = m->value[row], x[64], nc, top = 0;
		size_t nx = 0;

		m->own_lo[row] = m->own_hi[row] = NAN;
		m->need_hi[row] = 0;
		if (isnan(v) || v < 0 ||
		    sdc_parse_number(csv_field(t->csv, row, (size_t)t->contrib_col), &nc) != 0 ||
		    nc < 1 || nc != floor(nc))
			continue;
		while (nx < d->nlargest && nx < 64 &&
		       sdc_parse_number(csv_field(t->csv, row, (size_t)t->largest_col[nx]),
					&x[nx]) == 0 &&
		       x[nx] >= 0)
			nx++;
		if (nx == 0)
			continue;
		/* what d's largest contributor knows of d: the largest is at
		 * least its share and at most the cell; clamped to the cell's
		 * value, so that the true table stays feasible whatever the
		 * columns say */
		m->own_lo[row] = fmin(x[0], v);
		m->own_hi[row] = fmax(nc * x[0], v);
		if (nc >= 2 && nx >= 2)
			m->need_hi[row] = (1.0 + pol->safe_pratio_p) * x[0] + x[1];
		if (pol->safe_nk_k > 0 && nc >= (double)pol->safe_nk_n &&
		    nx >= (size_t)pol->safe_nk_n) {
			for (long i = 0; i < pol->safe_nk_n; i++)
				top += x[i];
			m->need_hi[row] = fmax(m->need_hi[row], top / pol->safe_nk_k);
		}
	}
	return 0;
}

/* ---- the attacker's LP ---- */

/* One variable per hidden cell (x >= 0), one row per margin equation that
 * holds one. With contributor attackers, a second LP (cert) proves most of
 * them harmless at once: the same variables and equations, plus per
 * attacker d a row x_d - p_d + q_d in [own_lo, own_hi] with p_d, q_d >= 0,
 * the distance by which a point leaves what d's contributor knows. */
struct audit_lp {
	glp_prob *lp, *cert;
	long *var;      /* per row: its variable, 0 when released */
	size_t nvar;
	size_t *row;    /* per variable: its row */
	size_t *comp;   /* per variable: its connected component (a variable) */
	/* contributor attackers: hidden rows whose largest contributor knows
	 * something (own_lo > 0 or own_hi finite); their values in the last
	 * lower and upper solution; per attacker scratch */
	size_t *ins, nins;
	double *smin, *smax;
	unsigned char *pending, *cost;
	glp_smcp parm;
};

static void audit_lp_free(struct audit_lp *a)
{
	if (a->lp)
		glp_delete_prob(a->lp);
	if (a->cert)
		glp_delete_prob(a->cert);
	trex_free(a->var);
	trex_free(a->row);
	trex_free(a->comp);
	trex_free(a->ins);
	trex_free(a->smin);
	trex_free(a->smax);
	trex_free(a->pending);
	trex_free(a->cost);
	glp_term_hook(NULL, NULL);
	memset(a, 0, sizeof(*a));
}

static size_t audit_find(size_t *p, size_t x)
{
	while (p[x] != x) {
		p[x] = p[p[x]];
		x = p[x];
	}
	return x;
}

static bool audit_is_insider(const struct sdc_margins *m, size_t row)
{
	return m->own_lo && !isnan(m->own_lo[row]) &&
	       (m->own_lo[row] > 0 || m->own_hi[row] < INFINITY);
}

static void audit_set_bounds(glp_prob *lp, int j, double lo, double hi)
{
	if (hi <= lo)
		glp_set_col_bnds(lp, j, GLP_FX, lo, lo);
	else if (isinf(hi))
		glp_set_col_bnds(lp, j, GLP_LO, lo, 0.0);
	else
		glp_set_col_bnds(lp, j, GLP_DB, lo, hi);
}

/* The certificate LP: the equations (ia, ja, ar, nz entries, nrow rows,
 * their bounds read from lp) and a row per attacker. */
static void audit_cert_build(const struct sdc_margins *m, struct audit_lp *a, int *ia, int *ja,
			     double *ar, size_t nz, size_t nrow)
{
	const size_t nv = a->nvar;

	a->cert = glp_create_prob();
	glp_add_cols(a->cert, (int)(nv + 2 * a->nins));
	for (size_t j = 1; j <= nv + 2 * a->nins; j++)
		glp_set_col_bnds(a->cert, (int)j, GLP_LO, 0.0, 0.0);
	glp_add_rows(a->cert, (int)(nrow + a->nins));
	for (size_t i = 1; i <= nrow; i++) {
		double b = glp_get_row_lb(a->lp, (int)i);
		glp_set_row_bnds(a->cert, (int)i, GLP_FX, b, b);
	}
	for (size_t k = 0; k < a->nins; k++) {
		size_t d = a->row[a->ins[k]];
		int r = (int)(nrow + k + 1);
		double lo = m->own_lo[d], hi = m->own_hi[d];

		if (hi <= lo)
			glp_set_row_bnds(a->cert, r, GLP_FX, lo, lo);
		else if (isinf(hi))
			glp_set_row_bnds(a->cert, r, GLP_LO, lo, 0.0);
		else
			glp_set_row_bnds(a->cert, r, GLP_DB, lo, hi);
		ia[++nz] = r, ja[nz] = (int)a->ins[k], ar[nz] = 1.0;
		ia[++nz] = r, ja[nz] = (int)(nv + 2 * k + 1), ar[nz] = -1.0;
		ia[++nz] = r, ja[nz] = (int)(nv + 2 * k + 2), ar[nz] = 1.0;
	}
	glp_load_matrix(a->cert, (int)nz, ia, ja, ar);
	glp_set_obj_dir(a->cert, GLP_MIN);
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
	/* variables in canonical order (sdc.h, struct sdc_margins): the same
	 * LP, column for column, however the table's rows come */
	for (size_t k = 0; k < n; k++) {
		size_t r = m->order[k];
		bool unknown = state[r] == CELL_PRIMARY || state[r] == CELL_SECONDARY ||
			       isnan(m->value[r]);
		a->var[r] = unknown ? (long)++a->nvar : 0;
		a->nins += unknown && audit_is_insider(m, r);
	}
	if (a->nvar == 0)
		return 0;
	ia = trex_calloc(m->eq_off[m->neq] + 3 * a->nins + 2, sizeof(int));
	ja = trex_calloc(m->eq_off[m->neq] + 3 * a->nins + 2, sizeof(int));
	ar = trex_calloc(m->eq_off[m->neq] + 3 * a->nins + 2, sizeof(double));
	a->row = trex_calloc(a->nvar + 1, sizeof(size_t));
	a->comp = trex_calloc(a->nvar + 1, sizeof(size_t));
	a->ins = trex_calloc(a->nins + 1, sizeof(size_t));
	a->smin = trex_calloc(a->nins + 1, sizeof(double));
	a->smax = trex_calloc(a->nins + 1, sizeof(double));
	a->pending = trex_calloc(a->nins + 1, 1);
	a->cost = trex_calloc(a->nins + 1, 1);
	if (!ia || !ja || !ar || !a->row || !a->comp || !a->ins || !a->smin || !a->smax ||
	    !a->pending || !a->cost) {
		audit_lp_free(a);
		return trex_err_set(err, -ENOMEM, "audit");
	}
	a->nins = 0;
	for (size_t k = 0; k < n; k++) {
		size_t r = m->order[k];
		if (!a->var[r])
			continue;
		a->row[a->var[r]] = r;
		a->comp[a->var[r]] = (size_t)a->var[r];
		if (audit_is_insider(m, r))
			a->ins[a->nins++] = (size_t)a->var[r];
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
				/* the hidden cells of one equation are linked */
				a->comp[audit_find(a->comp, (size_t)ja[nz])] =
					audit_find(a->comp, (size_t)ja[first_nz + 1]);
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
	for (size_t j = 1; j <= a->nvar; j++)
		a->comp[j] = audit_find(a->comp, j);
	if (nz)
		glp_load_matrix(a->lp, (int)nz, ia, ja, ar);
	if (a->nins)
		audit_cert_build(m, a, ia, ja, ar, nz, nrow);
	glp_init_smcp(&a->parm);
	a->parm.msg_lev = GLP_MSG_OFF;
	a->parm.presolve = GLP_OFF; /* plain statuses: OPT, NOFEAS, UNBND */
	return 0;
}

/* min (dir 0) or max (dir 1) of variable j; *at gets the solution's value
 * of every contributor attacker (when not NULL and the LP has an optimum) */
static double audit_lp_solve(struct audit_lp *a, long j, int dir, double *at)
{
	int st;

	for (size_t k = 1; k <= a->nvar; k++)
		glp_set_obj_coef(a->lp, (int)k, 0.0);
	glp_set_obj_coef(a->lp, (int)j, 1.0);
	glp_set_obj_dir(a->lp, dir ? GLP_MAX : GLP_MIN);
	st = glp_simplex(a->lp, &a->parm);
	if (st == 0 && glp_get_status(a->lp) == GLP_OPT) {
		for (size_t k = 0; at && k < a->nins; k++)
			at[k] = glp_get_col_prim(a->lp, (int)a->ins[k]);
		return glp_get_obj_val(a->lp);
	}
	if (st == 0 && glp_get_status(a->lp) == GLP_UNBND)
		return dir ? INFINITY : 0.0;
	/* margins that do not add up (or a solver failure) give no bound we
	 * can trust: an empty interval */
	return dir ? -INFINITY : INFINITY;
}

static double audit_lp_bound(struct audit_lp *a, size_t r, int dir)
{
	return audit_lp_solve(a, a->var[r], dir, NULL);
}

/* The bound of variable j when attacker d (a variable) knows d lies in
 * [lo, hi]; the LP is left as it was. */
static double audit_lp_knowing(struct audit_lp *a, long j, int dir, size_t d, double lo,
			       double hi)
{
	double b;

	audit_set_bounds(a->lp, (int)d, lo, hi);
	b = audit_lp_solve(a, j, dir, NULL);
	glp_set_col_bnds(a->lp, (int)d, GLP_LO, 0.0, 0.0);
	return b;
}

static bool audit_shortcut_on = true; /* audit_set_shortcut: tests only */

void audit_set_shortcut(bool on)
{
	audit_shortcut_on = on;
}

/* Can attacker d be shown harmless without solving an LP? The true
 * table (x_c = v, d = vd, within d's bounds) and the outsider's extreme
 * point s (x_c = ext, d = sd) are both feasible, so every point between
 * them is: at t in [0, 1], x_c = v + t (ext - v) and d = vd + t (sd - vd).
 * x_c has moved by `need` once t >= need / |ext - v|; if d is still within
 * [lo, hi] there, the attacker who knows it cannot exclude that point. */
static bool audit_convex_ok(double v, double ext, double need, double vd, double sd,
			    double lo, double hi)
{
	double t_need, t_allow = 1.0;

	if (!audit_shortcut_on || isinf(ext))
		return false;
	if (sd >= lo - AUDIT_TOL && sd <= hi + AUDIT_TOL)
		return true;
	if (fabs(ext - v) <= AUDIT_TOL)
		return false;
	t_need = need / fabs(ext - v);
	if (sd < lo)
		t_allow = vd - sd > 0 ? (vd - lo) / (vd - sd) : 0.0;
	else
		t_allow = sd - vd > 0 ? (hi - vd) / (sd - vd) : 0.0;
	return t_need <= t_allow - 1e-9;
}

/* The attackers still pending for variable j moved to `target` (dir 0:
 * at most, 1: at least): a point there that leaves as few of them as it
 * can outside what they know (least total distance), then again without
 * those it satisfied; every attacker the point leaves within its bounds
 * cannot exclude it. Clears pending[k] of those proven harmless. */
static void audit_cert(struct audit_lp *a, long j, int dir, double target, size_t *solves)
{
	const size_t nv = a->nvar;

	if (dir)
		glp_set_col_bnds(a->cert, (int)j, GLP_LO, target, 0.0);
	else
		glp_set_col_bnds(a->cert, (int)j, GLP_DB, 0.0, fmax(target, 0.0));
	for (int round = 0; round < 4; round++) {
		size_t left = 0, cleared = 0;
		int st;

		for (size_t k = 0; k < a->nins; k++) {
			if (a->pending[k] != a->cost[k]) {
				glp_set_obj_coef(a->cert, (int)(nv + 2 * k + 1), a->pending[k]);
				glp_set_obj_coef(a->cert, (int)(nv + 2 * k + 2), a->pending[k]);
				a->cost[k] = a->pending[k];
			}
			left += a->pending[k];
		}
		if (!left)
			break;
		st = glp_simplex(a->cert, &a->parm);
		(*solves)++;
		if (st != 0 || glp_get_status(a->cert) != GLP_OPT)
			break;
		for (size_t k = 0; k < a->nins; k++) {
			double out;
			if (!a->pending[k])
				continue;
			out = glp_get_col_prim(a->cert, (int)(nv + 2 * k + 1)) +
			      glp_get_col_prim(a->cert, (int)(nv + 2 * k + 2));
			if (out <= AUDIT_TOL) {
				a->pending[k] = 0;
				cleared++;
			}
		}
		if (!cleared)
			break;
	}
	glp_set_col_bnds(a->cert, (int)j, GLP_LO, 0.0, 0.0);
}

/* The contributor attackers of variable j (all but j's own, in its
 * component) that may keep it from reaching `target` in direction dir:
 * pending after the convexity shortcut and the certificate LP; the first
 * one whose own LP confirms it, or 0. */
static size_t audit_contributor(struct audit_lp *a, const struct sdc_margins *m, long j,
				int dir, double v, double ext, double need, size_t *solves)
{
	const double target = dir ? v + need : v - need;
	const double *s = dir ? a->smax : a->smin;
	size_t left = 0;

	for (size_t k = 0; k < a->nins; k++) {
		size_t dv = a->ins[k], d = a->row[dv];
		a->pending[k] = (long)dv != j && a->comp[dv] == a->comp[j] &&
				!audit_convex_ok(v, ext, need, m->value[d], s[k], m->own_lo[d],
						 m->own_hi[d]);
		left += a->pending[k];
	}
	if (left && audit_shortcut_on)
		audit_cert(a, j, dir, target, solves);
	for (size_t k = 0; k < a->nins; k++) {
		size_t dv = a->ins[k], d = a->row[dv];
		double b;
		if (!a->pending[k])
			continue;
		a->pending[k] = 0;
		(*solves)++;
		b = audit_lp_knowing(a, j, dir, dv, m->own_lo[d], m->own_hi[d]);
		if (dir ? b < target - AUDIT_TOL : b > target + AUDIT_TOL) {
			for (size_t i = k + 1; i < a->nins; i++)
				a->pending[i] = 0;
			return dv;
		}
	}
	return 0;
}

/* The audit of primary cell `row` under every attacker (the top of the
 * file); f gets the first model it fails. */
static void audit_cell(struct audit_lp *a, const struct policy *pol, const struct sdc_table *t,
		       const struct sdc_margins *m, size_t row, size_t *solves,
		       struct audit_finding *f)
{
	const long j = a->var[row];
	const double v = m->value[row];
	double lower, upper;
	size_t dv = 0;

	audit_protection(pol, t, v, &lower, &upper);
	f->by = AUDIT_OK;
	f->attacker = 0;
	f->alo = f->ahi = NAN;
	f->lo = audit_lp_solve(a, j, 0, a->smin);
	f->hi = audit_lp_solve(a, j, 1, a->smax);
	*solves += 2;
	if (!(f->lo <= v - lower + AUDIT_TOL && f->hi >= v + upper - AUDIT_TOL)) {
		f->by = AUDIT_OUTSIDER;
		return;
	}
	if (m->need_hi && f->hi < m->need_hi[row] - AUDIT_TOL) {
		f->by = AUDIT_COALITION;
		return;
	}
	if (!a->nins)
		return;
	if (lower > 0)
		dv = audit_contributor(a, m, j, 0, v, f->lo, lower, solves);
	if (!dv)
		dv = audit_contributor(a, m, j, 1, v, f->hi, upper, solves);
	if (dv) {
		size_t d = a->row[dv];
		f->by = AUDIT_CONTRIBUTOR;
		f->attacker = d;
		f->alo = audit_lp_knowing(a, j, 0, dv, m->own_lo[d], m->own_hi[d]);
		f->ahi = audit_lp_knowing(a, j, 1, dv, m->own_lo[d], m->own_hi[d]);
		*solves += 2;
	}
}

int audit_intervals(const struct sdc_margins *m, const unsigned char *state, double *lo,
		    double *hi, struct trex_err *err)
{
	struct audit_lp a;
	int r = audit_lp_build(m, state, &a, err);

	if (r < 0)
		return r;
	for (size_t k = 0; k < m->nrows; k++) {
		size_t row = m->order[k];
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

int audit_cells(const struct policy *pol, const struct sdc_table *t,
		const struct sdc_margins *m, const unsigned char *state, const unsigned char *known,
		bool intervals, struct audit_finding *f, struct trex_err *err)
{
	struct audit_lp a;
	size_t solves = 0;
	int r = audit_lp_build(m, state, &a, err);

	if (r < 0)
		return r;
	/* in canonical order: each solve starts from the last one's basis */
	for (size_t k = 0; k < m->nrows; k++) {
		size_t row = m->order[k];
		f[row] = (struct audit_finding){.by = AUDIT_OK, .lo = m->value[row],
						.hi = m->value[row], .alo = NAN, .ahi = NAN};
		if (!a.var[row])
			continue;
		if (state[row] != CELL_PRIMARY || isnan(m->value[row])) {
			f[row].lo = 0.0;
			f[row].hi = INFINITY;
			continue;
		}
		if (known && known[row]) {
			/* protected under a pattern this one only widens */
			f[row].lo = intervals ? audit_lp_bound(&a, row, 0) : NAN;
			f[row].hi = intervals ? audit_lp_bound(&a, row, 1) : NAN;
			continue;
		}
		audit_cell(&a, pol, t, m, row, &solves, &f[row]);
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
		/* then the others in canonical order: the count of solves
		 * (the pruning's budget) must not depend on the rows' order */
		size_t row = k < nfirst ? first[k] : m->order[k - nfirst];
		struct audit_finding f;

		if (!a.var[row] || state[row] != CELL_PRIMARY || isnan(m->value[row]))
			continue;
		if (k >= nfirst) {
			/* checked already when it was one of the first */
			bool seen = false;
			for (size_t i = 0; i < nfirst && !seen; i++)
				seen = first[i] == row;
			if (seen)
				continue;
		}
		audit_cell(&a, pol, t, m, row, solves, &f);
		*holds = f.by == AUDIT_OK;
	}
	audit_lp_free(&a);
	return 0;
}

/* ---- the report ---- */

static const char *const audit_rule[] = {
	[AUDIT_OUTSIDER] = "audit",
	[AUDIT_CONTRIBUTOR] = "audit_contributor",
	[AUDIT_COALITION] = "audit_coalition",
};

/* Attach each hidden primary cell's interval to its decision and send the
 * file to review when the pattern does not protect it from some attacker. */
int audit_suppression(const struct policy *pol, const struct sdc_table *t,
		      struct sdc_result *res, struct trex_err *err)
{
	struct sdc_margins m;
	_cleanup_free_ struct audit_finding *f = NULL;
	size_t n = t->csv->nrows, weak[4] = {0};
	const char *measure = t->decl->count ? t->decl->count : t->decl->value;
	int r;

	if (n > 20000)
		return 0; /* suppress_secondary already held it for review */
	r = margineqs_build(t, &m, err);
	if (r < 0)
		return r;
	if (res->audit) {
		/* suppress_secondary audited this very pattern last */
		f = TREX_TAKE(res->audit);
	} else {
		f = trex_calloc(n + 1, sizeof(*f));
		r = f ? audit_insiders(pol, t, &m, err) : trex_err_set(err, -ENOMEM, "audit");
		if (r == 0)
			r = audit_cells(pol, t, &m, res->state, NULL, true, f, err);
	}
	if (r < 0) {
		margineqs_free(&m);
		return r;
	}
	/* one pass over the decisions (not one per hidden cell: a large table
	 * made that quadratic) */
	for (size_t i = 0, ndec = res->ndecisions; i < ndec; i++) {
		struct sdc_cell *c = &res->cells[i];
		size_t row = c->row;
		json_t *params;

		if (res->state[row] != CELL_PRIMARY || isnan(m.value[row]) ||
		    strcmp(c->action, "primary"))
			continue;
		/* params may be shared with other cells: give this one its own */
		params = c->params ? json_deep_copy(c->params) : json_object();
		if (!params) {
			margineqs_free(&m);
			return trex_err_set(err, -ENOMEM, "audit");
		}
		json_object_set_new(params, "interval",
				    json_pack("[f, o]", f[row].lo,
					      isinf(f[row].hi) ? json_null() : json_real(f[row].hi)));
		json_object_set_new(params, "protected", json_boolean(f[row].by == AUDIT_OK));
		json_decref(c->params);
		c->params = params;
	}
	for (size_t row = 0; row < n; row++) {
		double lower, upper;

		if (res->state[row] != CELL_PRIMARY || isnan(m.value[row]) || f[row].by == AUDIT_OK)
			continue;
		audit_protection(pol, t, m.value[row], &lower, &upper);
		weak[f[row].by]++;
		switch (f[row].by) {
		case AUDIT_OUTSIDER:
			sdc_note(res, t, row, measure, "audit",
				 json_pack("{s:f, s:f}", "lower", lower, "upper", upper), "review",
				 "hidden cell can be narrowed to [%g, %g]", f[row].lo, f[row].hi);
			break;
		case AUDIT_CONTRIBUTOR:
			sdc_note(res, t, row, measure, "audit_contributor",
				 json_pack("{s:f, s:f, s:I}", "lower", lower, "upper", upper,
					   "attacker_row", (json_int_t)f[row].attacker + 1),
				 "review",
				 "the largest contributor of hidden row %zu, who knows their own contribution, can narrow this cell to [%g, %g]",
				 f[row].attacker + 1, f[row].alo, f[row].ahi);
			break;
		case AUDIT_COALITION:
			sdc_note(res, t, row, measure, "audit_coalition",
				 json_pack("{s:f}", "required_upper", m.need_hi[row]), "review",
				 "the cell's own largest contributors can bound the others' share: its upper bound %g is below %g, which dominance and p%% require",
				 f[row].hi, m.need_hi[row]);
			break;
		default:
			break;
		}
	}
	margineqs_free(&m);
	if (weak[AUDIT_OUTSIDER])
		sdc_reason(res, "audit", SDC_REVIEW, "suppression audit: %zu hidden cell(s) not protected",
			   weak[AUDIT_OUTSIDER]);
	if (weak[AUDIT_CONTRIBUTOR])
		sdc_reason(res, audit_rule[AUDIT_CONTRIBUTOR], SDC_REVIEW,
			   "suppression audit: %zu hidden cell(s) narrowed by the largest contributor of another hidden cell",
			   weak[AUDIT_CONTRIBUTOR]);
	if (weak[AUDIT_COALITION])
		sdc_reason(res, audit_rule[AUDIT_COALITION], SDC_REVIEW,
			   "suppression audit: %zu hidden cell(s) whose own largest contributors can bound the rest more tightly than the dominance and p%% rules allow",
			   weak[AUDIT_COALITION]);
	return 0;
}
