/* A runtime's identity (rtident.h). The probe prints names and versions;
 * the digest is made here, so that what is compared between trexd and a
 * researcher's machine is computed the same way on both. */
#include "rtident.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "hash.h"

static const char *const rtident_python[] = {
	"python3", "-I", "-c",
	"import sys, importlib.metadata as m\n"
	"print('interpreter python3', sys.version.split()[0])\n"
	"for d in m.distributions():\n"
	"    print('package', (d.metadata['Name'] or '?').replace(' ', '_'), d.version)\n",
	NULL
};

static const char *const rtident_r[] = {
	"Rscript", "--vanilla", "-e",
	"cat('interpreter R', paste(R.version$major, R.version$minor, sep = '.'), '\\n');"
	"ip <- installed.packages();"
	"cat(paste('package', ip[, 'Package'], ip[, 'Version']), sep = '\\n')",
	NULL
};

static const char *const rtident_sh[] = {
	"/bin/sh", "-c",
	"s=$(readlink -f /bin/sh); echo \"interpreter sh ${s##*/}\"; "
	"for f in /usr/bin/* /usr/local/bin/*; do [ -e \"$f\" ] && echo \"package ${f##*/} -\"; done",
	NULL
};

const char *const *rtident_command(const struct runtime *rt)
{
	const char *s = rt->like;
	if (s && strcmp(s, "python3") == 0)
		return rtident_python;
	if (s && strcmp(s, "r") == 0)
		return rtident_r;
	return rtident_sh;
}

/* a word the record may hold: what an interpreter name or version is
 * (no '/': the record names no path) */
static int rtident_word_ok(const char *w, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!w[i] || !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+~:-",
				     w[i]))
			return 0;
	return 1;
}

static int rtident_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *rtident_parse(const struct runtime *rt, const char *out, size_t len, int ok)
{
	json_t *id = json_pack("{s:s,s:s?}", "name", rt->name, "like", rt->like);
	json_t *interp = json_object();
	char **pkgs = NULL;
	size_t n = 0, cap = 0;
	int oom = !id || !interp;
	for (const char *p = out, *end = out + (len > RTIDENT_OUT_MAX ? RTIDENT_OUT_MAX : len);
	     ok && !oom && p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *line = p;
		p += ll + 1;
		while (ll && (line[ll - 1] == ' ' || line[ll - 1] == '\r'))
			ll--;
		int is_pkg = ll > 8 && memcmp(line, "package ", 8) == 0;
		int is_int = ll > 12 && memcmp(line, "interpreter ", 12) == 0;
		if (!is_pkg && !is_int)
			continue;
		const char *w = line + (is_pkg ? 8 : 12), *sp = memchr(w, ' ', ll - (size_t)(w - line));
		if (!sp)
			continue;
		size_t wn = (size_t)(sp - w), vn = ll - (size_t)(sp + 1 - line);
		if (is_int) {
			char name[65], ver[65];
			if (!rtident_word_ok(w, wn) || !rtident_word_ok(sp + 1, vn))
				continue;
			memcpy(name, w, wn);
			name[wn] = '\0';
			memcpy(ver, sp + 1, vn);
			ver[vn] = '\0';
			oom |= json_object_set_new(interp, name, json_string(ver)) < 0;
			continue;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			char **np = trex_reallocarray(pkgs, nc, sizeof(*pkgs));
			if (!np) {
				oom = 1;
				break;
			}
			pkgs = np;
			cap = nc;
		}
		if (!(pkgs[n] = trex_strndup(w, ll - (size_t)(w - line))))
			oom = 1;
		else
			n++;
	}
	if (!oom && json_object_size(interp) > 0) {
		qsort(pkgs, n, sizeof(*pkgs), rtident_cmp);
		struct trex_buf b;
		trex_buf_init(&b, RTIDENT_OUT_MAX + 4096);
		size_t distinct = 0;
		int r = 0;
		for (size_t i = 0; r == 0 && i < n; i++)
			if (i == 0 || strcmp(pkgs[i], pkgs[i - 1]) != 0) {
				r = trex_buf_printf(&b, "%s\n", pkgs[i]);
				distinct++;
			}
		char hex[TREX_SHA256_HEX_LEN + 1];
		if (r == 0 && trex_sha256_hex(b.data ? b.data : "", b.len, hex) == 0) {
			oom |= json_object_set(id, "interpreters", interp) < 0 ||
			       json_object_set_new(id, "packages", json_integer((json_int_t)distinct)) < 0 ||
			       json_object_set_new(id, "packages_sha256", json_string(hex)) < 0;
		} else {
			oom = 1;
		}
		trex_buf_free(&b);
	} else if (!oom) {
		oom |= json_object_set_new(id, "probe", json_string("failed")) < 0;
	}
	for (size_t i = 0; i < n; i++)
		trex_free(pkgs[i]);
	trex_free(pkgs);
	json_decref(interp);
	if (oom) {
		json_decref(id);
		return NULL;
	}
	return id;
}
