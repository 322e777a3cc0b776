/* Fuzz target: data permits come from outside (researchers upload them). */
#include <stdint.h>
#include <stddef.h>

#include "common/permit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct permit p;
	struct trex_err err;
	if (permit_parse((const char *)data, size, &p, &err) == 0) {
		char *canon = NULL;
		if (permit_canonical(p.doc, &canon, &err) == 0)
			free(canon);
		struct permit_trust trust = { 0 };
		struct permit_request req = { "P", "alice", "d", "python3", 0 };
		permit_check(&p, &trust, &req, &err);
		permit_free(&p);
	}
	return 0;
}
