/* Fuzz target: the labels of a job's table judged against declared bins
 * (policies/check/labels.c parses them: job output, untrusted). The first
 * byte picks how many breaks, the next ones their steps (integers or
 * halves), the rest is the label. Any label: no crash, no read past its
 * end. And every canonical rendering of every declared bin is accepted,
 * while the same rendering off by one break is not. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policies/check/labels.h"

static void must(const double *b, size_t n, const char *s, bool want)
{
	if (labels_bin_known(b, n, s) != want) {
		fprintf(stderr, "bins: '%s' should%s be known\n", s, want ? "" : " not");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double b[9];
	size_t n = 0, i = 0;
	bool halves;
	char *label;
	char s[128];

	if (size < 1)
		return 0;
	n = 1 + data[0] % 8;
	halves = data[0] & 0x80;
	b[0] = -(double)(size > 1 ? data[1] % 5 : 0);
	for (i = 1; i < n; i++)
		b[i] = b[i - 1] + 1 + (i + 1 < size ? data[i + 1] % 30 : i) + (halves ? 0.5 : 0);
	i = n + 1 < size ? n + 1 : size;
	label = malloc(size - i + 1);
	if (!label)
		abort();
	memcpy(label, data + i, size - i);
	label[size - i] = '\0';
	(void)labels_bin_known(b, n, label);
	free(label);
	snprintf(s, sizeof(s), "<%g", b[0]);
	must(b, n, s, true);
	snprintf(s, sizeof(s), "%g+", b[n - 1]);
	must(b, n, s, true);
	snprintf(s, sizeof(s), ">= %g", b[n - 1]);
	must(b, n, s, true);
	for (i = 0; i + 1 < n; i++) {
		snprintf(s, sizeof(s), "[%g, %g)", b[i], b[i + 1]);
		must(b, n, s, true);
		snprintf(s, sizeof(s), "(%g,%g]", b[i], b[i + 1]);
		must(b, n, s, true);
		snprintf(s, sizeof(s), "%g to %g", b[i], b[i + 1]);
		must(b, n, s, true);
		snprintf(s, sizeof(s), "%g-%g", b[i], b[i + 1]);
		must(b, n, s, true);
		if (!halves) {
			snprintf(s, sizeof(s), "%g-%g", b[i], b[i + 1] - 1);
			must(b, n, s, true);
		}
		if (i + 2 < n) {
			snprintf(s, sizeof(s), "[%g, %g)", b[i], b[i + 2]);
			must(b, n, s, false);
		}
	}
	return 0;
}
