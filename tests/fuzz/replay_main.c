/* Replays fuzz inputs under gcc (no libFuzzer needed): every file named on
 * the command line, or every file in a directory, goes once through
 * LLVMFuzzerTestOneInput. Prints TAP, one line per input, so `make check`
 * runs the seed corpora and every crash ever found. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/alloc.h"
#include "common/fsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_n;

static void replay_file(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	if (trex_read_file(-100 /* AT_FDCWD */, path, 1 << 24, &data, &len, NULL) < 0) {
		printf("not ok %d - %s (unreadable)\n", ++replay_n, path);
		return;
	}
	/* a crash aborts the process, which tests/run.sh counts as a failure */
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	trex_free(data);
	printf("ok %d - %s\n", ++replay_n, path);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			struct dirent **names;
			int n = scandir(argv[i], &names, NULL, alphasort);
			for (int j = 0; j < n; j++) {
				if (names[j]->d_name[0] != '.') {
					char p[4096];
					snprintf(p, sizeof(p), "%s/%s", argv[i], names[j]->d_name);
					replay_file(p);
				}
				free(names[j]);
			}
			free(names);
		} else {
			replay_file(argv[i]);
		}
	}
	printf("1..%d\n", replay_n);
	return 0;
}
