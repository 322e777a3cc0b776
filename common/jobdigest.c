#include "jobdigest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

json_t *jobdigest_file(const void *data, size_t len)
{
	char hex[TREX_SHA256_HEX_LEN + 1];
	if (trex_sha256_hex(data, len, hex) < 0)
		return NULL;
	return json_pack("{s:s,s:I}", "sha256", hex, "size", (json_int_t)len);
}

json_t *jobdigest_canonical(json_t *manifest, json_t *files, const char *policy)
{
	if (!json_is_object(manifest) || !json_is_object(files))
		return NULL;
	/* deep copies: a caller's later change cannot reach what was hashed */
	return json_pack("{s:o,s:o,s:o}", "files", json_deep_copy(files), "manifest",
			 json_deep_copy(manifest), "policy",
			 policy ? json_string(policy) : json_null());
}

int jobdigest_sha256(json_t *canonical, char out[TREX_SHA256_HEX_LEN + 1],
		     struct trex_err *err)
{
	char *text = json_dumps(canonical, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (!text)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	int r = trex_sha256_hex(text, strlen(text), out);
	free(text); /* jansson's allocator */
	return r < 0 ? trex_err_setx(err, r, "sha256") : 0;
}
