/* Category domains of a dataset (domains.h). */
#include "domains.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "fnv.h"
#include "fsutil.h"

/* ---- a set of strings ---- */

static uint64_t strset_hash(const char *s, size_t len)
{
	uint64_t h = trex_fnv64_mem(TREX_FNV64_INIT, s, len);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static int strset_grow(struct strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 64;
	const char **s = trex_calloc(cap, sizeof(*s));
	uint64_t *h = trex_calloc(cap, sizeof(*h));

	if (!s || !h) {
		trex_free(s);
		trex_free(h);
		return -ENOMEM;
	}
	for (size_t i = 0; i < set->cap; i++) {
		size_t j;
		if (!set->s[i])
			continue;
		for (j = set->h[i] & (cap - 1); s[j]; j = (j + 1) & (cap - 1))
			;
		s[j] = set->s[i];
		h[j] = set->h[i];
	}
	trex_free(set->s);
	trex_free(set->h);
	set->s = s;
	set->h = h;
	set->cap = cap;
	return 0;
}

/* The slot of s, or the empty slot where it would go. */
static size_t strset_slot(const struct strset *set, const char *s, size_t len, uint64_t h)
{
	size_t j;

	for (j = h & (set->cap - 1); set->s[j]; j = (j + 1) & (set->cap - 1))
		if (set->h[j] == h && !strncmp(set->s[j], s, len) && set->s[j][len] == '\0')
			break;
	return j;
}

int strset_add(struct strset *set, const char *s, size_t len)
{
	uint64_t h = strset_hash(s, len);
	size_t j;

	if ((set->n + 1) * 2 > set->cap && strset_grow(set) < 0)
		return -ENOMEM;
	j = strset_slot(set, s, len, h);
	if (set->s[j])
		return 0;
	if (set->own) {
		char *c = trex_malloc(len + 1);
		if (!c)
			return -ENOMEM;
		memcpy(c, s, len);
		c[len] = '\0';
		set->s[j] = c;
	} else {
		set->s[j] = s;
	}
	set->h[j] = h;
	set->n++;
	return 1;
}

bool strset_has(const struct strset *set, const char *s, size_t len)
{
	return set->n && set->s[strset_slot(set, s, len, strset_hash(s, len))];
}

void strset_free(struct strset *set)
{
	if (set->own)
		for (size_t i = 0; i < set->cap; i++)
			trex_free((char *)set->s[i]);
	trex_free(set->s);
	trex_free(set->h);
	memset(set, 0, sizeof(*set));
}

/* ---- building ---- */

struct domains_col {
	char *name;
	struct strset values;
	size_t nonempty;
	bool over; /* more than DOMAINS_MAX_VALUES distinct values: not categories */
};

int domains_builder_init(struct domains_builder *b, char *const *ids, size_t nids)
{
	memset(b, 0, sizeof(*b));
	b->ids = ids;
	b->nids = nids;
	b->names.own = true;
	b->dates.own = true;
	return 0;
}

static size_t domains_col_of(struct domains_builder *b, const char *name)
{
	for (size_t i = 0; i < b->ncols; i++)
		if (!strcmp(b->cols[i].name, name))
			return i + 1;
	if (b->ncols == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 16;
		if (trex_resize_array(&b->cols, cap, sizeof(*b->cols)) < 0)
			return 0;
		b->cap = cap;
	}
	memset(&b->cols[b->ncols], 0, sizeof(b->cols[0]));
	b->cols[b->ncols].name = trex_strdup(name);
	b->cols[b->ncols].values.own = true;
	if (!b->cols[b->ncols].name)
		return 0;
	return ++b->ncols;
}

int domains_builder_header(struct domains_builder *b, char *const *fields, size_t n)
{
	b->nmap = n < 256 ? n : 256;
	for (size_t i = 0; i < b->nmap; i++) {
		bool id = false;
		if (strset_add(&b->names, fields[i], strlen(fields[i])) < 0)
			return -ENOMEM;
		for (size_t k = 0; k < b->nids; k++)
			id |= !strcmp(fields[i], b->ids[k]);
		b->map[i] = 0;
		if (!id && !(b->map[i] = domains_col_of(b, fields[i])))
			return -ENOMEM;
	}
	return 0;
}

static bool domains_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool domains_is_date(const char *s, size_t len)
{
	return len >= 10 && domains_digits(s, 4) && s[4] == '-' && domains_digits(s + 5, 2) &&
	       s[7] == '-' && domains_digits(s + 8, 2) && (len == 10 || s[10] == 'T' || s[10] == ' ') &&
	       ((s[5] == '0' && s[6] >= '1') || (s[5] == '1' && s[6] <= '2')) &&
	       !(s[8] == '0' && s[9] == '0') && (s[8] < '3' || (s[8] == '3' && s[9] <= '1'));
}

int domains_builder_row(struct domains_builder *b, char *const *fields, size_t n)
{
	for (size_t i = 0; i < n && i < b->nmap; i++) {
		struct domains_col *c;
		size_t len;

		if (!b->map[i] || !*fields[i])
			continue;
		c = &b->cols[b->map[i] - 1];
		len = strlen(fields[i]);
		c->nonempty++;
		if (!c->over) {
			if (strset_add(&c->values, fields[i], len) < 0)
				return -ENOMEM;
			if (c->values.n > DOMAINS_MAX_VALUES) {
				c->over = true;
				strset_free(&c->values);
			}
		}
		if (domains_is_date(fields[i], len) && b->dates.n + 2 <= DOMAINS_MAX_DATES &&
		    (strset_add(&b->dates, fields[i], 4) < 0 ||
		     strset_add(&b->dates, fields[i], 7) < 0))
			return -ENOMEM;
	}
	return 0;
}

static int domains_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The set's strings, sorted, as a JSON array (non-UTF-8 ones left out). */
static json_t *domains_sorted(const struct strset *set)
{
	_cleanup_free_ const char **v = trex_calloc(set->n + 1, sizeof(*v));
	json_t *a = json_array();
	size_t k = 0;

	if (!v || !a) {
		json_decref(a);
		return NULL;
	}
	for (size_t i = 0; i < set->cap; i++)
		if (set->s[i])
			v[k++] = set->s[i];
	qsort(v, k, sizeof(*v), domains_cmp);
	for (size_t i = 0; i < k; i++) {
		json_t *s = json_string(v[i]);
		if (s && json_array_append_new(a, s) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int domains_builder_write(struct domains_builder *b, const char *out, size_t *nvalues,
			  struct trex_err *err)
{
	json_t *root = json_pack("{s:s, s:i, s:i, s:o, s:{}, s:o}", "format", DOMAINS_FORMAT,
				 "max_values", DOMAINS_MAX_VALUES, "min_mean", DOMAINS_MIN_MEAN,
				 "names", domains_sorted(&b->names), "columns", "dates",
				 domains_sorted(&b->dates));
	json_t *cols = json_object_get(root, "columns");
	_cleanup_free_ char *text = NULL;
	int r = 0;

	*nvalues = json_array_size(json_object_get(root, "dates"));
	/* columns in name order: the same dataset gives the same file */
	for (size_t i = 0; root && r == 0 && i < b->ncols; i++) {
		const struct domains_col *c = &b->cols[i];
		json_t *v;
		if (c->over || !c->values.n || c->values.n * DOMAINS_MIN_MEAN > c->nonempty)
			continue;
		v = domains_sorted(&c->values);
		if (!v)
			r = -ENOMEM;
		else if (json_object_set_new(cols, c->name, v) == 0)
			*nvalues += json_array_size(v);
		/* else a name that is not UTF-8: no output label names it */
	}
	if (!root || r < 0 ||
	    !(text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII))) {
		json_decref(root);
		return trex_err_set(err, -ENOMEM, "%s", out);
	}
	json_decref(root);
	return trex_write_file_atomic(AT_FDCWD, out, text, strlen(text), 0644, err);
}

void domains_builder_free(struct domains_builder *b)
{
	for (size_t i = 0; i < b->ncols; i++) {
		trex_free(b->cols[i].name);
		strset_free(&b->cols[i].values);
	}
	trex_free(b->cols);
	strset_free(&b->names);
	strset_free(&b->dates);
	memset(b, 0, sizeof(*b));
}

/* ---- loading ---- */

static int domains_add_all(struct domains *d, json_t *a)
{
	size_t i;
	json_t *v;

	if (!json_is_array(a))
		return -EINVAL;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return -EINVAL;
		if (strset_add(&d->set, json_string_value(v), strlen(json_string_value(v))) < 0)
			return -ENOMEM;
	}
	return 0;
}

int domains_load(const char *path, struct domains *d, struct trex_err *err)
{
	_cleanup_free_ char *text = NULL;
	json_error_t je;
	const char *key;
	json_t *v;
	size_t len;
	int r;

	memset(d, 0, sizeof(*d));
	r = trex_read_file(AT_FDCWD, path, DOMAINS_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return r;
	d->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(d->root) ||
	    !json_is_string(json_object_get(d->root, "format")) ||
	    strcmp(json_string_value(json_object_get(d->root, "format")), DOMAINS_FORMAT)) {
		domains_free(d);
		return trex_err_setx(err, -EINVAL, "%s: not a category domains file (format %s)",
				     path, DOMAINS_FORMAT);
	}
	r = domains_add_all(d, json_object_get(d->root, "names"));
	if (r == 0)
		r = domains_add_all(d, json_object_get(d->root, "dates"));
	if (r == 0 && !json_is_object(json_object_get(d->root, "columns")))
		r = -EINVAL;
	json_object_foreach(json_object_get(d->root, "columns"), key, v)
		if (r == 0)
			r = domains_add_all(d, v);
	if (r < 0) {
		domains_free(d);
		return r == -ENOMEM ? trex_err_set(err, r, "%s", path)
				    : trex_err_setx(err, r, "%s: malformed category domains", path);
	}
	return 0;
}

bool domains_has(const struct domains *d, const char *s)
{
	return strset_has(&d->set, s, strlen(s));
}

void domains_free(struct domains *d)
{
	strset_free(&d->set);
	json_decref(d->root);
	memset(d, 0, sizeof(*d));
}
