/* Fuzz target: seccomp profiles (policies/seccomp/parse.c, lint.c,
 * compile.c), text an operator writes and trexd compiles at start; and
 * the compiled blob trex-sandbox reads (secpol_progs_from_mem). Whatever
 * the bytes: parse, lint and compile each succeed or say why; what
 * compiles reads back as at most SECPOL_MAX_PROGS programs; and the same
 * bytes read as a blob are refused or give bounded programs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policies/seccomp/secpol.h"

static void fuzz_blob(const void *data, size_t size)
{
	struct secpol_progs progs = { 0 };
	struct trex_err err = { 0 };
	if (secpol_progs_from_mem(data, size, &progs, &err) == 0) {
		if (progs.n == 0 || progs.n > SECPOL_MAX_PROGS)
			abort();
		for (unsigned i = 0; i < progs.n; i++)
			if (!progs.prog[i].insns || progs.prog[i].len == 0 ||
			    progs.prog[i].len > SECPOL_MAX_INSNS)
				abort();
		secpol_progs_free(&progs);
	} else if (err.msg[0] == '\0') {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_blob(data, size);
	struct secpol pol = { 0 };
	struct trex_err err = { 0 };
	int r = secpol_parse((const char *)data, size, "fuzz.policy", &pol, &err);
	if (r < 0) {
		if (err.msg[0] == '\0' || pol.rules)
			abort();
		return 0;
	}
	for (size_t i = 0; i < pol.n; i++)
		if (pol.rules[i].ncond > SECPOL_MAX_COND ||
		    strnlen(pol.rules[i].name, sizeof(pol.rules[i].name)) == sizeof(pol.rules[i].name))
			abort();
	secpol_lint(&pol, &err);
	/* compiling is libseccomp's work and slow: only small profiles */
	if (pol.n <= 64) {
		int fd = memfd_create("fuzz-secpol", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		if (secpol_compile(&pol, fd, &err) == 0) {
			struct secpol_progs progs = { 0 };
			if (secpol_progs_read(fd, &progs, &err) < 0)
				abort(); /* what the compiler wrote, the reader reads */
			secpol_progs_free(&progs);
		}
		close(fd);
	}
	secpol_free(&pol);
	return 0;
}
