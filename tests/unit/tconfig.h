/* Shared by the unit tests that need a parsed trexd configuration
 * (test_runner_access, test_runner_config, test_runner_manifest). */
#ifndef TREX_TESTS_TCONFIG_H
#define TREX_TESTS_TCONFIG_H

#include "runner/config.h"

/* tconfig_parse: C gets trexd's defaults (this build tree's, common/paths.h),
 * then TEXT is parsed as the file NAME and, with CHECK, config_check runs
 * too. Returns what they returned; their message is copied to MSG. C is
 * the caller's to config_free, whatever the result. */
int tconfig_parse(struct config *c, const char *name, const char *text, int check, char msg[256]);

#endif
