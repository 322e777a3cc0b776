/* A dataset's derived codebook (codebook.h). */
#include "codebook.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "cleanup.h"
#include "codebook_fmt.h"
#include "domains.h"
#include "fnv.h"
#include "fsutil.h"

struct cb_col {
	char *name;
	bool id;
	size_t nonempty;
	bool is_int, is_num, is_date; /* every non-empty value so far */
	/* distinct values and their counts, open addressing; freed once
	 * over DOMAINS_MAX_VALUES (then not a category column) */
	char **keys;
	size_t *counts;
	uint64_t *hashes;
	size_t nkeys, cap;
	bool over;
	/* the k smallest (max-heap) and k largest (min-heap) values, or
	 * months (year * 12 + month - 1) of a date column */
	double *lo, *hi;
	size_t nlo, nhi;
	/* an id column's shape */
	bool hex, digits, samelen;
	size_t idlen;
};

struct cb_file {
	char *name;
	size_t rows;
	struct cb_col *cols;
	size_t ncols;
};

struct codebook_builder {
	struct cb_file *files;
	size_t nfiles;
	char *const *ids;
	size_t nids;
	size_t k;
};

/* bit 0: a decimal digit, bit 1: a lowercase hex digit */
static uint8_t cb_class[256];

static void cb_class_init(void)
{
	for (int ch = '0'; ch <= '9'; ch++)
		cb_class[ch] = 3;
	for (int ch = 'a'; ch <= 'f'; ch++)
		cb_class[ch] = 2;
}

int codebook_builder_new(struct codebook_builder **out, char *const *ids, size_t nids,
			 long threshold)
{
	struct codebook_builder *b;

	*out = NULL;
	if (threshold < 1 || threshold > CODEBOOK_MAX_THRESHOLD)
		return -EINVAL;
	b = trex_calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	cb_class_init();
	b->ids = ids;
	b->nids = nids;
	b->k = (size_t)threshold;
	*out = b;
	return 0;
}

int codebook_builder_header(struct codebook_builder *b, const char *name, char *const *fields,
			    size_t n)
{
	struct cb_file *f;

	if (trex_resize_array(&b->files, b->nfiles + 1, sizeof(*b->files)) < 0)
		return -ENOMEM;
	f = &b->files[b->nfiles++];
	memset(f, 0, sizeof(*f));
	if (!(f->name = trex_strdup(name)) || !(f->cols = trex_calloc(n ? n : 1, sizeof(*f->cols))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct cb_col *c = &f->cols[i];
		if (!(c->name = trex_strdup(fields[i])))
			return -ENOMEM;
		f->ncols++;
		for (size_t k = 0; k < b->nids; k++)
			c->id |= !strcmp(fields[i], b->ids[k]);
		c->is_int = c->is_num = c->is_date = true;
		c->hex = c->digits = c->samelen = true;
		c->over = c->id; /* an identifier is never a category */
	}
	return 0;
}

static uint64_t cb_hash(const char *s, size_t len)
{
	uint64_t h = trex_fnv64_mem(TREX_FNV64_INIT, s, len);
	return h ^ (h >> 29);
}

static void cb_values_free(struct cb_col *c)
{
	for (size_t i = 0; c->keys && i < c->cap; i++)
		trex_free(c->keys[i]);
	trex_free(c->keys);
	trex_free(c->counts);
	trex_free(c->hashes);
	c->keys = NULL;
	c->counts = NULL;
	c->hashes = NULL;
	c->nkeys = c->cap = 0;
}

/* 4096 slots hold DOMAINS_MAX_VALUES + 1 keys at a load under a third */
#define CB_SLOTS 4096

static int cb_count(struct cb_col *c, const char *s, size_t len)
{
	uint64_t h = cb_hash(s, len);
	size_t j;

	if (!c->cap) {
		c->keys = trex_calloc(CB_SLOTS, sizeof(*c->keys));
		c->counts = trex_calloc(CB_SLOTS, sizeof(*c->counts));
		c->hashes = trex_calloc(CB_SLOTS, sizeof(*c->hashes));
		c->cap = CB_SLOTS;
		if (!c->keys || !c->counts || !c->hashes)
			return -ENOMEM;
	}
	for (j = h & (CB_SLOTS - 1); c->keys[j]; j = (j + 1) & (CB_SLOTS - 1))
		if (c->hashes[j] == h && !strcmp(c->keys[j], s)) {
			c->counts[j]++;
			return 0;
		}
	if (c->nkeys == DOMAINS_MAX_VALUES) {
		c->over = true;
		cb_values_free(c);
		return 0;
	}
	if (!(c->keys[j] = trex_strdup(s)))
		return -ENOMEM;
	c->hashes[j] = h;
	c->counts[j] = 1;
	c->nkeys++;
	return 0;
}

/* Keep the k smallest of the values pushed (max-heap: heap[0] is the
 * k-th smallest once full); sign -1 keeps the k largest instead. */
static void cb_heap_push(double *heap, size_t *n, size_t k, double x, int sign)
{
	size_t i;

	x *= sign;
	if (*n < k) {
		for (i = (*n)++; i > 0 && heap[(i - 1) / 2] < x; i = (i - 1) / 2)
			heap[i] = heap[(i - 1) / 2];
		heap[i] = x;
		return;
	}
	if (x >= heap[0])
		return;
	for (i = 0;;) {
		size_t l = 2 * i + 1, m = l;
		if (l >= k)
			break;
		if (l + 1 < k && heap[l + 1] > heap[l])
			m = l + 1;
		if (heap[m] <= x)
			break;
		heap[i] = heap[m];
		i = m;
	}
	heap[i] = x;
}

/* A plain decimal number (no inf, nan, hex or spaces): 1 integer, 2 other
 * number, 0 not a number; *v its value. */
static int cb_number(const char *s, size_t len, double *v)
{
	size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	bool digits = i < len;
	char *end;

	for (size_t j = i; j < len; j++) {
		bool d = s[j] >= '0' && s[j] <= '9';
		digits &= d;
		/* what strtod would stop at anyway (a date's '-'): no call */
		if (!d && s[j] != '.' && s[j] != 'e' && s[j] != 'E' &&
		    !((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E')))
			return 0;
	}
	if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '.')
		return 0;
	if (digits && len - i <= 15) { /* exact in a double: no strtod per cell */
		double x = 0;
		for (size_t j = i; j < len; j++)
			x = x * 10 + (s[j] - '0');
		*v = s[0] == '-' ? -x : x;
		return 1;
	}
	errno = 0;
	*v = strtod(s, &end);
	if (end != s + len || errno == ERANGE || !isfinite(*v))
		return 0;
	return digits ? 1 : 2;
}

/* An identifier's form: every one of its values is read (a table
 * lookup a byte), none kept. */
static void cb_id_shape(struct cb_col *c, const char *s, size_t len)
{
	uint8_t m = (uint8_t)((c->digits ? 1 : 0) | (c->hex ? 2 : 0));

	if (c->nonempty == 1)
		c->idlen = len;
	else if (len != c->idlen)
		c->samelen = false;
	for (size_t i = 0; i < len && m; i++)
		m &= cb_class[(unsigned char)s[i]];
	c->digits = m & 1;
	c->hex = m & 2;
}

/* The column's kind after one more value, and its two heaps. */
static int cb_kind(struct codebook_builder *b, struct cb_col *c, const char *s, size_t len)
{
	double v;
	int num = c->is_num ? cb_number(s, len, &v) : 0;

	if (num) {
		c->is_int &= num == 1;
		c->is_date = false;
	} else if (c->is_date && domains_is_date(s, len)) {
		v = (double)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + s[3] - '0') * 12 +
		    (s[5] - '0') * 10 + s[6] - '0' - 1;
		c->is_num = c->is_int = false;
	} else {
		/* a date column's values were not counted: no domain */
		if (c->is_date && !c->is_num) {
			c->over = true;
			cb_values_free(c);
		}
		c->is_num = c->is_int = c->is_date = false;
		trex_free(c->lo);
		trex_free(c->hi);
		c->lo = c->hi = NULL;
		return 0;
	}
	if (!c->lo) {
		c->lo = trex_calloc(b->k, sizeof(*c->lo));
		c->hi = trex_calloc(b->k, sizeof(*c->hi));
		if (!c->lo || !c->hi)
			return -ENOMEM;
	}
	cb_heap_push(c->lo, &c->nlo, b->k, v, 1);
	cb_heap_push(c->hi, &c->nhi, b->k, v, -1);
	return 0;
}

static int cb_cell(struct codebook_builder *b, struct cb_col *c, const char *s)
{
	size_t len = strlen(s);

	if (!len)
		return 0;
	c->nonempty++;
	if (c->id) {
		cb_id_shape(c, s, len);
		return 0;
	}
	if ((c->is_num || c->is_date) && cb_kind(b, c, s, len) < 0)
		return -ENOMEM;
	/* a date column's values are never shown: not counted */
	if (!c->over && !c->is_date && cb_count(c, s, len) < 0)
		return -ENOMEM;
	return 0;
}


int codebook_builder_row(struct codebook_builder *b, char *const *fields, size_t n)
{
	struct cb_file *f = &b->files[b->nfiles - 1];

	f->rows++;
	for (size_t i = 0; i < n && i < f->ncols; i++)
		if (cb_cell(b, &f->cols[i], fields[i]) < 0)
			return -ENOMEM;
	return 0;
}

double codebook_round2(double x, int dir)
{
	double a = fabs(x), m, q;
	int e;

	if (a == 0 || !isfinite(x))
		return x;
	e = (int)floor(log10(a)) - 1;
	/* divide by a power of ten above 1 rather than multiply by one under
	 * 1: 0.012 stays 0.012, not 0.012000000000000002 */
	q = e < 0 ? x * pow(10, -e) : x / pow(10, e);
	q = dir < 0 ? floor(q) : dir > 0 ? ceil(q) : round(q);
	m = pow(10, e < 0 ? -e : e);
	return e < 0 ? q / m : q * m;
}

static int cb_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The category values seen in at least k rows, sorted; *withheld set
 * when some were not (too rare, or not UTF-8). */
static json_t *cb_values(const struct cb_col *c, size_t k, bool *withheld)
{
	_cleanup_free_ const char **v = trex_calloc(c->nkeys + 1, sizeof(*v));
	json_t *a = json_array();
	size_t n = 0;

	if (!v || !a) {
		json_decref(a);
		return NULL;
	}
	for (size_t i = 0; i < c->cap; i++) {
		if (!c->keys[i])
			continue;
		/* a value the format cannot carry is withheld as well */
		if (c->counts[i] >= k && strlen(c->keys[i]) <= CODEBOOK_MAX_VALUE_LEN &&
		    !strpbrk(c->keys[i], "\r\n"))
			v[n++] = c->keys[i];
		else
			*withheld = true;
	}
	qsort(v, n, sizeof(*v), cb_strcmp);
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_string(v[i]);
		if (!s)
			*withheld = true;
		else if (json_array_append_new(a, s) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *cb_bound(const struct cb_col *c, double x, int dir)
{
	char month[16];
	long m;

	if (c->is_date) {
		m = (long)x;
		snprintf(month, sizeof(month), "%04ld-%02ld", m / 12, m % 12 + 1);
		return json_string(month);
	}
	x = codebook_round2(x, dir);
	return c->is_int ? json_integer((json_int_t)x) : json_real(x);
}

static json_t *cb_column(const struct codebook_builder *b, const struct cb_col *c, size_t rows)
{
	json_t *o = json_pack("{s:s, s:b}", "name", c->name, "missing", c->nonempty < rows);
	const char *type = c->is_int ? "integer" : c->is_num ? "number" : c->is_date ? "date"
									    : "string";
	bool withheld = false;
	int r = 0;

	if (!o)
		return NULL; /* also a name that is not UTF-8: left out */
	if (!codebook_fmt_column_ok(c->name)) { /* nor can a CSV header carry it bare */
		json_decref(o);
		return NULL;
	}
	if (c->id) {
		r |= json_object_set_new(o, "type", json_string(CODEBOOK_TYPE_ID));
		r |= json_object_set_new(o, "format", json_string(!c->nonempty ? "text" : c->digits ? "digits"
								  : c->hex ? "hex" : "text"));
		if (c->nonempty && c->samelen)
			r |= json_object_set_new(o, "length", json_integer((json_int_t)c->idlen));
	} else if (!c->nonempty) {
		r |= json_object_set_new(o, "type", json_string("empty"));
	} else {
		r |= json_object_set_new(o, "type", json_string(type));
		/* a date column is shown by months, never by its days, however
		 * many rows share each */
		if (!c->is_date && !c->over && c->nkeys * DOMAINS_MIN_MEAN <= c->nonempty) {
			json_t *v = cb_values(c, b->k, &withheld);
			r |= v ? json_object_set_new(o, "values", v) : -1;
		} else if (c->is_num || c->is_date) {
			/* at least k rows at or beyond each bound, the bounds
			 * apart: no single row's value */
			if (c->nonempty >= 2 * b->k && c->nlo == b->k && c->nhi == b->k)
				r |= json_object_set_new(o, "range",
							 json_pack("[o,o]", cb_bound(c, c->lo[0], -1),
								   cb_bound(c, -c->hi[0], 1)));
			else
				withheld = true;
		}
		if (withheld)
			r |= json_object_set_new(o, "suppressed", json_string(CODEBOOK_SUPPRESSED_RULE));
	}
	if (r) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int codebook_builder_write(struct codebook_builder *b, const char *out, size_t *ncols,
			   struct trex_err *err)
{
	json_t *root = json_pack("{s:s, s:s, s:I, s:[]}", "format", CODEBOOK_FORMAT, "source",
				 "derived", "threshold", (json_int_t)b->k, "files");
	json_t *files = json_object_get(root, "files");
	_cleanup_free_ char *text = NULL;
	int r = root ? 0 : -ENOMEM;

	*ncols = 0;
	for (size_t i = 0; r == 0 && i < b->nfiles; i++) {
		const struct cb_file *f = &b->files[i];
		json_t *cols = json_array();
		json_t *fo = json_pack("{s:s, s:I, s:o}", "name", f->name, "rows",
				       (json_int_t)codebook_round2((double)f->rows, 0), "columns", cols);
		if (!fo || !codebook_fmt_file_ok(f->name)) {
			json_decref(fo);
			/* a file name that is not UTF-8 is left out */
			continue;
		}
		for (size_t j = 0; r == 0 && j < f->ncols; j++) {
			json_t *c = cb_column(b, &f->cols[j], f->rows);
			if (c && json_array_append_new(cols, c) == 0)
				++*ncols;
		}
		if (json_array_append_new(files, fo) < 0)
			r = -ENOMEM;
	}
	if (r < 0 || !(text = json_dumps(root, JSON_INDENT(1) | JSON_ENSURE_ASCII |
						     JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)))) {
		json_decref(root);
		return trex_err_set(err, -ENOMEM, "%s", out);
	}
	json_decref(root);
	return trex_write_file_atomic(AT_FDCWD, out, text, strlen(text), 0644, err);
}

void codebook_builder_free(struct codebook_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nfiles; i++) {
		for (size_t j = 0; j < b->files[i].ncols; j++) {
			struct cb_col *c = &b->files[i].cols[j];
			trex_free(c->name);
			cb_values_free(c);
			trex_free(c->lo);
			trex_free(c->hi);
		}
		trex_free(b->files[i].cols);
		trex_free(b->files[i].name);
	}
	trex_free(b->files);
	trex_free(b);
}
