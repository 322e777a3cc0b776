/* Disclosure policy packs as trexd uses them: policy_dir/NAME.json read
 * with trex-check's own reader (policies/check/policy.c), so a pack that
 * `trexd -n` accepts is one the checker accepts, and the checker is handed
 * the pack as that reader resolved it (profiles followed, overrides
 * applied): one self-contained object, nothing left to look up. */
#include "packs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "policies/check/policy.h"
#include "suggest.h"

int packs_name_ok(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= 64 && name[0] != '.' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int packs_resolve(const struct config *c, const char *name, json_t **resolved,
		  struct trex_err *err)
{
	char path[PATH_MAX];
	struct policy p;
	if (!packs_name_ok(name))
		return trex_err_setx(err, -EINVAL, "bad policy name \"%.64s\"", name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.json", c->policy_dir, name) >= sizeof(path))
		return trex_err_setx(err, -ENAMETOOLONG, "policy_dir too long");
	return policy_read(c->policy_dir, path, &p, resolved, err);
}

/* NAME of a directory entry "NAME.json" that a permit may name, or 0 */
static int packs_entry_name(const char *entry, char *name, size_t len)
{
	size_t n = strlen(entry);
	if (n <= 5 || strcmp(entry + n - 5, ".json") != 0 || n - 5 >= len)
		return 0;
	memcpy(name, entry, n - 5);
	name[n - 5] = '\0';
	return packs_name_ok(name);
}

int packs_check(const struct config *c, struct trex_err *err)
{
	struct dirent **ents = NULL;
	int r = packs_resolve(c, c->policy, NULL, err);
	if (r < 0)
		return r;
	int n = scandir(c->policy_dir, &ents, NULL, alphasort);
	if (n < 0)
		return trex_err_set(err, -errno, "policy_dir %s", c->policy_dir);
	for (int i = 0; i < n; i++) {
		char name[80];
		if (r == 0 && packs_entry_name(ents[i]->d_name, name, sizeof(name)) &&
		    strcmp(name, c->policy) != 0)
			r = packs_resolve(c, name, NULL, err);
		free(ents[i]);
	}
	free(ents);
	return r;
}

/* byte order, whatever the locale: the same list on every host */
static int packs_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

size_t packs_names(const struct config *c, const char *near_to, char *out, size_t len,
		   const char **near)
{
	struct dirent **ents = NULL;
	static char best[80];
	const char *names[PACKS_LIST_MAX];
	char store[PACKS_LIST_MAX][80];
	size_t k = 0;
	*near = NULL;
	out[0] = '\0';
	int n = scandir(c->policy_dir, &ents, NULL, packs_cmp);
	for (int i = 0; i < n; i++) {
		if (k < PACKS_LIST_MAX && packs_entry_name(ents[i]->d_name, store[k], sizeof(store[k]))) {
			names[k] = store[k];
			k++;
		}
		free(ents[i]);
	}
	free(ents);
	const char *s = near_to ? trex_suggest(near_to, names, k) : NULL;
	if (s) {
		snprintf(best, sizeof(best), "%s", s);
		*near = best;
	}
	return trex_suggest_list(names, k, out, len);
}

int packs_sha256(const struct config *c, const char *name, char out[65], struct trex_err *err)
{
	json_t *pack = NULL;
	int r = packs_resolve(c, name, &pack, err);
	if (r < 0)
		return r;
	char *canon = json_dumps(pack, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	json_decref(pack);
	if (!canon)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	r = trex_sha256_hex(canon, strlen(canon), out);
	free(canon);
	return r < 0 ? trex_err_setx(err, r, "policy %s: SHA-256 failed", name) : 0;
}
