/* What a job's environment may be given: the one owner of the rule, so a
 * variable trexd's configuration accepts is one trex-sandbox takes. */
#ifndef TREX_ENVVAR_H
#define TREX_ENVVAR_H

#include <stdbool.h>
#include <stddef.h>

/* A variable name: [A-Za-z_][A-Za-z0-9_]*, at most 64 bytes, and not LD_*
 * (the loader must not be steered from outside the approved code). */
bool trex_envvar_name_ok(const char *name, size_t n);

#endif
