/* A job's reproducibility record (repro.h). */
#include "repro.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "fsutil.h"
#include "monclient.h"
#include "packs.h"
#include "version.h"

/* the 64 hex digits the index build wrote (trex-check
 * --content-digest-out), or "" */
static void repro_content(const char *ids_dir, char out[65])
{
	out[0] = '\0';
	if (!ids_dir)
		return;
	char p[PATH_MAX], *text = NULL;
	size_t len = 0;
	struct trex_err e = { 0 };
	snprintf(p, sizeof(p), "%s/content.sha256", ids_dir);
	if (trex_read_file(AT_FDCWD, p, 128, &text, &len, &e) < 0)
		return;
	if (len >= 64 && strspn(text, "0123456789abcdef") == 64) {
		memcpy(out, text, 64);
		out[64] = '\0';
	}
	trex_free(text);
}

int repro_build(const struct config *c, const char *runtime, const char *dataset,
		const char *policy, const struct limits *l, const char *ids_dir, json_t **out,
		struct trex_err *err)
{
	char *ident_text = NULL, content[65], pack[65];
	int r = monc_runtime_id(runtime, &ident_text, err);
	if (r < 0)
		return r;
	json_t *ident = json_loads(ident_text, 0, NULL);
	trex_free(ident_text);
	if (!json_is_object(ident)) {
		json_decref(ident);
		return trex_err_setx(err, -EPROTO, "runtime %s: the monitor's identity is not JSON",
				     runtime);
	}
	if ((r = packs_sha256(c, policy, pack, err)) < 0) {
		json_decref(ident);
		return r;
	}
	repro_content(ids_dir, content);
	json_t *ds = json_pack("{s:s}", "name", dataset);
	if (ds && content[0])
		json_object_set_new(ds, "content_sha256", json_string(content));
	*out = json_pack("{s:s,s:o,s:o,s:{s:s,s:s},s:{s:I,s:I,s:I,s:I,s:I}}", "trex_version",
			 TREX_VERSION, "runtime", ident, "dataset", ds, "policy", "name", policy,
			 "sha256", pack, "limits", "memory_mb", (json_int_t)l->memory_mb,
			 "cpu_seconds", (json_int_t)l->cpu_seconds, "wall_seconds",
			 (json_int_t)l->wall_seconds, "pids", (json_int_t)l->pids, "output_mb",
			 (json_int_t)l->output_mb);
	return *out ? 0 : trex_err_setx(err, -ENOMEM, "out of memory");
}
