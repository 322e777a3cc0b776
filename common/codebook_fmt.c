/* The codebook format's one reader (codebook_fmt.h). */
#include "codebook_fmt.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "suggest.h"

static const char *const cbf_types[] = {CODEBOOK_TYPE_ID, "integer", "number", "date",
					"string", "empty"};

/* Every key of o among keys[0..n), else an error naming the first other. */
static int cbf_keys(json_t *o, const char *const *keys, size_t n, const char *where,
		    const char *at, struct trex_err *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		bool known = false;
		for (size_t i = 0; i < n; i++)
			known |= !strcmp(key, keys[i]);
		if (!known) {
			const char *near = trex_suggest(key, keys, n);
			return trex_err_setx(err, -EINVAL, "%s: %s%sunknown key \"%.64s\"%s%s%s", where,
					     at, *at ? ": " : "", key, near ? " (did you mean \"" : "",
					     near ? near : "", near ? "\"?)" : "");
		}
	}
	return 0;
}

/* "WHERE: AT.WHAT" (AT: where in the codebook, "" at its top) */
static int cbf_fail(struct trex_err *err, const char *where, const char *at, const char *what)
{
	return trex_err_setx(err, -EINVAL, "%s: %s%s%s", where, at, *at ? "." : "", what);
}

static bool cbf_month(const char *s)
{
	return strlen(s) == 7 && s[4] == '-' && strspn(s, "0123456789") == 4 &&
	       strspn(s + 5, "0123456789") == 2 &&
	       ((s[5] == '0' && s[6] >= '1') || (s[5] == '1' && s[6] <= '2'));
}

int codebook_fmt_file_ok(const char *name)
{
	size_t n = strlen(name);
	const char *p = name;

	if (n < 5 || n > 255 || strcmp(name + n - 4, ".csv") || name[0] == '/' || name[n - 1] == '/')
		return 0;
	while (*p) {
		size_t len = strcspn(p, "/");
		if (len == 0 || p[0] == '.')
			return 0;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == '\\')
				return 0;
		p += len + (p[len] == '/');
	}
	return 1;
}

/* A name a CSV header can carry as it is (the dummy writes it unquoted). */
int codebook_fmt_column_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == ',' || s[i] == '"')
			return 0;
	return 1;
}

static int cbf_range(json_t *range, const char *type, const char *where, const char *at,
		     struct trex_err *err)
{
	json_t *lo = json_array_get(range, 0), *hi = json_array_get(range, 1);

	if (!json_is_array(range) || json_array_size(range) != 2)
		return cbf_fail(err, where, at, "range: must be [low, high]");
	if (!strcmp(type, "date")) {
		if (!json_is_string(lo) || !json_is_string(hi) || !cbf_month(json_string_value(lo)) ||
		    !cbf_month(json_string_value(hi)))
			return cbf_fail(err, where, at, "range: a date column's bounds are months \"YYYY-MM\"");
		if (strcmp(json_string_value(lo), json_string_value(hi)) > 0)
			return cbf_fail(err, where, at, "range: low is after high");
		return 0;
	}
	if (strcmp(type, "integer") && strcmp(type, "number"))
		return cbf_fail(err, where, at, "range: only integer, number and date columns have one");
	if (!json_is_number(lo) || !json_is_number(hi) ||
	    (!strcmp(type, "integer") && (!json_is_integer(lo) || !json_is_integer(hi))))
		return cbf_fail(err, where, at, !strcmp(type, "integer")
							 ? "range: an integer column's bounds are integers"
							 : "range: bounds are numbers");
	if (json_number_value(lo) > json_number_value(hi))
		return cbf_fail(err, where, at, "range: low is above high");
	return 0;
}

static int cbf_column(json_t *c, const char *where, const char *at, struct trex_err *err)
{
	static const char *const keys[] = {"name", "type", "missing", "values", "suppressed",
					   "range", "format", "length", "description"};
	json_t *name = json_object_get(c, "name"), *type = json_object_get(c, "type");
	json_t *values = json_object_get(c, "values"), *v, *x;
	const char *t;
	bool known = false, id;
	size_t i;
	int r;

	if (!json_is_object(c))
		return trex_err_setx(err, -EINVAL, "%s: %s: must be an object", where, at);
	if ((r = cbf_keys(c, keys, sizeof(keys) / sizeof(*keys), where, at, err)) < 0)
		return r;
	if (!json_is_string(name) || !codebook_fmt_column_ok(json_string_value(name)))
		return cbf_fail(err, where, at, "name: must be 1-255 bytes, no comma, quote or control character");
	if (!json_is_string(type))
		return cbf_fail(err, where, at, "type: missing (identifier, integer, number, date, string or empty)");
	t = json_string_value(type);
	for (i = 0; i < sizeof(cbf_types) / sizeof(*cbf_types); i++)
		known |= !strcmp(t, cbf_types[i]);
	if (!known)
		return cbf_fail(err, where, at, "type: must be identifier, integer, number, date, string or empty");
	id = !strcmp(t, CODEBOOK_TYPE_ID);
	if ((x = json_object_get(c, "missing")) && !json_is_boolean(x))
		return cbf_fail(err, where, at, "missing: must be true or false");
	if ((x = json_object_get(c, "description")) && !json_is_string(x))
		return cbf_fail(err, where, at, "description: must be a string");
	if ((x = json_object_get(c, "suppressed")) &&
	    (!json_is_string(x) || strcmp(json_string_value(x), CODEBOOK_SUPPRESSED_RULE)))
		return cbf_fail(err, where, at, "suppressed: must be \"" CODEBOOK_SUPPRESSED_RULE "\"");
	if (id && values)
		return cbf_fail(err, where, at, "values: never on an identifier column");
	if (id && json_object_get(c, "range"))
		return cbf_fail(err, where, at, "range: never on an identifier column");
	if (!id && json_object_get(c, "format"))
		return cbf_fail(err, where, at, "format: on identifier columns only");
	if (!id && json_object_get(c, "length"))
		return cbf_fail(err, where, at, "length: on identifier columns only");
	if ((x = json_object_get(c, "format")) &&
	    (!json_is_string(x) || (strcmp(json_string_value(x), "hex") &&
				    strcmp(json_string_value(x), "digits") &&
				    strcmp(json_string_value(x), "text"))))
		return cbf_fail(err, where, at, "format: must be hex, digits or text");
	if ((x = json_object_get(c, "length")) &&
	    (!json_is_integer(x) || json_integer_value(x) < 1 || json_integer_value(x) > 4096))
		return cbf_fail(err, where, at, "length: must be an integer from 1 to 4096");
	if (values) {
		if (!json_is_array(values) || json_array_size(values) > CODEBOOK_MAX_VALUES)
			return cbf_fail(err, where, at, "values: must be an array of at most 1000 strings");
		json_array_foreach(values, i, v)
			if (!json_is_string(v) || json_string_length(v) > CODEBOOK_MAX_VALUE_LEN ||
			    strchr(json_string_value(v), '\n') || strchr(json_string_value(v), '\r') ||
			    strlen(json_string_value(v)) != json_string_length(v))
				return cbf_fail(err, where, at, "values: each must be a string on one line, at most 4096 bytes");
	}
	if ((x = json_object_get(c, "range")))
		return cbf_range(x, t, where, at, err);
	return 0;
}

int codebook_fmt_check(json_t *root, const char *where, struct trex_err *err)
{
	static const char *const keys[] = {"format", "source", "threshold", "description", "files"};
	static const char *const fkeys[] = {"name", "rows", "description", "columns"};
	json_t *files = json_object_get(root, "files"), *f, *c, *x;
	char at[96];
	size_t i, j;
	int r;

	if (!json_is_object(root))
		return cbf_fail(err, where, "", "a codebook is a JSON object");
	if ((r = cbf_keys(root, keys, sizeof(keys) / sizeof(*keys), where, "", err)) < 0)
		return r;
	x = json_object_get(root, "format");
	if (!json_is_string(x) || strcmp(json_string_value(x), CODEBOOK_FORMAT))
		return cbf_fail(err, where, "", "format: must be \"" CODEBOOK_FORMAT "\"");
	if ((x = json_object_get(root, "source")) &&
	    (!json_is_string(x) || (strcmp(json_string_value(x), "derived") &&
				    strcmp(json_string_value(x), "operator"))))
		return cbf_fail(err, where, "", "source: must be \"derived\" or \"operator\"");
	if ((x = json_object_get(root, "threshold")) &&
	    (!json_is_integer(x) || json_integer_value(x) < 1))
		return cbf_fail(err, where, "", "threshold: must be a positive integer");
	if ((x = json_object_get(root, "description")) && !json_is_string(x))
		return cbf_fail(err, where, "", "description: must be a string");
	if (!json_is_array(files) || json_array_size(files) > CODEBOOK_MAX_FILES)
		return cbf_fail(err, where, "", "files: must be an array of at most 1000 files");
	json_array_foreach(files, i, f) {
		json_t *cols = json_object_get(f, "columns");
		snprintf(at, sizeof(at), "files[%zu]", i);
		if (!json_is_object(f))
			return trex_err_setx(err, -EINVAL, "%s: %s: must be an object", where, at);
		if ((r = cbf_keys(f, fkeys, sizeof(fkeys) / sizeof(*fkeys), where, at, err)) < 0)
			return r;
		if (!json_is_string(json_object_get(f, "name")) ||
		    !codebook_fmt_file_ok(json_string_value(json_object_get(f, "name"))))
			return cbf_fail(err, where, at, "name: must be a relative path of NAME.csv (no '.' or '..' component)");
		for (j = 0; j < i; j++)
			if (!strcmp(json_string_value(json_object_get(json_array_get(files, j), "name")),
				    json_string_value(json_object_get(f, "name"))))
				return cbf_fail(err, where, at, "name: the same file twice");
		if ((x = json_object_get(f, "rows")) && (!json_is_integer(x) || json_integer_value(x) < 0))
			return cbf_fail(err, where, at, "rows: must be an integer >= 0");
		if ((x = json_object_get(f, "description")) && !json_is_string(x))
			return cbf_fail(err, where, at, "description: must be a string");
		if (!json_is_array(cols) || json_array_size(cols) > CODEBOOK_MAX_COLUMNS)
			return cbf_fail(err, where, at, "columns: must be an array of at most 256 columns");
		json_array_foreach(cols, j, c) {
			snprintf(at, sizeof(at), "files[%zu].columns[%zu]", i, j);
			if ((r = cbf_column(c, where, at, err)) < 0)
				return r;
		}
	}
	return 0;
}
