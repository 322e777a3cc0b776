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

#define JOINT_MAX_CELLS 100000          /* the system's cells (a table alone: 20,000, suppress.c) */
#define JOINT_MAX_BYTES (16u << 20)     /* a table read whole to be joined */
#define JOINT_MAX_TABLES 4096

/* One table of a group: this run's (checked by its own rules first) or
 * released earlier. */
struct joint_src {
	struct csv_table csv;
	bool current;
	size_t file;                    /* current: its index in the run */
	const struct output_decl *decl; /* current: its declaration */
	struct sdc_table t;             /* current */
	unsigned char *state;           /* current: its own pattern per row */
	int col[MANIFEST_MAX_DIMS];     /* per group dimension: column, -1 absent */
	const char *tot[MANIFEST_MAX_DIMS]; /* per group dimension: its total code */
	int vcol, ccol;                 /* measure; contributors (-1) */
	size_t *cell;                   /* per row: the group cell */
	bool out;                       /* left out (conflict, error) */
	bool large;                     /* current: too large to join */
};

struct joint_group {
	enum output_kind kind;
	const char *vname;              /* magnitude: the value column's name */
	const char *dims[MANIFEST_MAX_DIMS];
	size_t nd;
	struct joint_codes codes[MANIFEST_MAX_DIMS]; /* per dimension: the run's codes */
	struct joint_src *src;
	size_t nsrc, ncur;
	size_t nlargest;                /* magnitude: the most largest columns declared */
	/* the cells: a code per dimension (NULL: the total) */
	const char **key;
	double *value;                  /* NAN: unknown */
	unsigned char *own;             /* hidden by some table's own check (enum sdc_cell_state) */
	unsigned char *locked;          /* hidden by an earlier release */
	size_t *from_row, *from_src;    /* current cells: a table and row giving its contributions */
	size_t *inst;                   /* 0: the point shared by every table; else the
					 * source (+ 1) whose value there differs */
	size_t *last;                   /* the last source (+ 1) that mapped a row to it */
	size_t *next;                   /* the next cell of the same key (SIZE_MAX: none) */
	size_t ninst;                   /* cells of an instance of their own */
	size_t ncells, capcells;
	size_t *slots, capslots;        /* hash: cell + 1 */
};

static uint64_t joint_hash(const char *const *key, size_t nd)
{
	uint64_t h = TREX_FNV64_INIT;
	for (size_t d = 0; d < nd; d++) {
		h = key[d] ? trex_fnv64_str(h, key[d]) : trex_fnv64_byte(h, 0x1e);
		h = trex_fnv64_byte(h, 0x1f);
	}
	return h;
}

static bool joint_key_eq(const char *const *a, const char *const *b, size_t nd)
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

static int joint_grow(struct joint_group *g)
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

/* Rows by the hash of their key, to find rows with one key. */
struct joint_rowhash {
	uint64_t h;
	size_t row;
};

static int joint_rowhash_cmp(const void *a, const void *b)
{
	const struct joint_rowhash *x = a, *y = b;
	return x->h < y->h ? -1 : x->h > y->h ? 1 : (x->row > y->row) - (x->row < y->row);
}

/* The key of row r of s in the group's space. */
static void joint_row_key(const struct joint_group *g, const struct joint_src *s, size_t r,
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

static int joint_add(struct joint_group *g, struct joint_src *s, size_t si)
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
static const char *joint_total_code(const struct output_decl *d, const char *dim)
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

static size_t joint_dim(const struct joint_group *g, const char *name)
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

static void joint_group_free(struct joint_group *g)
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

static int joint_src_push(struct joint_group *g, struct joint_src **out)
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
static struct joint_group *joint_group_of(struct joint_group **groups, size_t *ngroups,
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

/* A current table: read, checked by its own rules, its pattern kept. 1
 * when it cannot be joined (unreadable, malformed, held, failed). */
static int joint_current(const struct policy *pol, struct joint_src *s, const char *file,
			 struct trex_err *err)
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
	r = sdc_check(pol, &s->t, &res, &e2);
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

/* Does a release's header fit the group: every column a dimension of the
 * group, the measure (frequency: the one other column; magnitude: the
 * value column by name) or a magnitude's side column? */
static bool joint_release_fits(struct joint_group *g, struct joint_src *s)
{
	const struct csv_table *c = &s->csv;
	size_t other = 0;

	for (size_t k = 0; k < c->ncols; k++) {
		const char *h = csv_header(c, k);
		size_t d = joint_dim(g, h);
		if (d != SIZE_MAX) {
			if (s->col[d] >= 0)
				return false;
			s->col[d] = (int)k;
			continue;
		}
		if (g->kind == KIND_MAGNITUDE && !strcmp(h, g->vname)) {
			s->vcol = (int)k;
			continue;
		}
		if (g->kind == KIND_FREQUENCY) {
			s->vcol = (int)k;
			other++;
			continue;
		}
		/* a magnitude's contributors or count, as a current table declares */
		bool side = false;
		for (size_t i = 0; i < g->nsrc && !side; i++)
			side = g->src[i].current &&
			       ((g->src[i].decl->contributors && !strcmp(h, g->src[i].decl->contributors)) ||
				(g->src[i].decl->count && !strcmp(h, g->src[i].decl->count)));
		if (!side)
			return false;
	}
	return s->vcol >= 0 && (g->kind != KIND_FREQUENCY || other == 1);
}

/* Does some frequency group know its dimensions' codes (then a release
 * whose header fits none by name is read, to pair it by content)? */
static bool joint_codes_known(const struct joint_group *groups, size_t ngroups)
{
	for (size_t i = 0; i < ngroups; i++)
		for (size_t d = 0; d < groups[i].nd; d++)
			if (groups[i].kind == KIND_FREQUENCY && groups[i].codes[d].n)
				return true;
	return false;
}

/* A frequency release whose columns are the group's dimensions, by name
 * or by content (a renamed column whose codes are alike: jointdims.c),
 * and one measure holding counts: 1 (s->col and s->vcol set), 0, or
 * -ENOMEM. */
static int joint_release_alike(const struct joint_group *g, struct joint_src *s)
{
	const struct csv_table *c = &s->csv;
	size_t other = 0;

	s->vcol = s->ccol = -1;
	for (size_t d = 0; d < MANIFEST_MAX_DIMS; d++)
		s->col[d] = -1;
	if (g->kind != KIND_FREQUENCY)
		return 0;
	for (size_t k = 0; k < c->ncols; k++) {
		size_t d = joint_dim(g, csv_header(c, k));
		struct joint_codes col = {0};
		if (d == SIZE_MAX) {
			if (joint_codes_of(c, (int)k, NULL, NULL, &col) < 0)
				return -ENOMEM;
			for (size_t e = 0; e < g->nd && d == SIZE_MAX; e++)
				if (s->col[e] < 0 && joint_dim(g, csv_header(c, k)) == SIZE_MAX &&
				    joint_codes_alike(&g->codes[e], &col))
					d = e;
			joint_codes_free(&col);
		}
		if (d != SIZE_MAX && s->col[d] < 0) {
			s->col[d] = (int)k;
			continue;
		}
		s->vcol = (int)k;
		other++;
	}
	for (size_t r = 0; other == 1 && r < c->nrows; r++) {
		double v;
		const char *f = csv_field(c, r, (size_t)s->vcol);
		if (*f && (sdc_parse_number(f, &v) != 0 || v < 0 || v != (double)(long)v))
			other = 0; /* not counts */
	}
	return other == 1;
}

/* Total codes of a release's dimensions: as this run declares them. */
static void joint_release_totals(const struct joint_group *g, struct joint_src *s)
{
	for (size_t d = 0; d < g->nd; d++) {
		for (size_t i = 0; i < g->nsrc && !s->tot[d]; i++)
			if (g->src[i].current && !g->src[i].out)
				s->tot[d] = g->src[i].tot[d];
		if (s->tot[d] || s->col[d] < 0)
			continue;
		/* none declared: the one code named like a margin ("Total") */
		for (size_t r = 0; r < s->csv.nrows; r++) {
			const char *c = csv_field(&s->csv, r, (size_t)s->col[d]);
			if (!sdc_margin_name(c) || (s->tot[d] && !strcmp(s->tot[d], c)))
				continue;
			if (s->tot[d]) {
				s->tot[d] = NULL; /* two of them: neither */
				break;
			}
			s->tot[d] = c;
		}
	}
}

/* The header line of a release alone (0), or -1. */
static int joint_header(const char *path, struct csv_table *c)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *b = trex_malloc(65536 + 1);
	struct trex_err e2 = {0};
	ssize_t n;
	char *nl;

	if (fd < 0 || !b || (n = read(fd, b, 65536)) <= 0)
		return -1;
	b[n] = '\0';
	if (!(nl = memchr(b, '\n', (size_t)n)))
		return -1;
	return csv_parse_mem(b, (size_t)(nl - b) + 1, path, c, &e2) < 0 ? -1 : 0;
}

/* The earlier releases under prevdir, each into the group it fits. */
static int joint_releases(struct joint_group *groups, size_t ngroups, const char *prevdir,
			  struct trex_err *err)
{
	char *paths[] = {(char *)prevdir, NULL};
	FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	FTSENT *e;
	size_t seen = 0;
	int r = 0;

	if (!fts)
		return 0; /* no releases to read: differencing says the same */
	while (r == 0 && (e = fts_read(fts)) && seen < JOINT_MAX_TABLES) {
		size_t n = strlen(e->fts_path);
		struct csv_table c = {0};
		struct trex_err e2 = {0};
		struct joint_group *g = NULL;
		struct joint_src *s;

		if (e->fts_info != FTS_F || n < 5 || strcmp(e->fts_path + n - 4, ".csv") ||
		    e->fts_statp->st_size > JOINT_MAX_BYTES)
			continue;
		seen++;
		/* the header first: most releases fit no group */
		if (joint_header(e->fts_path, &c) < 0)
			continue;
		for (size_t i = 0; i < ngroups && !g; i++) {
			struct joint_src probe = {.csv = c, .vcol = -1, .ccol = -1};
			for (size_t d = 0; d < MANIFEST_MAX_DIMS; d++)
				probe.col[d] = -1;
			if (joint_release_fits(&groups[i], &probe))
				g = &groups[i];
		}
		csv_free(&c);
		if (!g && !joint_codes_known(groups, ngroups))
			continue;
		if (csv_read_file(e->fts_path, &c, &e2) < 0)
			continue;
		if (c.nrows > JOINT_MAX_CELLS) {
			csv_free(&c);
			continue;
		}
		if (!g) {
			/* its dimensions renamed? paired by their codes */
			for (size_t i = 0; i < ngroups && !g && r == 0; i++) {
				struct joint_src probe = {.csv = c};
				r = joint_release_alike(&groups[i], &probe);
				if (r == 1)
					g = &groups[i];
				r = r < 0 ? r : 0;
			}
			if (!g) {
				csv_free(&c);
				continue;
			}
		}
		if ((r = joint_src_push(g, &s)) < 0) {
			csv_free(&c);
			break;
		}
		s->csv = c;
		if (joint_release_fits(g, s) || joint_release_alike(g, s) == 1)
			joint_release_totals(g, s);
	}
	fts_close(fts);
	return r < 0 ? trex_err_set(err, r, "joint check: earlier releases") : 0;
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

/* Equations: a growing list, each a total (+1) and its parts (-1). */
struct joint_eqs {
	size_t *off, *row;
	int *coef;
	size_t neq, nz, capeq, capnz;
	uint64_t *hash; /* per equation, to drop repeats */
	size_t caphash;
	size_t *hslots;
};

static int joint_eq_add(struct joint_eqs *q, const size_t *rows, const int *coef, size_t n)
{
	uint64_t h = TREX_FNV64_INIT;

	for (size_t i = 0; i < n; i++)
		h = trex_fnv64_byte(h, rows[i] * 2 + (coef[i] > 0));
	h |= 1;
	if (q->neq * 2 + 2 > q->caphash) {
		size_t cap = q->caphash ? q->caphash * 2 : 1024;
		size_t *s = trex_calloc(cap, sizeof(size_t));
		if (!s)
			return -ENOMEM;
		for (size_t e = 0; e < q->neq; e++) {
			size_t i = q->hash[e] & (cap - 1);
			while (s[i])
				i = (i + 1) & (cap - 1);
			s[i] = e + 1;
		}
		trex_free(q->hslots);
		q->hslots = s;
		q->caphash = cap;
	}
	size_t slot = h & (q->caphash - 1);
	for (; q->hslots[slot]; slot = (slot + 1) & (q->caphash - 1)) {
		size_t e = q->hslots[slot] - 1;
		if (q->hash[e] == h && q->off[e + 1] - q->off[e] == n &&
		    !memcmp(q->row + q->off[e], rows, n * sizeof(size_t)))
			return 0;
	}
	if (q->neq + 2 > q->capeq) {
		size_t cap = q->capeq ? q->capeq * 2 : 256;
		size_t *o = trex_reallocarray(q->off, cap, sizeof(size_t));
		if (!o)
			return -ENOMEM;
		q->off = o;
		uint64_t *hh = trex_reallocarray(q->hash, cap, sizeof(uint64_t));
		if (!hh)
			return -ENOMEM;
		q->hash = hh;
		q->capeq = cap;
		if (!q->neq)
			q->off[0] = 0;
	}
	if (q->nz + n > q->capnz) {
		size_t cap = q->capnz ? q->capnz * 2 : 1024;
		while (cap < q->nz + n)
			cap *= 2;
		size_t *r = trex_reallocarray(q->row, cap, sizeof(size_t));
		if (!r)
			return -ENOMEM;
		q->row = r;
		int *c = trex_reallocarray(q->coef, cap, sizeof(int));
		if (!c)
			return -ENOMEM;
		q->coef = c;
		q->capnz = cap;
	}
	memcpy(q->row + q->nz, rows, n * sizeof(size_t));
	memcpy(q->coef + q->nz, coef, n * sizeof(int));
	q->nz += n;
	q->hash[q->neq] = h;
	q->hslots[slot] = q->neq + 1;
	q->off[++q->neq] = q->nz;
	return 0;
}

static const size_t *joint_rank;

static int joint_rank_cmp(const void *a, const void *b)
{
	size_t x = joint_rank[*(const size_t *)a], y = joint_rank[*(const size_t *)b];
	return x < y ? -1 : x > y;
}

/* An equation in canonical form: the total first, the parts in canonical
 * order (so repeats are found and the LP does not depend on the order
 * the tables came in). */
static int joint_eq_canon(struct joint_eqs *q, const struct sdc_margins *m, size_t *rows,
			  int *coef, size_t n)
{
	joint_rank = m->rank;
	qsort(rows + 1, n - 1, sizeof(size_t), joint_rank_cmp);
	for (size_t i = 1; i < n; i++)
		coef[i] = -1;
	coef[0] = 1;
	return joint_eq_add(q, rows, coef, n);
}

/* A release's own margins: along each dimension it has, the row whose
 * code there is its total and the rows that differ from it only there.
 * Rows are grouped by their key with that dimension left out (sorted by
 * the hash of the rest). */
static int joint_release_equations(const struct joint_group *g, const struct joint_src *s,
				   const struct sdc_margins *m, struct joint_eqs *q, size_t *rows,
				   int *coef)
{
	const size_t n = s->csv.nrows;
	_cleanup_free_ struct joint_rowhash *rh = trex_calloc(n + 1, sizeof(*rh));
	const char *key[MANIFEST_MAX_DIMS], *k2[MANIFEST_MAX_DIMS];
	int r = 0;

	if (!rh)
		return -ENOMEM;
	for (size_t d = 0; d < g->nd && r == 0; d++) {
		if (s->col[d] < 0 || !s->tot[d])
			continue;
		for (size_t row = 0; row < n; row++) {
			joint_row_key(g, s, row, key);
			key[d] = "";
			rh[row].h = joint_hash(key, g->nd);
			rh[row].row = row;
		}
		qsort(rh, n, sizeof(*rh), joint_rowhash_cmp);
		for (size_t a = 0, b; a < n && r == 0; a = b) {
			size_t np = 1;
			long total = -1;
			joint_row_key(g, s, rh[a].row, key);
			for (b = a; b < n && rh[b].h == rh[a].h; b++) {
				joint_row_key(g, s, rh[b].row, k2);
				k2[d] = key[d];
				if (!joint_key_eq(key, k2, g->nd))
					continue; /* a hash collision: left out */
				joint_row_key(g, s, rh[b].row, k2);
				if (!k2[d])
					total = (long)rh[b].row;
				else
					rows[np++] = s->cell[rh[b].row];
			}
			if (total < 0 || np < 2)
				continue;
			rows[0] = s->cell[total];
			r = joint_eq_canon(q, m, rows, coef, np);
		}
	}
	return r;
}

/* The system's equations: the joint table's own (every point with a
 * total and the points below it), where they hold; and every current
 * table's margins, mapped to the group's cells. */
static int joint_equations(const struct joint_group *g, struct sdc_margins *m,
			   struct joint_eqs *q, struct trex_err *err)
{
	size_t maxn = 1;
	_cleanup_free_ size_t *rows = NULL;
	_cleanup_free_ int *coef = NULL;
	int r = 0;

	for (size_t e = 0; e < m->neq; e++)
		if (m->eq_off[e + 1] - m->eq_off[e] > maxn)
			maxn = m->eq_off[e + 1] - m->eq_off[e];
	for (size_t i = 0; i < g->nsrc; i++)
		if (!g->src[i].out)
			maxn = g->src[i].csv.nrows + 1 > maxn ? g->src[i].csv.nrows + 1 : maxn;
	rows = trex_calloc(maxn + 1, sizeof(size_t));
	coef = trex_calloc(maxn + 1, sizeof(int));
	if (!rows || !coef)
		return trex_err_set(err, -ENOMEM, "joint check");
	for (size_t e = 0; e < m->neq && r == 0; e++) {
		double sum = 0;
		size_t n = 0;
		for (size_t i = m->eq_off[e]; i < m->eq_off[e + 1]; i++) {
			sum += m->eq_coef[i] * m->value[m->eq_row[i]];
			rows[n++] = m->eq_row[i];
		}
		/* one that does not hold between known values links tables of
		 * different populations: no attacker can use it */
		if (!isnan(sum) && fabs(sum) > 1e-6 * (1 + fabs(m->value[rows[0]])))
			continue;
		r = joint_eq_canon(q, m, rows, coef, n);
	}
	for (size_t i = 0; i < g->nsrc && r == 0; i++) {
		const struct joint_src *s = &g->src[i];
		struct sdc_margins tm;
		if (!s->current && !s->out) {
			r = joint_release_equations(g, s, m, q, rows, coef);
			continue;
		}
		if (!s->current || s->out || !s->decl->total_codes)
			continue;
		if ((r = suppress_margins_build(&s->t, &tm, err)) < 0)
			return r;
		for (size_t e = 0; e < tm.neq && r == 0; e++) {
			size_t n = 0;
			for (size_t k = tm.eq_off[e]; k < tm.eq_off[e + 1]; k++)
				rows[n++] = s->cell[tm.eq_row[k]];
			r = joint_eq_canon(q, m, rows, coef, n);
		}
		suppress_margins_free(&tm);
	}
	return r < 0 ? trex_err_set(err, r, "joint check") : 0;
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
		r = suppress_margins_build(&jt, &m, err);
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
		suppress_margins_free(&m);
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
		     struct joint_plan *plan, struct trex_err *err)
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
			r = joint_current(pol, s, files[s->file], err);
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
