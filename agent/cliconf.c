#include "cliconf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/alloc.h"
#include "common/suggest.h"

static const char *const cliconf_keys[] = { "socket", "url", "cert", "key", "cacert" };

static int cliconf_default(char *out, size_t len)
{
	const char *env = getenv("TREX_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME"),
		   *home = getenv("HOME");
	if (env && *env)
		snprintf(out, len, "%s", env);
	else if (xdg && *xdg)
		snprintf(out, len, "%s/trex/config.json", xdg);
	else if (home && *home)
		snprintf(out, len, "%s/.config/trex/config.json", home);
	else
		return -ENOENT;
	return 0;
}

/* A path from the file: relative ones are relative to the file's folder. */
static const char *cliconf_path(const char *file, const char *v)
{
	if (v[0] == '/' || !strchr(file, '/'))
		return trex_strdup(v);
	size_t dir = (size_t)(strrchr(file, '/') - file);
	size_t n = dir + strlen(v) + 2;
	char *p = trex_malloc(n);
	if (p)
		snprintf(p, n, "%.*s/%s", (int)dir, file, v);
	return p;
}

int cliconf_load(const char *file, struct cliconf *cf, struct trex_err *err)
{
	memset(cf, 0, sizeof(*cf));
	if (!file) {
		if (cliconf_default(cf->path, sizeof(cf->path)) < 0)
			return 0;
		/* a file named by TREX_CONFIG must be there; the default may not */
		const char *env = getenv("TREX_CONFIG");
		if (!(env && *env) && access(cf->path, F_OK) < 0) {
			cf->path[0] = '\0';
			return 0;
		}
	} else {
		snprintf(cf->path, sizeof(cf->path), "%s", file);
	}
	json_error_t je;
	json_t *j = json_load_file(cf->path, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		if (je.line < 1)
			return trex_err_setx(err, -EINVAL, "%s: %s", cf->path, je.text);
		return trex_err_setx(err, -EINVAL, "%s:%d:%d: %s", cf->path, je.line, je.column,
				     je.text);
	}
	if (!json_is_object(j)) {
		json_decref(j);
		return trex_err_setx(err, -EINVAL, "%s: must be a JSON object", cf->path);
	}
	const char **dst[] = { &cf->socket, &cf->url, &cf->cert, &cf->key, &cf->cacert };
	const char *k;
	json_t *v;
	int r = 0;
	json_object_foreach(j, k, v) {
		size_t i;
		for (i = 0; i < sizeof(cliconf_keys) / sizeof(cliconf_keys[0]); i++)
			if (strcmp(k, cliconf_keys[i]) == 0)
				break;
		if (i == sizeof(cliconf_keys) / sizeof(cliconf_keys[0])) {
			const char *near = trex_suggest(k, cliconf_keys, i);
			r = trex_err_setx(err, -EINVAL,
					  "%s: unknown key \"%.64s\"%s%s%s (keys: socket, url, cert, key, cacert)",
					  cf->path, k, near ? " (did you mean \"" : "", near ? near : "",
					  near ? "\"?)" : "");
			break;
		}
		if (!json_is_string(v) || !json_string_value(v)[0]) {
			r = trex_err_setx(err, -EINVAL, "%s: \"%s\" must be a non-empty string",
					  cf->path, k);
			break;
		}
		*dst[i] = i == 0 || i == 1 ? trex_strdup(json_string_value(v))
					   : cliconf_path(cf->path, json_string_value(v));
	}
	json_decref(j);
	if (r == 0 && cf->socket && cf->url)
		r = trex_err_setx(err, -EINVAL, "%s: give \"socket\" or \"url\", not both", cf->path);
	return r;
}

void cliconf_free(struct cliconf *cf)
{
	const char **all[] = { &cf->socket, &cf->url, &cf->cert, &cf->key, &cf->cacert };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		trex_free((char *)*all[i]);
		*all[i] = NULL;
	}
}
