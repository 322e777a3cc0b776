/* Fuzz target: disclosure packs (policies/check/policy.c), read by
 * trex-check and by trexd at `trexd -n`, and written by operators. A pack
 * may follow a profile, resolved in TREX_POLICY_DIR (the shipped packs,
 * policies/disclosure/, from the checkout the target runs in). Whatever
 * the bytes: the parse succeeds or names what is wrong; a pack that
 * parses resolves to a self-contained one that reads back to the same
 * parameters, and renders for the report. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "policies/check/policy.h"

static void fuzz_policy_dir(void)
{
	static int done;
	if (done++)
		return;
	if (!getenv("TREX_POLICY_DIR")) {
		const char *root = getenv("TREX_ROOT");
		static char dir[4096];
		snprintf(dir, sizeof(dir), "%s/policies/disclosure", root ? root : ".");
		setenv("TREX_POLICY_DIR", dir, 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_policy_dir();
	struct policy p;
	struct trex_err err = { 0 };
	policy_defaults(&p);
	int r = policy_parse((const char *)data, size, "fuzz.json", &p, &err);
	if (r < 0) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (strnlen(p.name, sizeof(p.name)) == sizeof(p.name) ||
	    strnlen(p.version, sizeof(p.version)) == sizeof(p.version))
		abort();
	/* the same bytes as a file: resolved, they are one self-contained pack
	 * that reads back to the same parameters */
	int fd = memfd_create("fuzz-policy", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct policy p2, p3;
	json_t *resolved = NULL;
	if (policy_read(NULL, path, &p2, &resolved, &err) < 0)
		abort();
	close(fd);
	char *text = json_dumps(resolved, JSON_COMPACT);
	if (!text || json_object_get(resolved, "profile") ||
	    policy_parse(text, strlen(text), "again.json", &p3, &err) < 0)
		abort();
	json_t *a = policy_to_json(&p), *b = policy_to_json(&p2), *c = policy_to_json(&p3);
	if (!a || !b || !c || !json_equal(a, b) || !json_equal(a, c))
		abort();
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(resolved);
	free(text);
	return 0;
}
