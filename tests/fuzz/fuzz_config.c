/* Fuzz target: trexd's configuration (runner/config.c, config_access.c),
 * read as root at start and at every reload. Whatever the bytes: the
 * parse either succeeds or fails with a message, the shape check runs on
 * what it built, and config_free releases everything either way (ASan
 * and the replay's leak check see a leak). A parse that succeeds has its
 * datasets and runtimes findable by their own names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runner/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	struct trex_err err = { 0 };
	if (config_init_defaults(&c, &err) < 0)
		abort();
	int r = config_parse(&c, "fuzz.json", (const char *)data, size, &err);
	if (r < 0 && err.msg[0] == '\0')
		abort();
	if (r == 0) {
		for (size_t i = 0; i < c.n_datasets; i++)
			if (config_dataset(&c, c.datasets[i].name) != &c.datasets[i])
				abort();
		for (size_t i = 0; i < c.n_runtimes; i++)
			if (config_runtime(&c, c.runtimes[i].name) != &c.runtimes[i])
				abort();
		struct trex_err e2 = { 0 };
		if (config_check_shape(&c, &e2) < 0 && e2.msg[0] == '\0')
			abort();
		if (c.tls.listen) {
			struct sockaddr_storage ss;
			config_tls_addr(c.tls.listen, &ss, &e2);
		}
	}
	config_free(&c);
	return 0;
}
