/* The least-loss complement pattern, exactly, for small tables: a mixed
 * integer program solved by GLPK (glp_intopt), in the way of Fischetti
 * and Salazar's optimal cell suppression (and tau-ARGUS's "optimal"):
 *
 *   minimise  sum v_i y_i   (y_i = 1: cell i becomes a complement)
 *
 * subject to the protection of every primary cell, written as cuts the
 * audit's own LPs produce. For a pattern y* the master proposes, the
 * attacker's LP of each failing (cell, side, attacker) is solved; its
 * dual (row duals pi, reduced costs d) bounds that attacker's extreme
 * value for EVERY pattern y:
 *     max x_p <= pi.r + sum_j d_j b_j(y)
 * where b_j(y) is cell j's upper bound when d_j > 0 and its lower bound
 * when d_j < 0 -- v_j when released; 0 and infinity when hidden (what
 * an attacker knows of their own cell when it is theirs) -- and the side
 * min x_p alike. Protection needs that bound to reach the requirement,
 * a linear inequality in y (a hidden cell whose bound becomes infinite
 * satisfies it alone); y* violates it, so the master never proposes y*
 * again. When the master's optimum passes the audit, every model, it is
 * optimal: the cuts are consequences of protection, so the master is a
 * relaxation of the true problem. No box or big-M is assumed: the cuts
 * are exact for the audit as it is (cells >= 0, unbounded above). The
 * master, over binaries only, is small; GLPK's cover cuts suit its rows.
 *
 * Totals are not candidates (a pattern without a total always beats one
 * with); neither are cells of negative value (the audit's cells are
 * >= 0). Nothing is released on the program's word: the pattern returned
 * is the one the audit last accepted. The work is bounded by counts, never
 * by time, so a table always gets the same pattern: candidates, rounds of
 * cuts, cells audited, branch-and-bound nodes (mip.h). */
#include "mip.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glpk.h>

#include "alloc.h"
#include "cleanup.h"

#define MIP_TOL 1e-6

struct mip {
	const struct policy *pol;
	const struct sdc_table *t;
	const struct sdc_margins *m;
	size_t n;
	int *ycol;          /* per row: its master column (1-based), 0: not a candidate */
	int *xcol;          /* per row: its column in the attacker's LP, 0: a constant */
	size_t ncand, nx;
	glp_prob *master, *att;
	glp_smcp smcp;
	double *rhs;        /* per attacker LP row: its right-hand side */
	unsigned char *state; /* the pattern being audited */
	int *ind;           /* a cut: master columns and coefficients */
	double *val;
	size_t nodes;       /* branch-and-bound nodes so far, every solve */
	size_t audits;      /* cells audited so far, every round */
	struct suppress_exact_stats *stats;
};

static int mip_glpk_hook(void *info, const char *s)
{
	return 1; /* silence GLPK */
}

static bool mip_hidden(const struct mip *x, size_t i)
{
	return x->state[i] == CELL_PRIMARY || x->state[i] == CELL_SECONDARY ||
	       isnan(x->m->value[i]);
}

/* Cell i's bounds in the attacker's LP of pattern state, attacker d
 * knowing their own cell: [v, v] released, [0, inf) hidden. */
static void mip_bounds(const struct mip *x, size_t i, long d, double *lo, double *hi)
{
	const struct sdc_margins *m = x->m;

	if (!mip_hidden(x, i)) {
		*lo = *hi = m->value[i];
	} else if ((long)i == d) {
		*lo = m->own_lo[i];
		*hi = m->own_hi[i];
	} else {
		*lo = 0;
		*hi = INFINITY;
	}
}

/* The attacker's LP: a column per cell that is or may be hidden, a row
 * per equation holding one; the other cells are constants. */
static int mip_att_build(struct mip *x)
{
	const struct sdc_margins *m = x->m;
	size_t nz = 0, nrow = 0, cap = m->eq_off[m->neq] + 1;
	_cleanup_free_ int *ia = trex_calloc(cap + 1, sizeof(int));
	_cleanup_free_ int *ja = trex_calloc(cap + 1, sizeof(int));
	_cleanup_free_ double *ar = trex_calloc(cap + 1, sizeof(double));

	x->rhs = trex_calloc(m->neq + 1, sizeof(double));
	if (!ia || !ja || !ar || !x->rhs)
		return -ENOMEM;
	x->att = glp_create_prob();
	if (x->nx)
		glp_add_cols(x->att, (int)x->nx);
	for (size_t e = 0; e < m->neq; e++) {
		double known = 0;
		size_t first = nz;
		for (size_t i = m->eq_off[e]; i < m->eq_off[e + 1]; i++) {
			size_t r = m->eq_row[i];
			if (x->xcol[r]) {
				nz++;
				ja[nz] = x->xcol[r];
				ar[nz] = m->eq_coef[i];
			} else {
				known += m->eq_coef[i] * m->value[r];
			}
		}
		if (nz == first)
			continue;
		glp_add_rows(x->att, 1);
		nrow++;
		for (size_t k = first + 1; k <= nz; k++)
			ia[k] = (int)nrow;
		x->rhs[nrow] = -known;
		glp_set_row_bnds(x->att, (int)nrow, GLP_FX, -known, -known);
	}
	if (nz)
		glp_load_matrix(x->att, (int)nz, ia, ja, ar);
	glp_init_smcp(&x->smcp);
	x->smcp.msg_lev = GLP_MSG_OFF;
	x->smcp.presolve = GLP_OFF;
	return 0;
}

/* The attacker (d, or -1 for the outsider) who must not see cell p on
 * side dir (1: up) short of `target`: solve its LP under the pattern, and
 * when it falls short, add to the master the cut its dual gives. 1 when
 * a cut was added, 0 when the attacker is satisfied, 2 when no pattern
 * can satisfy it (hiding no candidate moves the bound), -1 when the dual
 * does not check out (numerical trouble: give up). */
static int mip_cut(struct mip *x, size_t p, int dir, long d, double target)
{
	const double sgn = dir ? 1.0 : -1.0;
	double bound, c, need, lo, hi, at;
	int nrow, st, k = 0;

	for (size_t i = 0; i < x->n; i++) {
		if (!x->xcol[i])
			continue;
		mip_bounds(x, i, d, &lo, &hi);
		if (hi <= lo)
			glp_set_col_bnds(x->att, x->xcol[i], GLP_FX, lo, lo);
		else if (isinf(hi))
			glp_set_col_bnds(x->att, x->xcol[i], GLP_LO, lo, 0.0);
		else
			glp_set_col_bnds(x->att, x->xcol[i], GLP_DB, lo, hi);
		glp_set_obj_coef(x->att, x->xcol[i], i == p ? 1.0 : 0.0);
	}
	glp_set_obj_dir(x->att, dir ? GLP_MAX : GLP_MIN);
	st = glp_simplex(x->att, &x->smcp);
	if (st == 0 && glp_get_status(x->att) == GLP_UNBND)
		return 0;
	if (st != 0 || glp_get_status(x->att) != GLP_OPT)
		return -1;
	bound = glp_get_obj_val(x->att);
	if (sgn * bound >= sgn * target - MIP_TOL)
		return 0;
	/* sgn B(y) = sgn (pi.r + sum_j d_j b_j(y)) must reach sgn target:
	 * constants into need, hiding j adds val[j] (or satisfies the cut
	 * alone when it frees j's bound to infinity) */
	nrow = glp_get_num_rows(x->att);
	c = 0;
	for (int i = 1; i <= nrow; i++)
		c += glp_get_row_dual(x->att, i) * x->rhs[i];
	need = sgn * target - sgn * c;
	at = sgn * c;
	for (size_t j = 0; j < x->n; j++) {
		size_t i = x->m->order[j]; /* the same sums, the same cut */
		double dj, b0, b1;
		bool up;
		if (!x->xcol[i])
			continue;
		dj = glp_get_col_dual(x->att, x->xcol[i]);
		if (fabs(dj) <= 1e-12)
			continue;
		/* which bound the dual weighs: max, d > 0 the upper; min, d > 0
		 * the lower */
		up = (dj > 0) == (dir == 1);
		/* that bound when the cell is released (b0) and hidden (b1) */
		if (x->ycol[i]) {
			unsigned char keep = x->state[i];
			x->state[i] = CELL_OK;
			mip_bounds(x, i, d, &lo, &hi);
			b0 = up ? hi : lo;
			x->state[i] = CELL_SECONDARY;
			mip_bounds(x, i, d, &lo, &hi);
			b1 = up ? hi : lo;
			x->state[i] = keep;
		} else {
			mip_bounds(x, i, d, &lo, &hi);
			b0 = b1 = up ? hi : lo;
		}
		at += sgn * dj * (mip_hidden(x, i) ? b1 : b0);
		need -= sgn * dj * b0;
		if (b1 == b0)
			continue;
		x->ind[++k] = x->ycol[i];
		/* an infinite gain (INFINITY - b0) is capped below */
		x->val[k] = sgn * dj * (b1 - b0);
	}
	/* the dual bound at this pattern is the LP's optimum, which fell
	 * short: then y* violates the cut */
	if (!isfinite(at) || fabs(at - sgn * bound) > 1e-7 * (1 + fabs(bound)))
		return -1;
	if (need <= MIP_TOL)
		return -1; /* the dual says protected while the LP said not */
	for (int i = 1; i <= k; i++) {
		if (x->val[i] < 0)
			return -1; /* hiding never narrows: numerical trouble */
		x->val[i] = fmin(x->val[i], need);
	}
	if (!k)
		return 2; /* no pattern protects it */
	nrow = glp_add_rows(x->master, 1);
	glp_set_row_bnds(x->master, nrow, GLP_LO, need, 0.0);
	glp_set_mat_row(x->master, nrow, k, x->ind, x->val);
	if (x->stats)
		x->stats->attacks++;
	return 1;
}

static void mip_callback(glp_tree *tree, void *info)
{
	struct mip *x = info;

	if (glp_ios_reason(tree) == GLP_ISELECT && ++x->nodes > SUPPRESS_EXACT_NODES)
		glp_ios_terminate(tree); /* the budget is for every solve together */
}

/* The master's optimum into x->state: 1 optimal, 0 infeasible (no
 * pattern under the cutoff), 2 stopped by the node limit. */
static int mip_master(struct mip *x)
{
	glp_iocp parm;
	int ret, st;

	/* the LP relaxation first, from the last round's basis (the rows
	 * added since are basic): less work than presolving it again */
	if (glp_simplex(x->master, &x->smcp) != 0)
		return 2;
	if (glp_get_status(x->master) == GLP_NOFEAS)
		return 0;
	if (glp_get_status(x->master) != GLP_OPT)
		return 2;
	/* GLPK's cut generators print whatever msg_lev says, and the audit
	 * (audit_cells between rounds) resets the hook: silenced here */
	glp_term_hook(mip_glpk_hook, NULL);
	glp_init_iocp(&parm);
	parm.msg_lev = GLP_MSG_OFF;
	parm.presolve = GLP_OFF;
	parm.pp_tech = GLP_PP_NONE;
	/* the cuts are knapsack rows over binaries: cover cuts tighten them
	 * (a tenth of the nodes on generated tables) */
	parm.cov_cuts = GLP_ON;
	parm.cb_func = mip_callback;
	parm.cb_info = x;
	ret = glp_intopt(x->master, &parm);
	st = glp_mip_status(x->master);
	if (x->stats)
		x->stats->solves++;
	if (ret == GLP_ENOPFS || (ret == 0 && st == GLP_NOFEAS))
		return 0;
	if (ret != 0 || st != GLP_OPT)
		return 2;
	for (size_t i = 0; i < x->n; i++)
		if (x->ycol[i])
			x->state[i] = glp_mip_col_val(x->master, x->ycol[i]) > 0.5 ? CELL_SECONDARY
										 : CELL_OK;
	return 1;
}

static void mip_free(struct mip *x)
{
	if (x->master)
		glp_delete_prob(x->master);
	if (x->att)
		glp_delete_prob(x->att);
	glp_term_hook(NULL, NULL);
	trex_free(x->ycol);
	trex_free(x->xcol);
	trex_free(x->rhs);
	trex_free(x->ind);
	trex_free(x->val);
}

int suppress_exact(const struct policy *pol, const struct sdc_table *t,
		   const struct sdc_margins *m, unsigned char *state, double cutoff,
		   struct suppress_exact_stats *stats, enum suppress_exact_result *out,
		   struct trex_err *err)
{
	struct mip x = {.pol = pol, .t = t, .m = m, .n = m->nrows, .stats = stats};
	_cleanup_free_ unsigned char *trial = trex_calloc(m->nrows + 1, 1);
	_cleanup_free_ struct audit_finding *f = trex_calloc(m->nrows + 1, sizeof(*f));
	_cleanup_free_ bool *ineq = trex_calloc(m->nrows + 1, sizeof(bool));
	int r = 0;

	*out = SUPPRESS_EXACT_LIMIT;
	x.ycol = trex_calloc(x.n + 1, sizeof(int));
	x.xcol = trex_calloc(x.n + 1, sizeof(int));
	if (!trial || !f || !ineq || !x.ycol || !x.xcol) {
		mip_free(&x);
		return trex_err_set(err, -ENOMEM, "%s: exact suppression", t->name);
	}
	for (size_t e = 0; e < m->neq; e++)
		for (size_t i = m->eq_off[e]; i < m->eq_off[e + 1]; i++)
			ineq[m->eq_row[i]] = true;
	/* columns in canonical order (sdc.h, struct sdc_margins): among
	 * patterns of equal loss, branch and bound then finds the same one
	 * however the table's rows come */
	for (size_t k = 0; k < x.n; k++) {
		size_t i = m->order[k];
		double v = m->value[i];
		trial[i] = state[i] == CELL_PRIMARY ? CELL_PRIMARY : CELL_OK;
		if (!ineq[i])
			continue;
		if (v < 0) {
			mip_free(&x);
			return 0; /* the audit's cells are >= 0: nothing to optimise */
		}
		if (state[i] != CELL_PRIMARY && !isnan(v) && !m->total[i])
			x.ycol[i] = (int)++x.ncand;
		if (state[i] == CELL_PRIMARY || isnan(v) || x.ycol[i])
			x.xcol[i] = (int)++x.nx;
	}
	if (x.ncand == 0 || x.ncand > SUPPRESS_EXACT_SIZE) {
		mip_free(&x);
		return 0;
	}
	x.state = trial;
	x.ind = trex_calloc(x.ncand + 1, sizeof(int));
	x.val = trex_calloc(x.ncand + 1, sizeof(double));
	if (!x.ind || !x.val || mip_att_build(&x) < 0) {
		mip_free(&x);
		return trex_err_set(err, -ENOMEM, "%s: exact suppression", t->name);
	}
	glp_term_hook(mip_glpk_hook, NULL);
	x.master = glp_create_prob();
	glp_set_obj_dir(x.master, GLP_MIN);
	glp_add_cols(x.master, (int)x.ncand);
	for (size_t i = 0; i < x.n; i++) {
		if (!x.ycol[i])
			continue;
		glp_set_col_kind(x.master, x.ycol[i], GLP_BV);
		glp_set_obj_coef(x.master, x.ycol[i], m->value[i]);
	}
	if (isfinite(cutoff)) {
		int k = 0, row = glp_add_rows(x.master, 1);
		for (size_t j = 0; j < x.n; j++) {
			size_t i = m->order[j];
			if (x.ycol[i] && m->value[i] != 0) {
				x.ind[++k] = x.ycol[i];
				x.val[k] = m->value[i];
			}
		}
		glp_set_row_bnds(x.master, row, cutoff >= 0 ? GLP_UP : GLP_FX, 0.0, fmax(cutoff, 0.0));
		if (k)
			glp_set_mat_row(x.master, row, k, x.ind, x.val);
		if (cutoff < 0) {
			*out = SUPPRESS_EXACT_NONE;
			mip_free(&x);
			return 0;
		}
	}
	/* rounds: the audit of the master's pattern (nothing hidden to
	 * start), a cut per attacker it fails, the master again */
	for (int round = 0; round < SUPPRESS_EXACT_ROUNDS; round++) {
		size_t cuts = 0;
		int got;

		for (size_t i = 0; i < x.n; i++)
			x.audits += trial[i] == CELL_PRIMARY;
		if (x.audits > SUPPRESS_EXACT_AUDITS)
			break;
		if ((r = audit_cells(pol, t, m, trial, NULL, false, f, err)) < 0)
			break;
		/* cuts in canonical order */
		for (size_t j = 0; j < x.n && r >= 0; j++) {
			size_t i = m->order[j];
			double lower, upper, v = m->value[i], hi;
			int c1 = 0, c2 = 0;

			if (trial[i] != CELL_PRIMARY || isnan(v) || f[i].by == AUDIT_OK)
				continue;
			audit_protection(pol, t, v, &lower, &upper);
			hi = v + upper;
			if (m->need_hi)
				hi = fmax(hi, m->need_hi[i]);
			if (f[i].by == AUDIT_CONTRIBUTOR) {
				long d = (long)f[i].attacker;
				if (lower > 0)
					c1 = mip_cut(&x, i, 0, d, v - lower);
				c2 = mip_cut(&x, i, 1, d, v + upper);
			} else {
				/* the outsider, and with the coalition's level above */
				if (lower > 0)
					c1 = mip_cut(&x, i, 0, -1, v - lower);
				c2 = mip_cut(&x, i, 1, -1, hi);
			}
			if (c1 == 2 || c2 == 2) {
				r = 2; /* no candidate can help */
				break;
			}
			if (c1 < 0 || c2 < 0 || c1 + c2 == 0) {
				r = 1; /* a cut the LPs do not confirm: give up */
				break;
			}
			cuts += (size_t)(c1 + c2);
		}
		if (r != 0) {
			if (r == 2)
				*out = SUPPRESS_EXACT_NONE;
			r = r > 0 ? 0 : r;
			break;
		}
		if (!cuts) {
			/* every attacker satisfied: the master's optimum (or, at
			 * round 0, hiding nothing) is the optimum */
			memcpy(state, trial, x.n);
			*out = SUPPRESS_EXACT_FOUND;
			if (stats)
				stats->proven = true;
			break;
		}
		got = mip_master(&x);
		if (got == 0) {
			*out = SUPPRESS_EXACT_NONE;
			break;
		}
		if (got == 2)
			break;
	}
	if (stats)
		stats->nodes = x.nodes;
	mip_free(&x);
	return r;
}
