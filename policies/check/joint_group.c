/* The joint check's groups: tables that measure the same thing, their
 * dimensions' union, and the cells of that space (a hash of keys), which
 * every table of the group maps its rows onto (joint.c). */
#include "joint_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "fnv.h"

uint64_t joint_hash(const char *const *key, size_t nd)
{
	uint64_t h = TREX_FNV64_INIT;
	for (size_t d = 0; d < nd; d++) {
		h = key[d] ? trex_fnv64_str(h, key[d]) : trex_fnv64_byte(h, 0x1e);
		h = trex_fnv64_byte(h, 0x1f);
	}
	return h;
}

bool joint_key_eq(const char *const *a, const char *const *b, size_t nd)
{
	for (size_t d = 0; d < nd; d++)
		if ((a[d] == NULL) != (b[d] == NULL) || (a[d] && strcmp(a[d], b[d])))
			return false;
	return true;
}

/* The cell of key, or -1 (*slot: where it would go). */
static long joint_find(const struct joint_group *g, const char *const *key, size_t *slot)
{
	size_t i = joint_hash(key, g->nd) & (g->capslots - 1);

	for (;; i = (i + 1) & (g->capslots - 1)) {
		size_t c = g->slots[i];
		if (!c) {
			*slot = i;
			return -1;
		}
		if (joint_key_eq(g->key + (c - 1) * g->nd, key, g->nd))
			return (long)(c - 1);
	}
}

/* *p (an array of n items of size bytes) resized; 0 or -ENOMEM */
static int joint_resize(void *p, size_t n, size_t size)
{
	void *q = trex_reallocarray(*(void **)p, n, size);

	if (!q)
		return -ENOMEM;
	*(void **)p = q;
	return 0;
}

int joint_grow(struct joint_group *g)
{
	size_t cap = g->capcells ? g->capcells * 2 : 256;

	if (joint_resize(&g->key, cap * g->nd + 1, sizeof(*g->key)) < 0 ||
	    joint_resize(&g->value, cap, sizeof(*g->value)) < 0 ||
	    joint_resize(&g->own, cap, 1) < 0 || joint_resize(&g->locked, cap, 1) < 0 ||
	    joint_resize(&g->from_row, cap, sizeof(size_t)) < 0 ||
	    joint_resize(&g->from_src, cap, sizeof(size_t)) < 0 ||
	    joint_resize(&g->inst, cap, sizeof(size_t)) < 0 ||
	    joint_resize(&g->last, cap, sizeof(size_t)) < 0 ||
	    joint_resize(&g->next, cap, sizeof(size_t)) < 0)
		return -ENOMEM;
	g->capcells = cap;
	/* the hash at most half full: rebuilt twice as large */
	trex_free(g->slots);
	g->capslots = cap * 4;
	g->slots = trex_calloc(g->capslots, sizeof(size_t));
	if (!g->slots)
		return -ENOMEM;
	for (size_t c = 0; c < g->ncells; c++) {
		size_t slot;
		if (g->inst[c])
			continue; /* found only through its source's rows */
		(void)joint_find(g, g->key + c * g->nd, &slot);
		g->slots[slot] = c + 1;
	}
	return 0;
}

static bool joint_differ(double a, double b)
{
	return fabs(a - b) > 1e-9 * (1 + fabs(a));
}

/* The key of row r of s in the group's space. */
void joint_row_key(const struct joint_group *g, const struct joint_src *s, size_t r,
			  const char **key)
{
	for (size_t d = 0; d < g->nd; d++) {
		const char *c = s->col[d] < 0 ? NULL : csv_field(&s->csv, r, (size_t)s->col[d]);
		key[d] = c && s->tot[d] && !strcmp(c, s->tot[d]) ? NULL : c;
	}
}

/* A row's value: its measure (NAN when missing, or hidden in a release). */
static double joint_row_value(const struct joint_src *s, size_t r)
{
	double v;

	if (sdc_parse_number(csv_field(&s->csv, r, (size_t)s->vcol), &v) != 0)
		return NAN;
	return v;
}

/* Add s's rows as cells. A row is the group's point of its key unless
 * their known values differ (another population, or the same table at
 * another time: a total that grew) or s already put a row there: then it
 * is a cell of its own, which only s's own equations reach. The checker
 * knows every true value of the run, so current tables are matched on
 * them, releases on what they released; a cell a release hid is taken
 * as the point of its key. */
/* Does a release count the same population as the group: no point
 * inside it (none of its own dimensions at a total) released with a value
 * the group knows otherwise? Its totals may differ (a category added
 * since). One that does not is all cells of its own, the ones it hid
 * included: they are not the group's cells. */
static bool joint_same_population(const struct joint_group *g, const struct joint_src *s)
{
	const char *key[MANIFEST_MAX_DIMS];

	for (size_t r = 0; r < s->csv.nrows; r++) {
		size_t slot;
		long c;
		double v = joint_row_value(s, r);
		bool inside = true;

		joint_row_key(g, s, r, key);
		for (size_t d = 0; d < g->nd; d++)
			inside &= s->col[d] < 0 || key[d] != NULL;
		if (!inside || isnan(v))
			continue;
		c = joint_find(g, key, &slot);
		if (c >= 0 && !isnan(g->value[c]) && joint_differ(v, g->value[c]))
			return false;
	}
	return true;
}

int joint_add(struct joint_group *g, struct joint_src *s, size_t si)
{
	const char *key[MANIFEST_MAX_DIMS];
	const bool apart = !s->current && !joint_same_population(g, s);

	s->cell = trex_calloc(s->csv.nrows + 1, sizeof(size_t));
	if (!s->cell)
		return -ENOMEM;
	for (size_t r = 0; r < s->csv.nrows; r++) {
		size_t slot;
		long c;
		double v = joint_row_value(s, r);
		bool hidden = s->current ? s->state[r] != CELL_OK : isnan(v);

		joint_row_key(g, s, r, key);
		if (g->ncells + 1 > g->capcells && joint_grow(g) < 0)
			return -ENOMEM;
		c = apart ? -1 : joint_find(g, key, &slot);
		if (apart)
			slot = SIZE_MAX;
		if (c >= 0 && (g->last[c] == si + 1 ||
			       (!isnan(v) && !isnan(g->value[c]) && joint_differ(v, g->value[c])))) {
			/* another population's cell of that key, where one
			 * agrees with this row (two tables of one cohort beside
			 * a table of another), else a new one */
			size_t root = (size_t)c, tail = root;
			c = -1;
			for (size_t i = g->next[root]; i != SIZE_MAX && c < 0; i = g->next[i]) {
				tail = i;
				if (g->last[i] != si + 1 &&
				    (isnan(v) || isnan(g->value[i]) || !joint_differ(v, g->value[i])))
					c = (long)i;
			}
			slot = SIZE_MAX;
			if (c < 0)
				g->next[tail] = g->ncells; /* the cell made below */
		}
		if (c < 0) {
			c = (long)g->ncells++;
			memcpy(g->key + (size_t)c * g->nd, key, g->nd * sizeof(*key));
			g->value[c] = NAN;
			g->own[c] = CELL_OK;
			g->locked[c] = 0;
			g->from_src[c] = SIZE_MAX;
			g->next[c] = SIZE_MAX;
			g->inst[c] = slot == SIZE_MAX ? si + 1 : 0;
			g->ninst += slot == SIZE_MAX;
			if (slot != SIZE_MAX)
				g->slots[slot] = (size_t)c + 1;
		}
		g->last[c] = si + 1;
		s->cell[r] = (size_t)c;
		if (isnan(g->value[c]) && !isnan(v) && (s->current || !hidden))
			g->value[c] = v;
		if (s->current) {
			if (s->state[r] == CELL_PRIMARY)
				g->own[c] = CELL_PRIMARY;
			else if (s->state[r] != CELL_OK && g->own[c] == CELL_OK)
				g->own[c] = CELL_SECONDARY;
			if (g->from_src[c] == SIZE_MAX) {
				g->from_src[c] = si;
				g->from_row[c] = r;
			}
		} else if (hidden) {
			g->locked[c] = 1;
		}
	}
	return 0;
}

/* The code of a declaration's dimension that is its total in the group:
 * its only declared total code that no hierarchy puts below another. */
const char *joint_total_code(const struct output_decl *d, const char *dim)
{
	json_t *codes = d->total_codes ? json_object_get(d->total_codes, dim) : NULL;
	json_t *tree = d->hierarchies ? json_object_get(d->hierarchies, dim) : NULL;
	const char *root = NULL;
	size_t i;
	json_t *c;

	json_array_foreach(codes, i, c) {
		const char *s = json_string_value(c);
		bool child = false;
		const char *parent;
		json_t *kids;
		json_object_foreach(tree, parent, kids) {
			size_t k;
			json_t *x;
			json_array_foreach(kids, k, x)
				child |= !strcmp(json_string_value(x), s);
		}
		if (child)
			continue;
		if (root)
			return NULL;
		root = s;
	}
	return root;
}

size_t joint_dim(const struct joint_group *g, const char *name)
{
	for (size_t d = 0; d < g->nd; d++)
		if (!strcmp(g->dims[d], name))
			return d;
	return SIZE_MAX;
}

static void joint_src_free(struct joint_src *s)
{
	csv_free(&s->csv);
	trex_free(s->state);
	trex_free(s->cell);
}

void joint_group_free(struct joint_group *g)
{
	for (size_t i = 0; i < g->nsrc; i++)
		joint_src_free(&g->src[i]);
	trex_free(g->src);
	for (size_t d = 0; d < MANIFEST_MAX_DIMS; d++)
		joint_codes_free(&g->codes[d]);
	trex_free(g->key);
	trex_free(g->value);
	trex_free(g->own);
	trex_free(g->locked);
	trex_free(g->from_row);
	trex_free(g->from_src);
	trex_free(g->inst);
	trex_free(g->last);
	trex_free(g->next);
	trex_free(g->slots);
	memset(g, 0, sizeof(*g));
}

int joint_src_push(struct joint_group *g, struct joint_src **out)
{
	struct joint_src *v = trex_reallocarray(g->src, g->nsrc + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	g->src = v;
	*out = &g->src[g->nsrc++];
	memset(*out, 0, sizeof(**out));
	(*out)->vcol = (*out)->ccol = -1;
	for (size_t d = 0; d < MANIFEST_MAX_DIMS; d++)
		(*out)->col[d] = -1;
	return 0;
}

/* The group a declaration belongs to (created when new): frequency
 * tables together, magnitude tables by value column. NULL when its
 * dimensions do not fit beside the group's. */
struct joint_group *joint_group_of(struct joint_group **groups, size_t *ngroups,
					  const struct output_decl *d, const char *const *names,
					  int *r)
{
	struct joint_group *g = NULL;

	*r = 0;
	for (size_t i = 0; i < *ngroups && !g; i++)
		if ((*groups)[i].kind == d->kind &&
		    (d->kind == KIND_FREQUENCY || !strcmp((*groups)[i].vname, d->value)))
			g = &(*groups)[i];
	if (!g) {
		struct joint_group *v = trex_reallocarray(*groups, *ngroups + 1, sizeof(*v));
		if (!v) {
			*r = -ENOMEM;
			return NULL;
		}
		*groups = v;
		g = &v[(*ngroups)++];
		memset(g, 0, sizeof(*g));
		g->kind = d->kind;
		g->vname = d->value;
	}
	size_t add = 0;
	for (size_t i = 0; i < d->ndims; i++)
		add += joint_dim(g, names[i]) == SIZE_MAX;
	/* one dimension kept free for the instances (joint_table) */
	if (g->nd + add > MANIFEST_MAX_DIMS - 1)
		return NULL;
	for (size_t i = 0; i < d->ndims; i++)
		if (joint_dim(g, names[i]) == SIZE_MAX)
			g->dims[g->nd++] = names[i];
	if (d->kind == KIND_MAGNITUDE && d->nlargest > g->nlargest)
		g->nlargest = d->nlargest;
	return g;
}
