/* Dimensions by content for the joint check (jointdims.h). A hostile
 * analyst renames a margin's dimension (`area` for `region`) so that
 * names no longer link it with the table it gives back; the codes still
 * do. Same rule as differencing (sdc_codes_alike). */
#include "jointdims.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sdc.h"

void joint_codes_free(struct joint_codes *c)
{
	trex_free(c->v);
	c->v = NULL;
	c->n = 0;
}

static int joint_str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int joint_codes_of(const struct csv_table *c, int col, const struct output_decl *d,
		   const char *dim, struct joint_codes *out)
{
	size_t w = 0;

	out->n = 0;
	out->v = trex_calloc(c->nrows + 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (size_t r = 0; r < c->nrows; r++) {
		const char *s = csv_field(c, r, (size_t)col);
		if (!d || !manifest_is_total(d, dim, s))
			out->v[w++] = s;
	}
	qsort(out->v, w, sizeof(*out->v), joint_str_cmp);
	out->n = 0;
	for (size_t i = 0; i < w; i++)
		if (!out->n || strcmp(out->v[out->n - 1], out->v[i]))
			out->v[out->n++] = out->v[i];
	return 0;
}

bool joint_codes_alike(const struct joint_codes *a, const struct joint_codes *b)
{
	size_t i = 0, j = 0, shared = 0;

	/* a column of one code (a constant) says nothing of its dimension */
	if (a->n < 2 || b->n < 2)
		return false;
	while (i < a->n && j < b->n) {
		int c = strcmp(a->v[i], b->v[j]);
		shared += c == 0;
		i += c <= 0;
		j += c >= 0;
	}
	return sdc_codes_alike(shared, a->n, b->n);
}

int joint_codes_union(struct joint_codes *into, const struct joint_codes *add)
{
	const char **v = trex_calloc(into->n + add->n + 1, sizeof(*v));
	size_t i = 0, j = 0, n = 0;

	if (!v)
		return -ENOMEM;
	while (i < into->n || j < add->n) {
		int c = i == into->n ? 1 : j == add->n ? -1 : strcmp(into->v[i], add->v[j]);
		v[n++] = c <= 0 ? into->v[i] : add->v[j];
		i += c <= 0;
		j += c >= 0;
	}
	trex_free(into->v);
	into->v = v;
	into->n = n;
	return 0;
}

int joint_dims_name(const struct output_decl *const *decls, const struct csv_table *tabs,
		    size_t n, const char *(*name)[MANIFEST_MAX_DIMS],
		    struct joint_codes (*codes)[MANIFEST_MAX_DIMS])
{
	for (size_t i = 0; i < n; i++) {
		const struct output_decl *d = decls[i];
		if (!d)
			continue;
		for (size_t k = 0; k < d->ndims; k++) {
			int col = tabs[i].arena ? csv_column(&tabs[i], d->dims[k]) : -1;
			name[i][k] = d->dims[k];
			if (col >= 0 && joint_codes_of(&tabs[i], col, d, d->dims[k], &codes[i][k]) < 0)
				return -ENOMEM;
		}
	}
	/* each dimension, in order, takes the name of the first earlier
	 * dimension of another table alike in content (its name settled
	 * already), unless this table has a dimension of that name */
	for (size_t i = 0; i < n; i++) {
		const struct output_decl *d = decls[i];
		if (!d)
			continue;
		for (size_t k = 0; k < d->ndims; k++) {
			bool found = false;
			for (size_t j = 0; j < i && !found; j++) {
				if (!decls[j])
					continue;
				for (size_t l = 0; l < decls[j]->ndims && !found; l++) {
					bool taken = false;
					if (decls[j]->kind != d->kind ||
					    !joint_codes_alike(&codes[i][k], &codes[j][l]))
						continue;
					for (size_t m = 0; m < d->ndims; m++)
						taken |= m != k && !strcmp(name[i][m], name[j][l]);
					if (taken)
						continue;
					name[i][k] = name[j][l];
					found = true;
				}
			}
		}
	}
	return 0;
}
