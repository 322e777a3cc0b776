/* tdir.h: temporary folders for the unit tests. */
#include "tdir.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

void tdir_put_job(struct store *s, const char *id, const char *project, uid_t uid,
		  const char *name)
{
	struct job_row j = { 0 };
	struct trex_err err = { 0 };
	char manifest[256];
	snprintf(manifest, sizeof(manifest), "{\"project\":\"%s\"}", project);
	snprintf(j.id, sizeof(j.id), "%s", id);
	j.project = (char *)project;
	j.dataset = "synth";
	j.runtime = "python3";
	j.manifest = manifest;
	j.submitted_uid = uid;
	j.submitted_name = (char *)name;
	assert_int_equal(store_put_job(s, &j, &err), 0);
}
