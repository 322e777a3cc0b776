/* Fuzz target: base64 bodies of uploaded job files. Decode, and when it
 * decodes, the round trip must give the same text back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/b64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *out = NULL;
	size_t n = 0;
	if (trex_b64_decode((const char *)data, size, &out, &n) == 0) {
		char *enc = NULL;
		size_t m = 0;
		if (trex_b64_encode(out, n, &enc, &m) == 0) {
			if (m != size || memcmp(enc, data, size) != 0)
				abort();
			trex_free(enc);
		}
		trex_free(out);
	}
	return 0;
}
