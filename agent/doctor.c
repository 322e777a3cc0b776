/* `trex doctor [ARG...]`: the operator's preflight on trexd's host. The
 * checks need trexd's configuration reader and run as root, so trex hands
 * over to the installation's trexd (common/paths.h) with --check-host and
 * the same arguments rather than carrying a second copy of them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "paths.h"

int cli_doctor(const struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	/* argv[0] is "doctor": trexd --check-host ARG... */
	char **av = trex_calloc((size_t)argc + 2, sizeof(*av));
	if (!av) {
		fprintf(stderr, "trex: doctor: out of memory\n");
		return CLI_EXIT_FAILED;
	}
	av[0] = (char *)"trexd";
	av[1] = (char *)"--check-host";
	for (int i = 1; i < argc; i++)
		av[i + 1] = argv[i];
	execv(trex_path_trexd(), av);
	fprintf(stderr, "trex: doctor: cannot run %s: %s\n", trex_path_trexd(), strerror(errno));
	trex_free(av);
	return CLI_EXIT_FAILED;
}
