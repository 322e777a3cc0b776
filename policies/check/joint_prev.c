/* The joint check's earlier releases: a project's released tables read
 * back and joined to the groups of the run they fit, on the values they
 * released; the cells they hid are unknowns (joint.c). */
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
#include "fnv.h"

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
int joint_releases(struct joint_group *groups, size_t ngroups, const char *prevdir,
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
