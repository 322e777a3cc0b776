/* Multi-call attack binary for the escape suite (tests/escape/escape.t):
 * `attack NAME ARGS...` performs one attempt from docs/ATTACKS.md. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attack.h"

int say_err(int err)
{
	const char *n = strerrorname_np(err);
	if (n)
		printf("%s\n", n);
	else
		printf("errno=%d\n", err);
	fflush(stdout);
	return 0;
}

int say_rc(long rc)
{
	if (rc >= 0) {
		printf("ok\n");
		fflush(stdout);
		return 0;
	}
	return say_err(errno);
}

int say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return 0;
}

long arg_long(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 0);
	if (errno || *end) {
		fprintf(stderr, "attack: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static const struct attack *const tables[] = {
	attacks_fs, attacks_kern, attacks_net, attacks_dos, attacks_out,
	attacks_peruser, attacks_chan, attacks_chan_residual,
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: attack NAME [ARG...]\n");
		return 2;
	}
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct attack *a = tables[t]; a->name; a++) {
			if (strcmp(a->name, argv[1]) != 0)
				continue;
			if (argc - 2 != a->nargs) {
				fprintf(stderr, "attack %s: wants %d args\n", a->name, a->nargs);
				return 2;
			}
			return a->fn(argv + 2);
		}
	fprintf(stderr, "attack: unknown attempt %s\n", argv[1]);
	return 2;
}
