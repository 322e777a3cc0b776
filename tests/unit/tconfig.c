/* One way for the unit tests to turn a trexd.json text into a struct
 * config, so each test states only the text and what it expects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "tests/unit/tconfig.h"

int tconfig_parse(struct config *c, const char *name, const char *text, int check, char msg[256])
{
	struct trex_err err = { 0 };
	assert_int_equal(config_init_defaults(c, &err), 0);
	int r = config_parse(c, name, text, strlen(text), &err);
	if (r == 0 && check)
		r = config_check(c, &err);
	snprintf(msg, 256, "%s", err.msg);
	return r;
}
