/* The compiled-in installation folders (paths.h). The Makefile compiles
 * this file twice with different -D values: once for the binaries of the
 * build tree (this checkout's policies/ and build/), once for the copies
 * `make install` installs (the prefix). Nothing else differs. */
#include "paths.h"

#if !defined(TREX_DATADIR) || !defined(TREX_SANDBOX) || !defined(TREX_CHECK) || \
	!defined(TREX_TREXD) || !defined(TREX_CONFIG) || !defined(TREX_STATEDIR)
#error "paths.c needs TREX_DATADIR, TREX_SANDBOX, TREX_CHECK, TREX_TREXD, TREX_CONFIG, TREX_STATEDIR (Makefile)"
#endif

const char *trex_path_datadir(void)
{
	return TREX_DATADIR;
}

const char *trex_path_sandbox(void)
{
	return TREX_SANDBOX;
}

const char *trex_path_check(void)
{
	return TREX_CHECK;
}

const char *trex_path_trexd(void)
{
	return TREX_TREXD;
}

const char *trex_path_config(void)
{
	return TREX_CONFIG;
}

const char *trex_path_statedir(void)
{
	return TREX_STATEDIR;
}
