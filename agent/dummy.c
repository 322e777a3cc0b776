/* trex dummy NAME -o DIR (dummy.h): every file of the dataset's codebook,
 * with its columns in order, values drawn from what the codebook says of
 * each (its category values, its range, its identifier form), so that
 * code written against the dummy reads the real files unchanged. Rows of
 * different files join on their identifier columns: the file with the
 * fewest rows holding an identifier column has each identifier once, the
 * others draw from the same identifiers. */
#include "dummy.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/synth/out.h"
#include "bench/synth/rng.h"
#include "bench/synth/synth.h"
#include "common/beneath.h"
#include "common/cleanup.h"
#include "common/codebook_fmt.h"
#include "common/fsutil.h"

/* the share of empty values in a column the codebook says has some */
#define DUMMY_MISSING_SHARE 0.05

static const char *dm_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static uint64_t dm_rows(const json_t *file)
{
	const json_t *r = json_object_get(file, "rows");
	return json_is_integer(r) ? (uint64_t)json_integer_value(r) : 100;
}

/* Rows of the dummy file: rows of the largest, the others in proportion. */
static uint64_t dm_scaled(const json_t *file, uint64_t largest, uint64_t rows)
{
	double n;
	if (largest == 0)
		return rows;
	n = ceil((double)dm_rows(file) * (double)rows / (double)largest);
	return n < 1 ? 1 : n > rows ? rows : (uint64_t)n;
}

/* Room for n more bytes in the buffer (fields are at most
 * 2 * CODEBOOK_MAX_VALUE_LEN + 3 bytes, quoted). */
static int dm_room(struct synth_out *o, size_t n, struct trex_err *err)
{
	return SYNTH_OUT_BUF - o->len < n ? synth_out_flush(o, err) : 0;
}

static void dm_quoted(struct synth_out *o, const char *s)
{
	if (!strpbrk(s, ",\"")) {
		synth_out_str(o, s);
		return;
	}
	synth_out_char(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			synth_out_char(o, '"');
		synth_out_char(o, *s);
	}
	synth_out_char(o, '"');
}

/* The identifier number idx in the column's form. */
static void dm_identifier(struct synth_out *o, const json_t *c, uint64_t seed, uint64_t idx)
{
	const char *format = dm_str(c, "format") ? dm_str(c, "format") : "text";
	json_int_t len = json_integer_value(json_object_get(c, "length"));
	char hex[65];

	if (!strcmp(format, "hex")) {
		/* trex-synth's pseudonymised identifiers, cut or repeated to length */
		synth_patient_id(seed, idx, hex);
		for (json_int_t i = 0; i < (len ? len : 64); i++)
			synth_out_char(o, hex[i % 64]);
	} else if (!strcmp(format, "digits")) {
		char d[32];
		int n = snprintf(d, sizeof(d), "%" PRIu64, idx + 1);
		for (json_int_t i = n; i < len; i++) /* zero-padded to length */
			synth_out_char(o, '0');
		synth_out_str(o, d);
	} else {
		synth_out_str(o, "id");
		synth_out_u64(o, idx + 1);
	}
}

static void dm_month_day(struct synth_out *o, long month, unsigned day)
{
	char s[16];
	snprintf(s, sizeof(s), "%04ld-%02ld-%02u", month / 12, month % 12 + 1, day);
	synth_out_str(o, s);
}

static long dm_month(const char *ym)
{
	return strtol(ym, NULL, 10) * 12 + strtol(ym + 5, NULL, 10) - 1;
}

/* One value of a non-identifier column. */
static void dm_value(struct synth_out *o, const json_t *c, struct synth_rng *r)
{
	const json_t *values = json_object_get(c, "values"), *range = json_object_get(c, "range");
	const char *type = dm_str(c, "type");
	char s[64];

	if (json_array_size(values)) {
		size_t i = synth_rng_below(r, (uint32_t)json_array_size(values));
		dm_quoted(o, json_string_value(json_array_get(values, i)));
	} else if (!strcmp(type, "integer")) {
		double lo = range ? json_number_value(json_array_get(range, 0)) : 0;
		double hi = range ? json_number_value(json_array_get(range, 1)) : 100;
		snprintf(s, sizeof(s), "%.0f", lo + floor(synth_rng_unit(r) * (hi - lo + 1)));
		synth_out_str(o, s);
	} else if (!strcmp(type, "number")) {
		double lo = range ? json_number_value(json_array_get(range, 0)) : 0;
		double hi = range ? json_number_value(json_array_get(range, 1)) : 1;
		snprintf(s, sizeof(s), "%.6g", lo + synth_rng_unit(r) * (hi - lo));
		synth_out_str(o, s);
	} else if (!strcmp(type, "date")) {
		long lo = range ? dm_month(json_string_value(json_array_get(range, 0)))
				: SYNTH_YEAR0 * 12;
		long hi = range ? dm_month(json_string_value(json_array_get(range, 1)))
				: (SYNTH_YEAR0 + 2) * 12 - 1;
		dm_month_day(o, lo + (long)synth_rng_below(r, (uint32_t)(hi - lo + 1)),
			     1 + synth_rng_below(r, 28));
	} else if (!strcmp(type, "string")) {
		synth_out_str(o, "text");
		synth_out_u64(o, synth_rng_below(r, 1000));
	} /* empty: nothing */
}

/* Rows of the dummy file with the fewest rows that has identifier column
 * `name`: the identifiers' pool. */
static uint64_t dm_pool(const json_t *cb, const char *name, uint64_t largest, uint64_t rows)
{
	uint64_t pool = UINT64_MAX;
	size_t i, j;
	const json_t *f, *c;

	json_array_foreach(json_object_get(cb, "files"), i, f)
		json_array_foreach(json_object_get(f, "columns"), j, c)
			if (!strcmp(dm_str(c, "name"), name) && !strcmp(dm_str(c, "type"), CODEBOOK_TYPE_ID) &&
			    dm_scaled(f, largest, rows) < pool)
				pool = dm_scaled(f, largest, rows);
	return pool == UINT64_MAX ? 1 : pool;
}

static int dm_file(int dirfd, const json_t *cb, const json_t *f, size_t fi, uint64_t largest,
		   uint64_t rows, uint64_t seed, struct trex_err *err)
{
	const json_t *cols = json_object_get(f, "columns");
	const char *name = dm_str(f, "name");
	uint64_t n = dm_scaled(f, largest, rows), pool[CODEBOOK_MAX_COLUMNS];
	struct synth_out o;
	struct synth_rng r;
	char header[CODEBOOK_MAX_COLUMNS * 257] = "";
	size_t hl = 0, j;
	const json_t *c;
	int rc;

	json_array_foreach(cols, j, c) {
		hl += (size_t)snprintf(header + hl, sizeof(header) - hl, "%s%s", j ? "," : "",
				       dm_str(c, "name"));
		pool[j] = !strcmp(dm_str(c, "type"), CODEBOOK_TYPE_ID)
				  ? dm_pool(cb, dm_str(c, "name"), largest, rows) : 0;
	}
	/* the file's folders, below dir */
	const char *base = name;
	_cleanup_close_ int parent = trex_mkdir_beneath(dirfd, name, 0755, 0, &base, err);
	if (parent < 0)
		return parent;
	rc = synth_out_open(&o, parent, base, header, err);
	synth_rng_seed(&r, seed, fi + 1);
	for (uint64_t i = 0; rc == 0 && i < n; i++) {
		if ((rc = synth_out_row(&o, err)) < 0)
			break;
		json_array_foreach(cols, j, c) {
			if ((rc = dm_room(&o, 2 * CODEBOOK_MAX_VALUE_LEN + 80, err)) < 0)
				break;
			if (j)
				synth_out_char(&o, ',');
			if (json_is_true(json_object_get(c, "missing")) &&
			    synth_rng_unit(&r) < DUMMY_MISSING_SHARE)
				continue;
			if (pool[j]) /* each identifier once in the pool's own file */
				dm_identifier(&o, c, seed, n == pool[j] ? i : synth_rng_below(&r, (uint32_t)pool[j]));
			else
				dm_value(&o, c, &r);
		}
		if (rc == 0)
			synth_out_char(&o, '\n');
	}
	int cr = synth_out_close(&o, rc < 0 ? &(struct trex_err){ 0 } : err);
	return rc < 0 ? rc : cr;
}

int dummy_generate(const json_t *cb, const char *dir, uint64_t rows, uint64_t seed,
		   struct trex_err *err)
{
	uint64_t largest = 0;
	size_t i;
	const json_t *f;
	int made = 0, r = 0;
	char first[80] = "";
	_cleanup_close_ int dirfd = trex_open_empty_dir(dir, &made, first, sizeof(first), err);

	if (dirfd == -EEXIST)
		return trex_err_setx(err, -EEXIST, "%s is not empty (it holds %s): give a new or empty folder",
				     dir, first);
	if (dirfd < 0)
		return dirfd;
	/* dummy data is no secret: a sandbox's job uid may read it */
	if (fchmod(dirfd, 0755) < 0)
		return trex_err_set(err, -errno, "chmod %s", dir);
	json_array_foreach(json_object_get(cb, "files"), i, f)
		if (dm_rows(f) > largest)
			largest = dm_rows(f);
	json_array_foreach(json_object_get(cb, "files"), i, f)
		if (r == 0)
			r = dm_file(dirfd, cb, f, i, largest, rows, seed, err);
	return r;
}

static int dm_u64(const char *arg, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_dummy(const struct cli_ctx *ctx, int argc, char **argv)
{
	enum { OPT_ROWS = 1, OPT_SEED, OPT_CODEBOOK };
	static const struct option opts[] = { CLI_JSON_OPTION,
					      { "rows", required_argument, NULL, OPT_ROWS },
					      { "seed", required_argument, NULL, OPT_SEED },
					      { "codebook", required_argument, NULL, OPT_CODEBOOK },
					      { "out", required_argument, NULL, 'o' },
					      { NULL, 0, NULL, 0 } };
	const char *out = NULL, *file = NULL;
	uint64_t rows = DUMMY_DEFAULT_ROWS, seed = 1;
	int as_json = ctx->json, c;
	struct trex_err err = { 0 };
	json_t *cb = NULL;

	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		if (c == CLI_OPT_JSON)
			as_json = 1;
		else if (c == 'o')
			out = optarg;
		else if (c == OPT_ROWS) {
			if (dm_u64(optarg, DUMMY_MAX_ROWS, &rows) < 0 || rows == 0)
				return cli_usage_error("dummy", "--rows takes 1 to %d", DUMMY_MAX_ROWS);
		} else if (c == OPT_SEED) {
			if (dm_u64(optarg, UINT64_MAX, &seed) < 0)
				return cli_usage_error("dummy", "--seed takes a number");
		} else if (c == OPT_CODEBOOK)
			file = optarg;
		else
			return cli_opt_error("dummy", c, argv);
	}
	if (!out)
		return cli_usage_error("dummy", "missing -o DIR (a new or empty folder)");
	if (file ? optind != argc : optind + 1 != argc)
		return cli_usage_error("dummy", file ? "give a dataset NAME or --codebook FILE, not both"
						     : "give one dataset NAME (trex datasets lists them)");
	if (file) {
		json_error_t je;
		cb = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
		if (!cb) {
			fprintf(stderr, "trex: %s:%d: %s\n", file, je.line, je.text);
			return CLI_EXIT_USAGE;
		}
		if (codebook_fmt_check(cb, file, &err) < 0) {
			json_decref(cb);
			fprintf(stderr, "trex: %s\n", err.msg);
			return CLI_EXIT_USAGE;
		}
	} else if (dummy_fetch_codebook(ctx, argv[optind], &cb, &err) < 0) {
		return cli_fail(&err);
	}
	int r = dummy_generate(cb, out, rows, seed, &err);
	if (r == 0) {
		size_t i;
		const json_t *f;
		uint64_t largest = 0;
		json_t *list = json_array();
		json_array_foreach(json_object_get(cb, "files"), i, f)
			if (dm_rows(f) > largest)
				largest = dm_rows(f);
		json_array_foreach(json_object_get(cb, "files"), i, f) {
			uint64_t n = dm_scaled(f, largest, rows);
			if (as_json)
				json_array_append_new(list, json_pack("{s:s,s:I}", "name", dm_str(f, "name"),
								      "rows", (json_int_t)n));
			else
				printf("%s/%s  %" PRIu64 " rows\n", out, dm_str(f, "name"), n);
		}
		if (as_json) {
			json_t *j = json_pack("{s:s,s:o}", "dir", out, "files", list);
			cli_print_json(j);
			json_decref(j);
		} else {
			json_decref(list);
		}
	}
	json_decref(cb);
	if (r < 0) {
		fprintf(stderr, "trex: %s\n", err.msg);
		return CLI_EXIT_FAILED;
	}
	return CLI_EXIT_OK;
}
