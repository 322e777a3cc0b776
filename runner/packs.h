/* Disclosure policy packs of policy_dir, read as trex-check reads them
 * (policies/check/policy.h, docs/config.md "policy"). */
#ifndef TREX_RUNNER_PACKS_H
#define TREX_RUNNER_PACKS_H

#include <jansson.h>

#include "config.h"
#include "err.h"

/* A pack name the config or a permit may give: 1-64 of A-Z a-z 0-9 . _ -,
 * not starting with '.'. */
int packs_name_ok(const char *name);

/* policy_dir/NAME.json resolved (every profile followed, overrides
 * applied) into one self-contained object, the caller's to json_decref;
 * resolved may be NULL to only validate. Errors are the reader's, naming
 * the file (and key) at fault. */
int packs_resolve(const struct config *c, const char *name, json_t **resolved,
		  struct trex_err *err);

/* The pack's digest: SHA-256 of its resolved form (packs_resolve)
 * serialised compactly with sorted keys and ASCII escapes, so that the
 * same rules give the same digest whatever the files' layout. */
int packs_sha256(const struct config *c, const char *name, char out[65], struct trex_err *err);

/* `trexd -n`: the configured pack, then every pack of policy_dir a permit
 * may name (NAME.json with a name packs_name_ok accepts, in name order);
 * the first error. */
/* The pack names in policy_dir ("casd, default, ..." into out, len
 * bytes; at most PACKS_LIST_MAX), for an error that lists the valid
 * choices; *near the one nearest to near_to (common/suggest.h), or NULL.
 * Returns the length written. */
#define PACKS_LIST_MAX 64
size_t packs_names(const struct config *c, const char *near_to, char *out, size_t len,
		   const char **near);
int packs_check(const struct config *c, struct trex_err *err);

#endif
