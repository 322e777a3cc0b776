#include "envvar.h"

#include <string.h>

bool trex_envvar_name_ok(const char *name, size_t n)
{
	if (n == 0 || n > 64 || (n >= 3 && !strncmp(name, "LD_", 3)))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
		      (c >= '0' && c <= '9' && i > 0)))
			return false;
	}
	return true;
}
