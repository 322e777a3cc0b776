#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "alloc.h"
#include "cleanup.h"
#include "fsutil.h"

static const char *const kind_names[] = {
	[KIND_FREQUENCY] = "frequency_table",
	[KIND_MAGNITUDE] = "magnitude_table",
	[KIND_SUMMARY] = "summary_statistics",
	[KIND_REGRESSION] = "regression",
	[KIND_SURVIVAL] = "survival_table",
	[KIND_FIGURE] = "figure",
	[KIND_TEXT] = "text",
	[KIND_LOG] = "log",
	[KIND_UNKNOWN] = "unknown",
};

const char *manifest_kind_name(enum output_kind k)
{
	return k < TREX_ARRAY_LEN(kind_names) ? kind_names[k] : "unknown";
}

int manifest_kind_parse(const char *s, enum output_kind *k)
{
	for (size_t i = 0; i < TREX_ARRAY_LEN(kind_names); i++)
		if (!strcmp(s, kind_names[i])) {
			*k = (enum output_kind)i;
			return 0;
		}
	return -EINVAL;
}

static const char *const derived_names[] = {
	[DERIVED_COUNT] = "count",
	[DERIVED_PERCENTAGE] = "percentage",
	[DERIVED_PROPORTION] = "proportion",
	[DERIVED_RATE] = "rate",
	[DERIVED_MEAN] = "mean",
	[DERIVED_SUM] = "sum",
	[DERIVED_QUANTILE] = "quantile",
};

const char *manifest_derived_name(enum derived_kind k)
{
	return k < TREX_ARRAY_LEN(derived_names) ? derived_names[k] : "unknown";
}

const struct derived_decl *manifest_derived(const struct output_decl *d, const char *col)
{
	for (size_t i = 0; i < d->nderived; i++)
		if (!strcmp(d->derived[i].column, col))
			return &d->derived[i];
	return NULL;
}

bool manifest_derived_largest(const struct output_decl *d, const char *col)
{
	for (size_t i = 0; i < d->nderived; i++)
		for (size_t k = 0; k < d->derived[i].nlargest; k++)
			if (!strcmp(d->derived[i].largest[k], col))
				return true;
	return false;
}

static int manifest_str(json_t *v, const char *file, size_t idx, const char *key, char **out,
			struct trex_err *err)
{
	if (!json_is_string(v) || !*json_string_value(v) || json_string_length(v) > 256)
		return trex_err_setx(err, -EINVAL,
				     "%s: outputs[%zu].%s must be a non-empty string (<= 256 bytes)",
				     file, idx, key);
	*out = trex_strdup(json_string_value(v));
	return *out ? 0 : trex_err_set(err, -ENOMEM, "%s", file);
}

static int manifest_strlist(json_t *v, const char *file, size_t idx, const char *key,
			    char **out, size_t max, size_t *n, struct trex_err *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > max)
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu].%s must be an array of at most %zu names",
				     file, idx, key, max);
	json_array_foreach(v, i, e) {
		int r = manifest_str(e, file, idx, key, &out[i], err);
		if (r < 0)
			return r;
		*n = i + 1;
	}
	return 0;
}

/* {dim: [codes]}: every dim must be declared, every code a string. */
static int manifest_check_total_codes(const struct output_decl *d, json_t *v, const char *file,
				      size_t idx, struct trex_err *err)
{
	const char *dim;
	json_t *codes, *c;
	size_t i;

	if (!json_is_object(v))
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu].total_codes must be an object",
				     file, idx);
	json_object_foreach(v, dim, codes) {
		bool found = false;
		for (size_t k = 0; k < d->ndims; k++)
			found |= !strcmp(d->dims[k], dim);
		if (!found)
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].total_codes names '%s', not a dimension",
					     file, idx, dim);
		if (!json_is_array(codes))
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].total_codes.%s must be an array", file,
					     idx, dim);
		json_array_foreach(codes, i, c)
			if (!json_is_string(c))
				return trex_err_setx(err, -EINVAL,
						     "%s: outputs[%zu].total_codes.%s must hold strings",
						     file, idx, dim);
	}
	return 0;
}

static int manifest_check_hierarchies(const struct output_decl *d, json_t *v, const char *file,
				      size_t idx, struct trex_err *err)
{
	const char *dim, *parent;
	json_t *tree, *kids, *c;
	size_t i;

	if (!json_is_object(v))
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu].hierarchies must be an object",
				     file, idx);
	json_object_foreach(v, dim, tree) {
		bool found = false;
		for (size_t k = 0; k < d->ndims; k++)
			found |= !strcmp(d->dims[k], dim);
		if (!found || !json_is_object(tree))
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].hierarchies.%s must be an object for a declared dimension",
					     file, idx, dim);
		json_object_foreach(tree, parent, kids) {
			/* a parent that is not a declared total would be taken
			 * for an ordinary cell and its equation silently lost */
			if (!manifest_is_total(d, dim, parent))
				return trex_err_setx(err, -EINVAL,
						     "%s: outputs[%zu].hierarchies.%s: '%s' is not in total_codes.%s",
						     file, idx, dim, parent, dim);
			if (!json_is_array(kids) || json_array_size(kids) == 0)
				return trex_err_setx(err, -EINVAL,
						     "%s: outputs[%zu].hierarchies.%s.%s must be a non-empty array",
						     file, idx, dim, parent);
			json_array_foreach(kids, i, c)
				if (!json_is_string(c))
					return trex_err_setx(err, -EINVAL,
							     "%s: outputs[%zu].hierarchies.%s.%s must hold strings",
							     file, idx, dim, parent);
		}
	}
	return 0;
}

/* {dim: [labels]} and {dim: [breaks]}: every dim declared, labels strings,
 * breaks finite numbers in strictly increasing order. */
static int manifest_check_labels(const struct output_decl *d, json_t *v, bool bins,
				 const char *file, size_t idx, struct trex_err *err)
{
	const char *key = bins ? "bins" : "labels", *dim;
	json_t *list, *e;
	size_t i;

	if (!json_is_object(v))
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu].%s must be an object", file,
				     idx, key);
	json_object_foreach(v, dim, list) {
		bool found = false;
		double prev = 0;
		for (size_t k = 0; k < d->ndims; k++)
			found |= !strcmp(d->dims[k], dim);
		if (!found)
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].%s names '%s', not a dimension", file,
					     idx, key, dim);
		if (!json_is_array(list) || json_array_size(list) == 0 ||
		    json_array_size(list) > (bins ? MANIFEST_MAX_BINS : MANIFEST_MAX_LABELS))
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].%s.%s must be an array of 1 to %d %s",
					     file, idx, key, dim,
					     bins ? MANIFEST_MAX_BINS : MANIFEST_MAX_LABELS,
					     bins ? "breaks" : "labels");
		json_array_foreach(list, i, e) {
			if (!bins && (!json_is_string(e) || json_string_length(e) > 256))
				return trex_err_setx(err, -EINVAL,
						     "%s: outputs[%zu].labels.%s must hold strings (<= 256 bytes)",
						     file, idx, dim);
			if (bins && (!json_is_number(e) || !isfinite(json_number_value(e)) ||
				     fabs(json_number_value(e)) > 1e15 ||
				     (i && json_number_value(e) <= prev)))
				return trex_err_setx(err, -EINVAL,
						     "%s: outputs[%zu].bins.%s must hold numbers in increasing order",
						     file, idx, dim);
			if (bins)
				prev = json_number_value(e);
		}
	}
	return 0;
}

/* One entry of "derived": {"kind": K, ...} for column col (derived[i]). */
static int manifest_derived_entry(struct derived_decl *x, const char *col, json_t *spec,
				  const char *file, size_t idx, struct trex_err *err)
{
	const char *key, *kind = json_string_value(json_object_get(spec, "kind"));
	json_t *v;
	size_t k;
	int r = 0;

	if (!json_is_object(spec))
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu].derived.%s must be an object",
				     file, idx, col);
	for (k = 0; kind && k < TREX_ARRAY_LEN(derived_names); k++)
		if (!strcmp(kind, derived_names[k]))
			break;
	if (!kind || k == TREX_ARRAY_LEN(derived_names))
		return trex_err_setx(err, -EINVAL,
				     "%s: outputs[%zu].derived.%s.kind must be one of count, percentage, proportion, rate, mean, sum, quantile",
				     file, idx, col);
	x->kind = (enum derived_kind)k;
	json_object_foreach(spec, key, v) {
		bool ratio = x->kind == DERIVED_PERCENTAGE || x->kind == DERIVED_PROPORTION ||
			     x->kind == DERIVED_RATE;
		bool magnitude = x->kind == DERIVED_MEAN || x->kind == DERIVED_SUM;
		if (!strcmp(key, "kind"))
			continue;
		if (!strcmp(key, "denominator") && ratio) {
			r = manifest_str(v, file, idx, "derived.denominator", &x->base, err);
		} else if (!strcmp(key, "count") && (magnitude || x->kind == DERIVED_QUANTILE)) {
			r = manifest_str(v, file, idx, "derived.count", &x->base, err);
		} else if (!strcmp(key, "per") && x->kind == DERIVED_RATE) {
			if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
			    json_number_value(v) <= 0 || json_number_value(v) > 1e15)
				return trex_err_setx(err, -EINVAL,
						     "%s: outputs[%zu].derived.%s.per must be a positive number",
						     file, idx, col);
			x->per = json_number_value(v);
		} else if (!strcmp(key, "largest") && magnitude) {
			if (!json_is_array(v) || json_array_size(v) > 64)
				return trex_err_setx(err, -EINVAL,
						     "%s: outputs[%zu].derived.%s.largest must be an array of at most 64 names",
						     file, idx, col);
			if (!(x->largest = trex_calloc(json_array_size(v) + 1, sizeof(char *))))
				return trex_err_set(err, -ENOMEM, "%s", file);
			r = manifest_strlist(v, file, idx, "derived.largest", x->largest, 64,
					     &x->nlargest, err);
		} else {
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].derived.%s: key '%s' is not one of a %s column",
					     file, idx, col, key, derived_names[x->kind]);
		}
		if (r < 0)
			return r;
	}
	if ((x->kind == DERIVED_PERCENTAGE || x->kind == DERIVED_PROPORTION ||
	     x->kind == DERIVED_RATE) && !x->base)
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu].derived.%s: a %s needs 'denominator'",
				     file, idx, col, derived_names[x->kind]);
	if (x->kind == DERIVED_RATE && !x->per)
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu].derived.%s: a rate needs 'per'",
				     file, idx, col);
	return 0;
}

/* "derived": {column: {...}} on a summary table: every column once, none
 * a dimension or the table's count, and every denominator or count a
 * column the checker reads as a count or a magnitude. */
static int manifest_derived_parse(struct output_decl *d, json_t *v, const char *file,
				  size_t idx, struct trex_err *err)
{
	const char *col;
	json_t *spec;
	int r;

	if (!json_is_object(v) || json_object_size(v) == 0 ||
	    json_object_size(v) > MANIFEST_MAX_DERIVED)
		return trex_err_setx(err, -EINVAL,
				     "%s: outputs[%zu].derived must be an object of 1 to %d columns",
				     file, idx, MANIFEST_MAX_DERIVED);
	if (!(d->derived = trex_calloc(json_object_size(v) + 1, sizeof(*d->derived))))
		return trex_err_set(err, -ENOMEM, "%s", file);
	json_object_foreach(v, col, spec) {
		struct derived_decl *x = &d->derived[d->nderived];
		if (!*col || strlen(col) > 256)
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].derived: column names must be 1 to 256 bytes",
					     file, idx);
		if (!(x->column = trex_strdup(col)))
			return trex_err_set(err, -ENOMEM, "%s", file);
		d->nderived++;
		if ((r = manifest_derived_entry(x, col, spec, file, idx, err)) < 0)
			return r;
	}
	return 0;
}

/* After the whole declaration is read: where derived columns and the
 * regression and survival keys may appear, and what they may name. */
static int manifest_derived_check(const struct output_decl *d, const char *file, size_t idx,
				  struct trex_err *err)
{
	if (d->nderived && d->kind != KIND_SUMMARY)
		return trex_err_setx(err, -EINVAL,
				     "%s: outputs[%zu]: 'derived' is for a summary_statistics table",
				     file, idx);
	if (d->observations && d->kind != KIND_REGRESSION)
		return trex_err_setx(err, -EINVAL,
				     "%s: outputs[%zu]: 'observations' is for a regression", file, idx);
	if ((d->time || d->at_risk || d->events || d->censored || d->survival) &&
	    d->kind != KIND_SURVIVAL)
		return trex_err_setx(err, -EINVAL,
				     "%s: outputs[%zu]: 'time', 'at_risk', 'events', 'censored' and 'survival' are for a survival_table",
				     file, idx);
	if (d->kind == KIND_SURVIVAL && (!d->time || !d->at_risk))
		return trex_err_setx(err, -EINVAL,
				     "%s: outputs[%zu]: a survival_table needs 'time' and 'at_risk'",
				     file, idx);
	for (size_t i = 0; i < d->nderived; i++) {
		const struct derived_decl *x = &d->derived[i];
		const struct derived_decl *b;
		const char *base = x->base;

		for (size_t k = 0; k < d->ndims; k++)
			if (!strcmp(d->dims[k], x->column))
				return trex_err_setx(err, -EINVAL,
						     "%s: outputs[%zu].derived.%s is a dimension",
						     file, idx, x->column);
		if (d->count && !strcmp(d->count, x->column))
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].derived.%s is the table's count",
					     file, idx, x->column);
		if (x->kind == DERIVED_COUNT)
			continue;
		if (!base && !(base = d->count))
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].derived.%s: a %s needs 'count' (or the table's 'count')",
					     file, idx, x->column, derived_names[x->kind]);
		if (d->count && !strcmp(base, d->count))
			continue;
		/* a denominator may also be a magnitude (person-time, a sum);
		 * a count must be a count */
		b = manifest_derived(d, base);
		if (!b || !(b->kind == DERIVED_COUNT ||
			    (x->base && b->kind == DERIVED_SUM &&
			     (x->kind == DERIVED_RATE || x->kind == DERIVED_PROPORTION ||
			      x->kind == DERIVED_PERCENTAGE))))
			return trex_err_setx(err, -EINVAL,
					     "%s: outputs[%zu].derived.%s: '%s' is not the table's count or a declared %s column",
					     file, idx, x->column, base,
					     x->kind <= DERIVED_RATE ? "count or sum" : "count");
	}
	return 0;
}

int manifest_decl_from_json(json_t *o, const char *file, size_t idx, struct output_decl *d,
			    struct trex_err *err)
{
	const char *key;
	json_t *v;
	int r = 0;
	bool have_kind = false;

	memset(d, 0, sizeof(*d));
	d->kind = KIND_UNKNOWN;
	if (!json_is_object(o))
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu] must be an object", file, idx);
	json_object_foreach(o, key, v) {
		if (!strcmp(key, "path")) {
			r = manifest_str(v, file, idx, key, &d->path, err);
		} else if (!strcmp(key, "kind")) {
			if (!json_is_string(v) || manifest_kind_parse(json_string_value(v), &d->kind) < 0)
				r = trex_err_setx(err, -EINVAL, "%s: outputs[%zu].kind is not a known kind",
						  file, idx);
			have_kind = true;
		} else if (!strcmp(key, "dimensions")) {
			r = manifest_strlist(v, file, idx, key, d->dims, MANIFEST_MAX_DIMS, &d->ndims, err);
		} else if (!strcmp(key, "count")) {
			r = manifest_str(v, file, idx, key, &d->count, err);
		} else if (!strcmp(key, "value")) {
			r = manifest_str(v, file, idx, key, &d->value, err);
		} else if (!strcmp(key, "contributors")) {
			r = manifest_str(v, file, idx, key, &d->contributors, err);
		} else if (!strcmp(key, "dof")) {
			r = manifest_str(v, file, idx, key, &d->dof, err);
		} else if (!strcmp(key, "observations")) {
			r = manifest_str(v, file, idx, key, &d->observations, err);
		} else if (!strcmp(key, "time")) {
			r = manifest_str(v, file, idx, key, &d->time, err);
		} else if (!strcmp(key, "at_risk")) {
			r = manifest_str(v, file, idx, key, &d->at_risk, err);
		} else if (!strcmp(key, "events")) {
			r = manifest_str(v, file, idx, key, &d->events, err);
		} else if (!strcmp(key, "censored")) {
			r = manifest_str(v, file, idx, key, &d->censored, err);
		} else if (!strcmp(key, "survival")) {
			r = manifest_str(v, file, idx, key, &d->survival, err);
		} else if (!strcmp(key, "derived")) {
			r = manifest_derived_parse(d, v, file, idx, err);
		} else if (!strcmp(key, "largest")) {
			if (!json_is_array(v) || json_array_size(v) > 64)
				r = trex_err_setx(err, -EINVAL, "%s: outputs[%zu].largest must be an array of at most 64 names",
						  file, idx);
			else if (!(d->largest = trex_calloc(json_array_size(v) + 1, sizeof(char *))))
				r = trex_err_set(err, -ENOMEM, "%s", file);
			else
				r = manifest_strlist(v, file, idx, key, d->largest, 64, &d->nlargest, err);
		} else if (!strcmp(key, "total_codes")) {
			d->total_codes = json_incref(v);
		} else if (!strcmp(key, "hierarchies")) {
			d->hierarchies = json_incref(v);
		} else if (!strcmp(key, "labels")) {
			d->labels = json_incref(v);
		} else if (!strcmp(key, "bins")) {
			d->bins = json_incref(v);
		} else {
			r = trex_err_setx(err, -EINVAL, "%s: outputs[%zu]: unknown key '%s'", file, idx, key);
		}
		if (r < 0)
			return r;
	}
	if (!d->path)
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu] needs a 'path'", file, idx);
	if (!have_kind)
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu] needs a 'kind'", file, idx);
	if (d->total_codes && (r = manifest_check_total_codes(d, d->total_codes, file, idx, err)) < 0)
		return r;
	if (d->hierarchies && (r = manifest_check_hierarchies(d, d->hierarchies, file, idx, err)) < 0)
		return r;
	if (d->labels && (r = manifest_check_labels(d, d->labels, false, file, idx, err)) < 0)
		return r;
	if (d->bins && (r = manifest_check_labels(d, d->bins, true, file, idx, err)) < 0)
		return r;
	if (d->kind == KIND_FREQUENCY && (!d->count || !d->ndims))
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu]: a frequency_table needs 'dimensions' and 'count'",
				     file, idx);
	if (d->kind == KIND_MAGNITUDE && (!d->value || !d->contributors || !d->ndims))
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu]: a magnitude_table needs 'dimensions', 'value' and 'contributors'",
				     file, idx);
	if (d->kind == KIND_REGRESSION && !d->dof)
		return trex_err_setx(err, -EINVAL, "%s: outputs[%zu]: a regression needs 'dof'", file, idx);
	return manifest_derived_check(d, file, idx, err);
}

void manifest_decl_free(struct output_decl *d)
{
	trex_free(d->path);
	for (size_t i = 0; i < d->ndims; i++)
		trex_free(d->dims[i]);
	trex_free(d->count);
	trex_free(d->value);
	trex_free(d->contributors);
	trex_free(d->dof);
	if (d->largest)
		for (size_t i = 0; i < d->nlargest; i++)
			trex_free(d->largest[i]);
	trex_free(d->largest);
	json_decref(d->total_codes);
	json_decref(d->hierarchies);
	json_decref(d->labels);
	json_decref(d->bins);
	for (size_t i = 0; i < d->nderived; i++) {
		trex_free(d->derived[i].column);
		trex_free(d->derived[i].base);
		for (size_t k = 0; k < d->derived[i].nlargest; k++)
			trex_free(d->derived[i].largest[k]);
		trex_free(d->derived[i].largest);
	}
	trex_free(d->derived);
	trex_free(d->observations);
	trex_free(d->time);
	trex_free(d->at_risk);
	trex_free(d->events);
	trex_free(d->censored);
	trex_free(d->survival);
	memset(d, 0, sizeof(*d));
}

void manifest_free(struct output_manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		manifest_decl_free(&m->outputs[i]);
	trex_free(m->outputs);
	m->outputs = NULL;
	m->n = 0;
}

int manifest_parse(const char *text, size_t len, const char *file, struct output_manifest *m,
		   struct trex_err *err)
{
	json_error_t je;
	json_t *root, *outs, *o;
	const char *key;
	json_t *v;
	size_t i;
	int r = 0;

	memset(m, 0, sizeof(*m));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return trex_err_setx(err, -EINVAL, "%s:%d:%d: %s", file, je.line, je.column, je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return trex_err_setx(err, -EINVAL, "%s: the manifest must be a JSON object", file);
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "outputs")) {
			/* key belongs to root: format the message before freeing */
			r = trex_err_setx(err, -EINVAL, "%s: unknown key '%s'", file, key);
			json_decref(root);
			return r;
		}
	}
	outs = json_object_get(root, "outputs");
	if (!json_is_array(outs) || json_array_size(outs) > 4096) {
		json_decref(root);
		return trex_err_setx(err, -EINVAL, "%s: 'outputs' must be an array (<= 4096)", file);
	}
	m->outputs = trex_calloc(json_array_size(outs) + 1, sizeof(*m->outputs));
	if (!m->outputs) {
		json_decref(root);
		return trex_err_set(err, -ENOMEM, "%s", file);
	}
	json_array_foreach(outs, i, o) {
		r = manifest_decl_from_json(o, file, i, &m->outputs[i], err);
		m->n = i + 1;
		if (r < 0)
			break;
		for (size_t j = 0; j < i && r == 0; j++)
			if (!strcmp(m->outputs[j].path, m->outputs[i].path))
				r = trex_err_setx(err, -EINVAL, "%s: outputs[%zu]: path '%s' declared twice",
						  file, i, m->outputs[i].path);
		if (r < 0)
			break;
	}
	json_decref(root);
	if (r < 0)
		manifest_free(m);
	return r;
}

int manifest_load(const char *path, struct output_manifest *m, struct trex_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = trex_read_file(AT_FDCWD, path, MANIFEST_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return r;
	return manifest_parse(text, len, path, m, err);
}

const struct output_decl *manifest_match(const struct output_manifest *m, const char *arg)
{
	const char *base = strrchr(arg, '/');
	const char *rel = arg;

	base = base ? base + 1 : arg;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->outputs[i].path, rel))
			return &m->outputs[i];
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->outputs[i].path, base))
			return &m->outputs[i];
	return NULL;
}

int manifest_is_total(const struct output_decl *d, const char *dim, const char *code)
{
	json_t *codes, *c;
	size_t i;

	if (!d->total_codes)
		return 0;
	codes = json_object_get(d->total_codes, dim);
	json_array_foreach(codes, i, c)
		if (!strcmp(json_string_value(c), code))
			return 1;
	return 0;
}
