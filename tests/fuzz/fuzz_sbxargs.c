/* Fuzz target: trex-sandbox's command line (sandbox/args.c). trexd builds
 * it, but trex-sandbox is also run by hand and by tests, and a parse that
 * let a bad value through would run a job with weaker limits. The input is
 * argv: arguments separated by NUL bytes. Whatever they are: the parse
 * succeeds or names the option; a parse that succeeds has every limit in
 * its range, clean bind destinations, no LD_* variable, the command after
 * a "--", and no fd given twice. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "sandbox/sandbox.h"

#define FUZZ_MAX_ARGS 256

static void fuzz_check(const struct sbx_config *c)
{
	if (c->memory_mb < 16 || c->memory_mb > (1 << 20) || c->pids < 1 || c->pids > (1 << 16) ||
	    c->cpu_seconds < 1 || c->timeout < 1 || c->output_mb < 1 || c->output_files < 1)
		abort();
	if (c->uid_base <= 65534 && (uint64_t)c->uid_base + c->uid_count > 65534)
		abort();
	if (c->nbinds > SBX_MAX_BINDS || c->nenv > SBX_MAX_ENV)
		abort();
	for (unsigned i = 0; i < c->nbinds; i++) {
		const char *d = c->binds[i].dest;
		if (d[0] != '/' || strstr(d, "//") || strstr(d, "/../") || strstr(d, "/./") ||
		    !strcmp(d, "/proc") || !strncmp(d, "/proc/", 6))
			abort();
		if ((c->binds[i].src == NULL) == (c->binds[i].fd < 0))
			abort();
	}
	for (unsigned i = 0; i < c->nenv; i++)
		if (!strncmp(c->env[i], "LD_", 3) || !strchr(c->env[i], '='))
			abort();
	if (!c->argv || !c->argv[0] || !c->argv[0][0] || strcmp(c->argv[-1], "--") != 0)
		abort();
	if (c->seccomp_fd >= 0 && c->seccomp_fd <= 2)
		abort();
	if (c->job_id && !sbx_name_valid(c->job_id))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = trex_malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *argv[FUZZ_MAX_ARGS + 2];
	int argc = 0;
	argv[argc++] = (char *)"trex-sandbox";
	for (char *p = buf; p < buf + size && argc < FUZZ_MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	struct sbx_config cfg;
	struct trex_err err = { 0 };
	if (sbx_args_parse(argc, argv, &cfg, &err) == 0)
		fuzz_check(&cfg);
	else if (err.msg[0] == '\0')
		abort();
	trex_free(buf);
	return 0;
}
