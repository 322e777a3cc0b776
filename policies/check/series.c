/* Margins a slice holds for part of itself, and series that add up as
 * they go (issue 14 item 6). A total nobody declared gives a hidden cell
 * back as the total less the rest; rules.c finds the margin of a whole
 * slice (sdc_numeric_margin) and codes named like one. Two shapes escape
 * both and are looked for here, on both check paths (rules.c, stream.c),
 * one cell at a time in row order, so the streamed check needs no rows
 * and each costs O(SDC_RUN_MAX) per cell and dimension at most:
 *
 * - a nested margin: a code of one dimension that is the sum of some of
 *   the other codes of its slice (a region and its departments, in one
 *   column). Which subset is NP-hard to search in general; the search is
 *   bounded to the way such tables are written: a contiguous run of
 *   cells in row order, the total first or last, of at most SDC_RUN_MAX
 *   cells in all (the total and 2 to SDC_RUN_MAX - 1 parts, at least two
 *   of them non-zero). One run can be a coincidence (4 + 5 = 9), so a
 *   dimension holds a nested margin when every slice of three values or
 *   more closes a run whose total is the same code (the first run of
 *   each slice), and, when only one slice can show one (a 1-D table),
 *   its run has at least three parts -- sdc_margin_holds's bar for the
 *   margin of a whole slice. The first run of a slice must close within
 *   its first SDC_RUN_MAX values (a nested table starts with a total and
 *   its parts, or parts and their total): a slice past them without one
 *   rules its dimension out, and the callers stop feeding it
 *   (sdc_run_dead), so a table that is no such thing costs a few values
 *   per dimension.
 * - a cumulative series: a frequency table whose counts along one
 *   dimension are running sums (<= 1 year, <= 2 years, ...). Each step
 *   between neighbouring cells is then a group the table does not show;
 *   a step of 1 to safe_threshold - 1 between two released cells is a
 *   small group given away. Running sums never decrease: the series is
 *   suspected when, in every slice of the dimension, no count is below
 *   the one before it, some slice has at least SDC_SERIES_MIN counts, and
 *   some step between two released cells is that small.
 *
 * Both decide review: a human can tell a real running sum from counts
 * that happen to grow, or a coincidence from a margin, where the checker
 * cannot. */
#include "sdc.h"

#include <math.h>
#include <string.h>

/* sdc_totals_differ's test, inline: most comparisons are far apart */
static inline bool series_equal(double total, double parts)
{
	return fabs(total - parts) <= 1e-6 * (1 + fabs(total));
}

void sdc_run_push(struct sdc_run *r, double v, uint32_t code, uint32_t row)
{
	const unsigned head = r->head;
	double total_first = v, parts_before = 0;
	unsigned nz_first = v != 0, nz_before = 0;
	/* with no negative value since the last break, sums only grow: a
	 * total written last is dead once its parts exceed it, one written
	 * first once the cells after it exceed the largest value seen */
	bool first_alive = true, last_alive = true;

	r->n++;
	r->v[head] = v;
	r->code[head] = code;
	r->head = (uint8_t)((head + 1) & (SDC_RUN_MAX - 1));
	if (r->len < SDC_RUN_MAX)
		r->len++;
	if (v < 0)
		r->neg = 1;
	if (v > r->max)
		r->max = v;
	/* the first run of a slice closes within its first SDC_RUN_MAX
	 * values (a table written total first, or parts first, starts with
	 * one): past them the slice has none, and neither has its dimension */
	if (r->first_row || r->n > SDC_RUN_MAX || r->len < 3)
		return;
	/* the k-th newest cell x against the k newer ones (x their total,
	 * written first), and v against the k older ones (v their total,
	 * written last): a run of k + 1 cells */
	for (unsigned k = 1; k < r->len && (first_alive || last_alive); k++) {
		unsigned i = (head - k) & (SDC_RUN_MAX - 1);
		double x = r->v[i];
		uint32_t total = 0;

		if (first_alive && k >= 2 && nz_first >= 2 && series_equal(x, total_first))
			total = r->code[i] + 1;
		total_first += x;
		nz_first += x != 0;
		parts_before += x;
		nz_before += x != 0;
		if (!total && last_alive && k >= 2 && nz_before >= 2 && series_equal(v, parts_before))
			total = code + 1;
		if (total) {
			r->first_code = total;
			r->first_row = row + 1;
			r->first_len = (uint8_t)(k + 1);
			return;
		}
		if (!r->neg) {
			first_alive = total_first <= r->max * (1 + 1e-6) + 1e-6;
			last_alive = parts_before <= v * (1 + 1e-6) + 1e-6;
		}
	}
}

void sdc_run_break(struct sdc_run *r)
{
	r->len = 0;
	r->neg = 0;
	r->max = 0;
}

bool sdc_run_dead(const struct sdc_run *r)
{
	return !r->first_row && r->n >= SDC_RUN_MAX;
}

void sdc_run_judge_init(struct sdc_run_judge *j)
{
	memset(j, 0, sizeof(*j));
	j->row = (size_t)-1;
}

/* Slices are added in any order: the verdict and the row reported do not
 * depend on it (both paths number slices alike, but need not). */
void sdc_run_judge_add(struct sdc_run_judge *j, const struct sdc_run *r)
{
	if (r->n < 3)
		return; /* too few values to show a run */
	j->slices++;
	if (!r->first_row || (j->code && j->code != r->first_code)) {
		j->differ = true;
		return;
	}
	j->code = r->first_code;
	if ((size_t)r->first_row - 1 < j->row) {
		j->row = (size_t)r->first_row - 1;
		j->len = r->first_len;
	}
}

bool sdc_run_judge_holds(const struct sdc_run_judge *j)
{
	return j->slices && !j->differ && (j->slices > 1 || j->len >= 4);
}

void sdc_series_push(struct sdc_series *s, long v, bool hidden, uint32_t row, long threshold)
{
	if (s->n && v < s->prev)
		s->down = true;
	else if (s->n && !hidden && !s->prev_hidden && v > s->prev && v - s->prev < threshold &&
		 !s->step_row)
		s->step_row = row + 1;
	s->prev = v;
	s->prev_hidden = hidden;
	s->n++;
}

void sdc_series_judge_init(struct sdc_series_judge *j)
{
	memset(j, 0, sizeof(*j));
	j->row = (size_t)-1;
}

void sdc_series_judge_add(struct sdc_series_judge *j, const struct sdc_series *s)
{
	j->down |= s->down;
	j->long_enough |= s->n >= SDC_SERIES_MIN;
	if (s->step_row && (size_t)s->step_row - 1 < j->row)
		j->row = (size_t)s->step_row - 1;
}

bool sdc_series_judge_holds(const struct sdc_series_judge *j)
{
	return !j->down && j->long_enough && j->row != (size_t)-1;
}

void sdc_run_found(struct sdc_result *res, size_t row, unsigned len, const char *dim)
{
	sdc_reason(res, "nested_margin", SDC_REVIEW,
		   "row %zu of the table closes a run of %u cells along %s whose first or last is the sum of the others, in every slice: a margin nobody declared gives a hidden cell back (declare total_codes and hierarchies)",
		   row + 1, len, dim);
}

void sdc_series_found(struct sdc_result *res, size_t row, const char *dim)
{
	sdc_reason(res, "cumulative_series", SDC_REVIEW,
		   "the counts never decrease along %s (running sums?): row %zu of the table exceeds the cell before it by less than the threshold, a small group if the counts are cumulative",
		   dim, row + 1);
}
