/* tdir.h: temporary folders for the unit tests. */
#include "tdir.h"

#include <stdio.h>
#include <stdlib.h>

char tdir_path[64];
char tdir_db[128];

int tdir_setup(void **state)
{
	(void)state;
	snprintf(tdir_path, sizeof(tdir_path), "/tmp/trex-unit-XXXXXX");
	if (!mkdtemp(tdir_path))
		return -1;
	snprintf(tdir_db, sizeof(tdir_db), "%s/trexd.db", tdir_path);
	return 0;
}

int tdir_teardown(void **state)
{
	char cmd[200];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir_path);
	return system(cmd) == 0 ? 0 : -1;
}
