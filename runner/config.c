/* trexd.json: strict parsing (duplicate and unknown keys are errors naming
 * file, line and key) over built-in defaults. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "cleanup.h"
#include "codebook_fmt.h"
#include "dataset.h"
#include "envvar.h"
#include "fsutil.h"
#include "paths.h"

#define CONFIG_MAX_BYTES (1024 * 1024)

/* The built-in runtimes, described once, here, as data: the sandbox knows
 * no runtime, it gets these as --env and --etc (docs/config.md). The /etc
 * folders are Debian 12's; another host names its own with "etc". */
#define CFG_RT_MAX 4
static const struct cfg_builtin_rt {
	const char *name;
	const char *env[CFG_RT_MAX]; /* "K=V", the job's defaults */
	const char *etc[CFG_RT_MAX]; /* host /etc entries the runtime reads */
} builtin_runtimes[] = {
	/* /job is read-only; no display for plots */
	{ "python3", { "PYTHONDONTWRITEBYTECODE=1", "MPLBACKEND=Agg" }, { "python3", "python3.11" } },
	{ "r", { NULL }, { "R" } },
	{ "shell", { NULL }, { NULL } },
};

/* What config_parse needs to name a position: jansson keeps no positions
 * for values, so the line of a key is found in the source text (the first
 * `"key":` occurrence, which is right for every key used once). */
struct cfg_src {
	const char *file;
	const char *text;
	size_t len;
};

static int cfg_line_of_key(const struct cfg_src *s, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; s->text && i + klen + 2 <= s->len; i++) {
		if (s->text[i] != '"' || memcmp(s->text + i + 1, key, klen) != 0 ||
		    s->text[i + 1 + klen] != '"')
			continue;
		size_t j = i + klen + 2;
		while (j < s->len && strchr(" \t\r\n", s->text[j]))
			j++;
		if (j < s->len && s->text[j] == ':') {
			int line = 1;
			for (size_t k = 0; k < i; k++)
				line += s->text[k] == '\n';
			return line;
		}
	}
	return 0;
}

static int cfg_fail(const struct cfg_src *s, struct trex_err *err, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int cfg_fail(const struct cfg_src *s, struct trex_err *err, const char *key,
		    const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return trex_err_setx(err, -EINVAL, "%s:%d: %s", s->file,
			     key ? cfg_line_of_key(s, key) : 0, msg);
}

static int cfg_set_str(char **dst, const char *v, struct trex_err *err)
{
	char *d = trex_strdup(v);
	if (!d)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	trex_free(*dst);
	*dst = d;
	return 0;
}

static void cfg_free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		trex_free(v[i]);
	trex_free(v);
}

/* v (n strings, NULL-terminated earlier when shorter) appended to *out */
static int cfg_strv_add(char ***out, size_t *n, const char *const *v, size_t nv,
			struct trex_err *err)
{
	size_t add = 0;
	while (add < nv && v[add])
		add++;
	char **nw = trex_reallocarray(*out, *n + add + 1, sizeof(char *));
	if (!nw)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	*out = nw;
	for (size_t i = 0; i < add; i++) {
		if (!(nw[*n] = trex_strdup(v[i])))
			return trex_err_setx(err, -ENOMEM, "out of memory");
		nw[++*n] = NULL;
	}
	return 0;
}

/* rt's environment and /etc entries start from the built-in b (NULL: none) */
static int cfg_runtime_base(struct runtime *rt, const struct cfg_builtin_rt *b,
			    struct trex_err *err)
{
	cfg_free_strv(rt->env, rt->n_env);
	cfg_free_strv(rt->etc, rt->n_etc);
	rt->env = rt->etc = NULL;
	rt->n_env = rt->n_etc = 0;
	rt->like = b ? b->name : NULL;
	if (!b)
		return 0;
	if (cfg_strv_add(&rt->env, &rt->n_env, b->env, CFG_RT_MAX, err) < 0 ||
	    cfg_strv_add(&rt->etc, &rt->n_etc, b->etc, CFG_RT_MAX, err) < 0)
		return err->code;
	return 0;
}

static const struct cfg_builtin_rt *cfg_builtin_runtime(const char *name)
{
	for (size_t i = 0; i < TREX_ARRAY_LEN(builtin_runtimes); i++)
		if (strcmp(builtin_runtimes[i].name, name) == 0)
			return &builtin_runtimes[i];
	return NULL;
}

int config_init_defaults(struct config *c, struct trex_err *err)
{
	memset(c, 0, sizeof(*c));
	char p[PATH_MAX];
	c->socket_mode = 0666;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	c->concurrency = n > 0 ? (int)n : 1;
	c->max_body = 16u << 20;
	c->events_max_subscribers = 256;
	c->events_queue = 256u << 10;
	c->limits_default = (struct limits){ 1024, 600, 900, 64, 50 };
	c->limits_max = (struct limits){ 8192, 7200, 14400, 512, 1024 };
	c->access.require_permit = 1;
	c->access.checkpoint_every = 100;
	c->tls.handshake_timeout_ms = 10000;
	c->request_timeout_ms = 30000;
	c->idle_timeout_ms = 60000;
	/* the helpers, packs and profile of the installation this trexd
	 * was built for (common/paths.h), wherever the binary is run from */
	if (cfg_set_str(&c->sandbox, trex_path_sandbox(), err) < 0)
		return err->code;
	if (cfg_set_str(&c->check, trex_path_check(), err) < 0)
		return err->code;
	snprintf(p, sizeof(p), "%s/disclosure", trex_path_datadir());
	char *real = realpath(p, NULL);
	int r = cfg_set_str(&c->policy_dir, real ? real : p, err);
	free(real);
	if (r < 0 || cfg_set_str(&c->policy, "default", err) < 0)
		return err->code;
	/* the shipped profile when it is installed; otherwise the sandbox's
	 * built-in copy of the same profile */
	snprintf(p, sizeof(p), "%s/seccomp/default.policy", trex_path_datadir());
	real = realpath(p, NULL);
	if (real) {
		r = cfg_set_str(&c->seccomp_profile, real, err);
		free(real);
		if (r < 0)
			return r;
	}
	c->runtimes = trex_calloc(TREX_ARRAY_LEN(builtin_runtimes), sizeof(*c->runtimes));
	if (!c->runtimes)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < TREX_ARRAY_LEN(builtin_runtimes); i++) {
		struct runtime *rt = &c->runtimes[c->n_runtimes++];
		if (cfg_set_str(&rt->name, builtin_runtimes[i].name, err) < 0 ||
		    cfg_runtime_base(rt, &builtin_runtimes[i], err) < 0)
			return err->code;
	}
	return 0;
}

/* Every key of obj must be in `known`. */
static int cfg_only_keys(const struct cfg_src *s, json_t *obj, const char *where,
			 const char *const *known, size_t n, struct trex_err *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; i < n; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == n) {
			char k[100];
			snprintf(k, sizeof(k), "%s", key);
			return cfg_fail(s, err, key, "unknown key \"%s\" in %s", k, where);
		}
	}
	return 0;
}

static int cfg_string(const struct cfg_src *s, json_t *v, const char *key, char **dst,
		      struct trex_err *err)
{
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return cfg_fail(s, err, key, "\"%s\" must be a non-empty string", key);
	return cfg_set_str(dst, json_string_value(v), err);
}

static int cfg_posint(const struct cfg_src *s, json_t *v, const char *key, long max,
		      long *dst, struct trex_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > max)
		return cfg_fail(s, err, key, "\"%s\" must be an integer from 1 to %ld", key, max);
	*dst = (long)json_integer_value(v);
	return 0;
}

static const char *const limit_keys[] = { "memory_mb", "cpu_seconds", "wall_seconds",
					  "pids", "output_mb" };

static long *cfg_limit_field(struct limits *l, size_t i)
{
	long *f[] = { &l->memory_mb, &l->cpu_seconds, &l->wall_seconds, &l->pids,
		      &l->output_mb };
	return f[i];
}

static int cfg_limits(const struct cfg_src *s, json_t *obj, const char *where,
		      struct limits *l, struct trex_err *err)
{
	if (!json_is_object(obj))
		return cfg_fail(s, err, NULL, "%s must be an object", where);
	if (cfg_only_keys(s, obj, where, limit_keys, 5, err) < 0)
		return err->code;
	for (size_t i = 0; i < 5; i++) {
		json_t *v = json_object_get(obj, limit_keys[i]);
		if (v && cfg_posint(s, v, limit_keys[i], INT_MAX, cfg_limit_field(l, i), err) < 0)
			return err->code;
	}
	return 0;
}

static int cfg_name_ok(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    name[i]))
			return 0;
	return name[0] != '.';
}

/* Why COL (LEN bytes) cannot be the next id column of ds, or NULL. trexd
 * hands the columns to trex-check joined by commas (--id-columns, at most
 * CFG_ID_COLUMNS_MAX bytes), so a name holds no comma. */
#define CFG_ID_COLUMNS_MAX 1023
static const char *cfg_id_column_bad(const struct dataset *ds, const char *col, size_t len)
{
	size_t total = len;
	if (len == 0)
		return "an empty column name";
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)col[i] < 0x20 || col[i] == 0x7f)
			return "a control character in a column name";
	if (strchr(col, ','))
		return "a comma in a column name (trex-check takes them comma-separated)";
	for (size_t i = 0; i < ds->n_id_columns; i++) {
		if (strcmp(ds->id_columns[i], col) == 0)
			return "a column named twice";
		total += strlen(ds->id_columns[i]) + 1;
	}
	if (total > CFG_ID_COLUMNS_MAX)
		return "the column names are longer than 1023 bytes together";
	return NULL;
}

/* A dataset's "codebook": an absolute path to a TREXCB1 file
 * (common/codebook_fmt.h), read now, checked by the format's one reader,
 * and kept to be served as it is (its "source" said "operator"). */
static int cfg_codebook(const struct cfg_src *s, struct dataset *ds, json_t *v, const char *where,
			struct trex_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct trex_err rerr = { 0 };
	json_error_t je;
	size_t len;

	if (cfg_string(s, v, "codebook", &ds->codebook, err) < 0)
		return err->code;
	if (ds->codebook[0] != '/')
		return cfg_fail(s, err, "codebook", "%s.codebook must be absolute", where);
	if (trex_read_file(AT_FDCWD, ds->codebook, CODEBOOK_MAX_BYTES, &text, &len, &rerr) < 0)
		return cfg_fail(s, err, "codebook", "%s.codebook: %s", where, rerr.msg);
	ds->codebook_doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!ds->codebook_doc)
		return cfg_fail(s, err, "codebook", "%s.codebook: %s:%d: %s", where, ds->codebook,
				je.line, je.text);
	if (codebook_fmt_check(ds->codebook_doc, ds->codebook, &rerr) < 0)
		return cfg_fail(s, err, "codebook", "%s.codebook: %s", where, rerr.msg);
	if (!json_object_get(ds->codebook_doc, "source") &&
	    json_object_set_new(ds->codebook_doc, "source", json_string("operator")) < 0)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	return 0;
}

static int cfg_datasets(const struct cfg_src *s, struct config *c, json_t *obj,
			struct trex_err *err)
{
	static const char *const keys[] = { "path", "id_columns", "codebook" };
	if (!json_is_object(obj))
		return cfg_fail(s, err, "datasets", "\"datasets\" must be an object");
	const char *name;
	json_t *d;
	json_object_foreach(obj, name, d) {
		if (!cfg_name_ok(name))
			return cfg_fail(s, err, name, "bad dataset name \"%s\"", name);
		char where[100];
		snprintf(where, sizeof(where), "datasets.%s", name);
		if (!json_is_object(d))
			return cfg_fail(s, err, name, "%s must be an object", where);
		if (cfg_only_keys(s, d, where, keys, 3, err) < 0)
			return err->code;
		struct dataset *nd = trex_reallocarray(c->datasets, c->n_datasets + 1,
						       sizeof(*nd));
		if (!nd)
			return trex_err_setx(err, -ENOMEM, "out of memory");
		c->datasets = nd;
		struct dataset *ds = &c->datasets[c->n_datasets++];
		memset(ds, 0, sizeof(*ds));
		if (cfg_set_str(&ds->name, name, err) < 0)
			return err->code;
		json_t *p = json_object_get(d, "path");
		if (!p)
			return cfg_fail(s, err, name, "%s: missing \"path\"", where);
		if (cfg_string(s, p, "path", &ds->path, err) < 0)
			return err->code;
		if (ds->path[0] != '/')
			return cfg_fail(s, err, "path", "%s.path must be absolute", where);
		json_t *cb = json_object_get(d, "codebook");
		if (cb && cfg_codebook(s, ds, cb, where, err) < 0)
			return err->code;
		json_t *ids = json_object_get(d, "id_columns");
		/* no default: an identifier column left out by omission would
		 * silently turn the identifier check off */
		if (!ids)
			return cfg_fail(s, err, name,
					"%s: missing \"id_columns\" (an explicit [] when the "
					"dataset has no identifier column)",
					where);
		if (!json_is_array(ids))
			return cfg_fail(s, err, "id_columns",
					"%s.id_columns must be an array of strings", where);
		ds->id_columns = trex_calloc(json_array_size(ids) + 1, sizeof(char *));
		if (!ds->id_columns)
			return trex_err_setx(err, -ENOMEM, "out of memory");
		size_t i;
		json_t *col;
		json_array_foreach(ids, i, col) {
			if (!json_is_string(col))
				return cfg_fail(s, err, "id_columns",
						"%s.id_columns must be an array of strings", where);
			const char *bad = cfg_id_column_bad(ds, json_string_value(col),
							    json_string_length(col));
			if (bad)
				return cfg_fail(s, err, "id_columns", "%s.id_columns[%zu]: %s", where,
						i, bad);
			if (cfg_set_str(&ds->id_columns[i], json_string_value(col), err) < 0)
				return err->code;
			ds->n_id_columns++;
		}
	}
	return 0;
}

/* runtimes.NAME.etc: names of host /etc entries (one name each, no '/') */
static int cfg_runtime_etc(const struct cfg_src *s, struct runtime *rt, json_t *etc,
			   const char *where, struct trex_err *err)
{
	if (!json_is_array(etc) || json_array_size(etc) > 16)
		return cfg_fail(s, err, "etc", "%s.etc must be an array of at most 16 names", where);
	cfg_free_strv(rt->etc, rt->n_etc);
	rt->etc = NULL;
	rt->n_etc = 0;
	size_t i;
	json_t *v;
	json_array_foreach(etc, i, v) {
		const char *name = json_string_value(v);
		if (!name || !cfg_name_ok(name) || name[0] == '.')
			return cfg_fail(s, err, "etc",
					"%s.etc[%zu] must name an entry of /etc: letters, digits, "
					"\"_\", \"-\", \".\", not starting with \".\"",
					where, i);
		if (cfg_strv_add(&rt->etc, &rt->n_etc, &name, 1, err) < 0)
			return err->code;
	}
	return 0;
}

static int cfg_runtimes(const struct cfg_src *s, struct config *c, json_t *obj,
			struct trex_err *err)
{
	static const char *const keys[] = { "env", "etc", "like", "sandbox_runtime" };
	/* "sandbox_runtime" (before runtimes were data) names the built-in
	 * by trex-sandbox's old names; kept so an older config still loads */
	static const char *const old[][2] = { { "python3", "python3" }, { "R", "r" },
					      { "sh", "shell" } };
	if (!json_is_object(obj))
		return cfg_fail(s, err, "runtimes", "\"runtimes\" must be an object");
	const char *name;
	json_t *r;
	json_object_foreach(obj, name, r) {
		if (!cfg_name_ok(name))
			return cfg_fail(s, err, name, "bad runtime name \"%s\"", name);
		char where[100];
		snprintf(where, sizeof(where), "runtimes.%s", name);
		if (!json_is_object(r))
			return cfg_fail(s, err, name, "%s must be an object", where);
		if (cfg_only_keys(s, r, where, keys, TREX_ARRAY_LEN(keys), err) < 0)
			return err->code;
		/* a configured runtime replaces a built-in of the same name */
		struct runtime *rt = (struct runtime *)config_runtime(c, name);
		if (!rt) {
			struct runtime *nr = trex_reallocarray(c->runtimes, c->n_runtimes + 1,
							       sizeof(*nr));
			if (!nr)
				return trex_err_setx(err, -ENOMEM, "out of memory");
			c->runtimes = nr;
			rt = &c->runtimes[c->n_runtimes++];
			memset(rt, 0, sizeof(*rt));
			if (cfg_set_str(&rt->name, name, err) < 0)
				return err->code;
		}
		/* what it starts from: the built-in it names with "like", else
		 * the built-in of its own name, else nothing */
		const struct cfg_builtin_rt *base = cfg_builtin_runtime(name);
		json_t *like = json_object_get(r, "like");
		json_t *sr = json_object_get(r, "sandbox_runtime");
		if (like && sr)
			return cfg_fail(s, err, "sandbox_runtime",
					"%s: give \"like\" only (\"sandbox_runtime\" is its old name)",
					where);
		if (sr && json_is_null(sr)) {
			base = NULL;
		} else if (sr) {
			const char *v = json_string_value(sr);
			size_t k;
			for (k = 0; v && k < TREX_ARRAY_LEN(old); k++)
				if (strcmp(v, old[k][0]) == 0)
					break;
			if (!v || k == TREX_ARRAY_LEN(old))
				return cfg_fail(s, err, "sandbox_runtime",
						"%s.sandbox_runtime must be \"python3\", \"R\", \"sh\" "
						"or null (better: \"like\")",
						where);
			base = cfg_builtin_runtime(old[k][1]);
		}
		if (like && json_is_null(like)) {
			base = NULL;
		} else if (like) {
			const char *v = json_string_value(like);
			if (!v || !(base = cfg_builtin_runtime(v)))
				return cfg_fail(s, err, "like",
						"%s.like must be \"python3\", \"r\", \"shell\" or null",
						where);
		}
		if (cfg_runtime_base(rt, base, err) < 0)
			return err->code;
		json_t *etc = json_object_get(r, "etc");
		if (etc && cfg_runtime_etc(s, rt, etc, where, err) < 0)
			return err->code;
		json_t *env = json_object_get(r, "env");
		if (!env)
			continue;
		if (!json_is_object(env))
			return cfg_fail(s, err, "env", "%s.env must be an object of strings",
					where);
		const char *k;
		json_t *v;
		/* after the defaults: trex-sandbox keeps the last of a name */
		json_object_foreach(env, k, v) {
			/* common/envvar.c: the rule trex-sandbox's --env applies */
			if (!json_is_string(v) || !trex_envvar_name_ok(k, strlen(k)) ||
			    strlen(json_string_value(v)) != json_string_length(v))
				return cfg_fail(s, err, k,
						"%s.env: bad variable \"%.64s\" (a name of "
						"[A-Za-z_][A-Za-z0-9_]*, at most 64 bytes, no LD_*; a "
						"string value without NUL)",
						where, k);
			size_t len = strlen(k) + json_string_length(v) + 2;
			_cleanup_free_ char *kv = trex_malloc(len);
			if (!kv)
				return trex_err_setx(err, -ENOMEM, "out of memory");
			snprintf(kv, len, "%s=%s", k, json_string_value(v));
			const char *one = kv;
			if (cfg_strv_add(&rt->env, &rt->n_env, &one, 1, err) < 0)
				return err->code;
		}
	}
	return 0;
}

/* "events": {"max_subscribers": N, "queue_kb": N} (GET /v1/events) */
static int cfg_events(const struct cfg_src *s, struct config *c, json_t *v,
		      struct trex_err *err)
{
	static const char *const ek[] = { "max_subscribers", "queue_kb" };
	if (!json_is_object(v))
		return cfg_fail(s, err, "events", "\"events\" must be an object");
	if (cfg_only_keys(s, v, "events", ek, TREX_ARRAY_LEN(ek), err) < 0)
		return err->code;
	long n = 0;
	json_t *m = json_object_get(v, "max_subscribers");
	if (m && cfg_posint(s, m, "max_subscribers", 100000, &n, err) < 0)
		return err->code;
	if (m)
		c->events_max_subscribers = (int)n;
	json_t *q = json_object_get(v, "queue_kb");
	if (q && cfg_posint(s, q, "queue_kb", 65536, &n, err) < 0)
		return err->code;
	if (q)
		c->events_queue = (size_t)n << 10;
	return 0;
}

static const char *const top_keys[] = { "state_dir", "socket", "socket_mode", "sandbox",
					"check", "policy_dir", "policy", "seccomp_profile",
					"concurrency", "on_crash", "on_restart", "drain_seconds",
					"uid_range", "service_user", "max_body_mb", "datasets", "runtimes",
					"limits", "require_permit", "approver_keys",
					"revoked_permits", "users", "two_checkers",
					"audit_checkpoint_every", "tls", "events", "request_timeout_ms",
					"idle_timeout_ms", "metrics_listen", "review_listen", "slurm" };

/* "tls": {"listen", "cert", "key", "client_ca", "crl", "handshake_timeout_ms"};
 * crl alone is optional */
static int cfg_tls(const struct cfg_src *s, struct config *c, json_t *obj,
		   struct trex_err *err)
{
	static const char *const keys[] = { "listen", "cert", "key", "client_ca", "crl",
					    "handshake_timeout_ms" };
	struct tls_config *t = &c->tls;
	char **str[] = { &t->listen, &t->cert, &t->key, &t->client_ca, &t->crl };
	if (!json_is_object(obj))
		return cfg_fail(s, err, "tls", "\"tls\" must be an object");
	if (cfg_only_keys(s, obj, "tls", keys, TREX_ARRAY_LEN(keys), err) < 0)
		return err->code;
	for (size_t i = 0; i < TREX_ARRAY_LEN(str); i++) {
		json_t *v = json_object_get(obj, keys[i]);
		if (!v && str[i] == &t->crl)
			continue;
		if (!v)
			return cfg_fail(s, err, "tls", "tls: missing \"%s\"", keys[i]);
		if (cfg_string(s, v, keys[i], str[i], err) < 0)
			return err->code;
		if (i > 0 && (*str[i])[0] != '/')
			return cfg_fail(s, err, keys[i], "tls.%s must be an absolute path", keys[i]);
	}
	json_t *v = json_object_get(obj, "handshake_timeout_ms");
	if (v && cfg_posint(s, v, "handshake_timeout_ms", 600000, &t->handshake_timeout_ms,
			    err) < 0)
		return err->code;
	struct sockaddr_storage ss;
	if (config_tls_addr(t->listen, &ss, err) < 0)
		return cfg_fail(s, err, "listen", "tls.listen: %s", err->msg);
	return 0;
}

int config_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	return ss->ss_family == AF_INET6 &&
	       IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

int config_tls_addr(const char *listen, struct sockaddr_storage *out, struct trex_err *err)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	size_t hl = colon ? (size_t)(colon - listen) : 0;
	int v6 = hl >= 2 && listen[0] == '[' && listen[hl - 1] == ']';
	if (v6) {
		listen++;
		hl -= 2;
	}
	char *end = NULL;
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || hl == 0 || hl >= sizeof(host) || !colon[1] || *end || port < 0 ||
	    port > 65535)
		return trex_err_setx(err, -EINVAL,
				     "want a numeric \"IPV4:PORT\" or \"[IPV6]:PORT\"");
	memcpy(host, listen, hl);
	host[hl] = '\0';
	memset(out, 0, sizeof(*out));
	struct sockaddr_in *a4 = (struct sockaddr_in *)out;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
	if (!v6 && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
	} else if (v6 && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
	} else {
		return trex_err_setx(err, -EINVAL, "\"%s\" is not a numeric IP address", host);
	}
	return 0;
}

/* nonnull: c is never NULL, which clang's analyzer must be told, since
 * &c->state_dir, the first field, tested below, is c */
__attribute__((nonnull(1, 2, 4)))
static int cfg_top(const struct cfg_src *s, struct config *c, json_t *root,
		   struct trex_err *err)
{
	if (cfg_only_keys(s, root, "the top level", top_keys, TREX_ARRAY_LEN(top_keys), err) < 0)
		return err->code;
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v) {
		int r = 0;
		char **str = NULL;
		if (strcmp(key, "state_dir") == 0)
			str = &c->state_dir;
		else if (strcmp(key, "socket") == 0)
			str = &c->socket;
		else if (strcmp(key, "sandbox") == 0)
			str = &c->sandbox;
		else if (strcmp(key, "check") == 0)
			str = &c->check;
		else if (strcmp(key, "policy_dir") == 0)
			str = &c->policy_dir;
		else if (strcmp(key, "policy") == 0)
			str = &c->policy;
		else if (strcmp(key, "uid_range") == 0)
			str = &c->uid_range;
		else if (strcmp(key, "service_user") == 0)
			str = &c->service_user;
		else if (strcmp(key, "metrics_listen") == 0)
			str = &c->metrics_listen;
		else if (strcmp(key, "review_listen") == 0)
			str = &c->review_listen;
		else if (strcmp(key, "seccomp_profile") == 0 && json_is_null(v)) {
			trex_free(c->seccomp_profile);
			c->seccomp_profile = NULL;
			continue;
		} else if (strcmp(key, "seccomp_profile") == 0)
			str = &c->seccomp_profile;
		if (config_access_key(key)) {
			r = config_access_parse(c, s->file, cfg_line_of_key(s, key), key, v, err);
		} else if (str) {
			r = cfg_string(s, v, key, str, err);
			struct sockaddr_storage ss;
			if (r == 0 && str == &c->metrics_listen &&
			    config_tls_addr(c->metrics_listen, &ss, err) < 0)
				return cfg_fail(s, err, key, "metrics_listen: %s", err->msg);
			/* plain HTTP with session cookies: the host's own
			 * users only (SECURITY.md "The review page") */
			if (r == 0 && str == &c->review_listen &&
			    (config_tls_addr(c->review_listen, &ss, err) < 0 ||
			     !config_loopback(&ss)))
				return cfg_fail(s, err, key,
						"review_listen must be a loopback address such as \"127.0.0.1:8445\" (it is plain HTTP; reach it from elsewhere through an SSH tunnel)");
		} else if (strcmp(key, "socket_mode") == 0) {
			/* a string of octal digits: JSON has no octal numbers */
			const char *m = json_string_value(v);
			char *end = NULL;
			long mode = m ? strtol(m, &end, 8) : -1;
			if (!m || !*m || *end || mode < 0 || mode > 0777)
				return cfg_fail(s, err, key,
						"\"socket_mode\" must be an octal string such as \"0660\"");
			c->socket_mode = (mode_t)mode;
		} else if (strcmp(key, "concurrency") == 0) {
			long n = 0;
			r = cfg_posint(s, v, key, 1024, &n, err);
			if (r == 0)
				c->concurrency = (int)n;
		} else if (strcmp(key, "on_crash") == 0) {
			const char *m = json_string_value(v);
			if (!m || (strcmp(m, "requeue") != 0 && strcmp(m, "fail") != 0))
				return cfg_fail(s, err, key,
						"\"on_crash\" must be \"requeue\" or \"fail\"");
			c->on_crash_requeue = strcmp(m, "requeue") == 0;
		} else if (strcmp(key, "on_restart") == 0) {
			const char *m = json_string_value(v);
			if (!m || (strcmp(m, "adopt") != 0 && strcmp(m, "end") != 0))
				return cfg_fail(s, err, key,
						"\"on_restart\" must be \"adopt\" or \"end\"");
			c->on_restart_adopt = strcmp(m, "adopt") == 0;
		} else if (strcmp(key, "drain_seconds") == 0) {
			/* 0 (ending running jobs at once) is a valid choice */
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 86400)
				return cfg_fail(s, err, key,
						"\"drain_seconds\" must be an integer from 0 to 86400");
			c->drain_seconds = (long)json_integer_value(v);
		} else if (strcmp(key, "request_timeout_ms") == 0) {
			r = cfg_posint(s, v, key, 3600000, &c->request_timeout_ms, err);
		} else if (strcmp(key, "idle_timeout_ms") == 0) {
			r = cfg_posint(s, v, key, 86400000, &c->idle_timeout_ms, err);
		} else if (strcmp(key, "max_body_mb") == 0) {
			long n = 0;
			r = cfg_posint(s, v, key, 1024, &n, err);
			if (r == 0)
				c->max_body = (size_t)n << 20;
		} else if (strcmp(key, "events") == 0) {
			r = cfg_events(s, c, v, err);
		} else if (strcmp(key, "datasets") == 0) {
			r = cfg_datasets(s, c, v, err);
		} else if (strcmp(key, "tls") == 0) {
			r = cfg_tls(s, c, v, err);
		} else if (strcmp(key, "runtimes") == 0) {
			r = cfg_runtimes(s, c, v, err);
		} else if (strcmp(key, "slurm") == 0) {
			r = config_slurm_parse(c, s->file, cfg_line_of_key(s, key), v, err);
		} else if (strcmp(key, "limits") == 0) {
			static const char *const lk[] = { "default", "max" };
			if (!json_is_object(v))
				return cfg_fail(s, err, key, "\"limits\" must be an object");
			if (cfg_only_keys(s, v, "limits", lk, 2, err) < 0)
				return err->code;
			json_t *d = json_object_get(v, "default");
			json_t *m = json_object_get(v, "max");
			if (d && cfg_limits(s, d, "limits.default", &c->limits_default, err) < 0)
				return err->code;
			if (m && cfg_limits(s, m, "limits.max", &c->limits_max, err) < 0)
				return err->code;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int config_parse(struct config *c, const char *file, const char *text, size_t len,
		 struct trex_err *err)
{
	struct cfg_src s = { file, text, len };
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return trex_err_setx(err, -EINVAL, "%s:%d:%d: %s", file, jerr.line,
				     jerr.column, jerr.text);
	int r = 0;
	if (!json_is_object(root))
		r = trex_err_setx(err, -EINVAL, "%s:1: the configuration must be a JSON object",
				  file);
	else
		r = cfg_top(&s, c, root, err);
	json_decref(root);
	return r;
}

int config_load_file(struct config *c, const char *path, struct trex_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = trex_read_file(AT_FDCWD, path, CONFIG_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return r;
	return config_parse(c, path, text, len, err);
}

/* --dataset NAME=PATH (NAME already checked) with the columns of its
 * --id-columns NAME=COLS: "" is none, else each comma-separated name must
 * be good (a trailing comma is an empty name). */
static int cfg_add_cli_dataset(struct config *c, const char *spec, const char *cols,
			       struct trex_err *err)
{
	const char *eq = strchr(spec, '=');
	char name[65];
	snprintf(name, sizeof(name), "%.*s", (int)(eq - spec), spec);
	if (config_dataset(c, name))
		return trex_err_setx(err, -EINVAL, "--dataset: \"%s\" given twice", name);
	char *path = realpath(eq + 1, NULL);
	if (!path)
		return trex_err_set(err, -errno, "--dataset %s: %s", name, eq + 1);
	struct dataset *nd = trex_reallocarray(c->datasets, c->n_datasets + 1, sizeof(*nd));
	if (!nd) {
		free(path);
		return trex_err_setx(err, -ENOMEM, "out of memory");
	}
	c->datasets = nd;
	struct dataset *ds = &c->datasets[c->n_datasets++];
	memset(ds, 0, sizeof(*ds));
	ds->name = trex_strdup(name);
	ds->path = trex_strdup(path);
	free(path);
	/* n names take at least 2n - 1 bytes */
	ds->id_columns = trex_calloc(strlen(cols) / 2 + 2, sizeof(char *));
	if (!ds->name || !ds->path || !ds->id_columns)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	const char *p = cols;
	while (*cols) {
		size_t len = strcspn(p, ",");
		char col[CFG_ID_COLUMNS_MAX + 1];
		snprintf(col, sizeof(col), "%.*s", (int)len, p);
		const char *bad = len > CFG_ID_COLUMNS_MAX ? "a column name too long"
							   : cfg_id_column_bad(ds, col, len);
		if (bad)
			return trex_err_setx(err, -EINVAL, "--id-columns %s: %s", name, bad);
		if (!(ds->id_columns[ds->n_id_columns] = trex_strdup(col)))
			return trex_err_setx(err, -ENOMEM, "out of memory");
		ds->n_id_columns++;
		if (!p[len])
			break;
		p += len + 1;
	}
	return 0;
}

/* NAME of "NAME=..." when it is a good dataset name, else NULL */
static const char *cfg_cli_name(const char *spec, char name[65])
{
	const char *eq = strchr(spec, '=');
	if (!eq || (size_t)(eq - spec) >= 65)
		return NULL;
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = '\0';
	return cfg_name_ok(name) ? name : NULL;
}

int config_add_datasets(struct config *c, const char *const *datasets, size_t n,
			const char *const *id_columns, size_t m, struct trex_err *err)
{
	char name[65], other[65];
	for (size_t k = 0; k < m; k++) {
		if (!cfg_cli_name(id_columns[k], name))
			return trex_err_setx(err, -EINVAL,
					     "--id-columns wants NAME=[COL[,COL...]], got \"%.64s\"",
					     id_columns[k]);
		for (size_t j = 0; j < k; j++)
			if (cfg_cli_name(id_columns[j], other) && strcmp(name, other) == 0)
				return trex_err_setx(err, -EINVAL,
						     "--id-columns %s given twice", name);
		size_t i;
		for (i = 0; i < n; i++)
			if (cfg_cli_name(datasets[i], other) && strcmp(name, other) == 0)
				break;
		if (i == n)
			return trex_err_setx(err, -EINVAL, "--id-columns %s: no --dataset %s=PATH",
					     name, name);
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(datasets[i], '=');
		if (!eq || eq == datasets[i] || !eq[1])
			return trex_err_setx(err, -EINVAL, "--dataset wants NAME=PATH, got \"%.64s\"",
					     datasets[i]);
		if (!cfg_cli_name(datasets[i], name))
			return trex_err_setx(err, -EINVAL, "--dataset: bad dataset name \"%.*s\"",
					     (int)((eq - datasets[i]) > 64 ? 64 : eq - datasets[i]),
					     datasets[i]);
		const char *cols = NULL;
		for (size_t k = 0; k < m && !cols; k++)
			if (cfg_cli_name(id_columns[k], other) && strcmp(name, other) == 0)
				cols = strchr(id_columns[k], '=') + 1;
		/* as in a file: the id columns are said, even when there are none */
		if (!cols)
			return trex_err_setx(err, -EINVAL,
					     "--dataset %s: no --id-columns %s=COL[,COL...] (--id-columns "
					     "%s= when it has no identifier column)",
					     name, name, name);
		int r = cfg_add_cli_dataset(c, datasets[i], cols, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int config_check_opts(const struct config *c, int datasets, struct trex_err *err);

int config_check(const struct config *c, struct trex_err *err)
{
	return config_check_opts(c, 1, err);
}

int config_check_shape(const struct config *c, struct trex_err *err)
{
	return config_check_opts(c, 0, err);
}

static int config_check_opts(const struct config *c, int datasets, struct trex_err *err)
{
	if (!c->state_dir)
		return trex_err_setx(err, -EINVAL, "state_dir is required");
	if (!c->socket)
		return trex_err_setx(err, -EINVAL, "socket is required");
	if (strlen(c->socket) >= 108)
		return trex_err_setx(err, -ENAMETOOLONG, "socket path longer than 107 bytes");
	if (!cfg_name_ok(c->policy))
		return trex_err_setx(err, -EINVAL, "bad policy name \"%s\"", c->policy);
	if (config_slurm_check(c, err) < 0)
		return err->code;
	if (c->uid_range) {
		unsigned long base, count;
		char tail;
		if (sscanf(c->uid_range, "%lu:%lu%c", &base, &count, &tail) != 2 || count == 0)
			return trex_err_setx(err, -EINVAL,
					     "uid_range must be \"BASE:COUNT\", got \"%s\"",
					     c->uid_range);
	}
	for (size_t i = 0; i < 5; i++) {
		struct limits d = c->limits_default, m = c->limits_max;
		if (*cfg_limit_field(&d, i) > *cfg_limit_field(&m, i))
			return trex_err_setx(err, -EINVAL,
					     "limits.default.%s (%ld) exceeds limits.max.%s (%ld)",
					     limit_keys[i], *cfg_limit_field(&d, i),
					     limit_keys[i], *cfg_limit_field(&m, i));
	}
	if (!datasets)
		return 0;
	struct stat st;
	for (size_t i = 0; i < c->n_datasets; i++)
		if (stat(c->datasets[i].path, &st) < 0 || !S_ISDIR(st.st_mode))
			return trex_err_setx(err, -ENOENT, "dataset %s: %s is not a directory",
					     c->datasets[i].name, c->datasets[i].path);
	/* an id column no file has would leave the identifier check empty */
	for (size_t i = 0; i < c->n_datasets; i++) {
		int r = dataset_check_id_columns(&c->datasets[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct dataset *config_dataset(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_datasets; i++)
		if (strcmp(c->datasets[i].name, name) == 0)
			return &c->datasets[i];
	return NULL;
}

const struct runtime *config_runtime(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->n_runtimes; i++)
		if (strcmp(c->runtimes[i].name, name) == 0)
			return &c->runtimes[i];
	return NULL;
}

void config_free(struct config *c)
{
	trex_free(c->state_dir);
	trex_free(c->socket);
	trex_free(c->sandbox);
	trex_free(c->check);
	trex_free(c->policy_dir);
	trex_free(c->policy);
	trex_free(c->uid_range);
	trex_free(c->service_user);
	trex_free(c->seccomp_profile);
	for (size_t i = 0; i < c->n_datasets; i++) {
		trex_free(c->datasets[i].name);
		trex_free(c->datasets[i].path);
		cfg_free_strv(c->datasets[i].id_columns, c->datasets[i].n_id_columns);
		trex_free(c->datasets[i].codebook);
		json_decref(c->datasets[i].codebook_doc);
	}
	trex_free(c->datasets);
	for (size_t i = 0; i < c->n_runtimes; i++) {
		trex_free(c->runtimes[i].name);
		cfg_free_strv(c->runtimes[i].env, c->runtimes[i].n_env);
		cfg_free_strv(c->runtimes[i].etc, c->runtimes[i].n_etc);
	}
	trex_free(c->runtimes);
	config_access_free(c);
	config_slurm_free(c);
	trex_free(c->metrics_listen);
	trex_free(c->review_listen);
	trex_free(c->tls.listen);
	trex_free(c->tls.cert);
	trex_free(c->tls.key);
	trex_free(c->tls.client_ca);
	trex_free(c->tls.crl);
	memset(c, 0, sizeof(*c));
}
