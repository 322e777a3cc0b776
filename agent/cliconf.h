/* trex's own configuration file: where trexd is and how to reach it, so a
 * researcher does not repeat --url, --cert, --key and --cacert on every
 * command. A JSON object (docs/cli.md):
 *   {"socket": PATH} or {"url": "https://HOST:PORT", "cert": FILE,
 *    "key": FILE, "cacert": FILE}
 * read from --config FILE, else $TREX_CONFIG, else
 * $XDG_CONFIG_HOME/trex/config.json (~/.config/trex/config.json). Command
 * line options win over the environment, which wins over the file. */
#ifndef TREX_AGENT_CLICONF_H
#define TREX_AGENT_CLICONF_H

#include <stddef.h>

#include "common/err.h"

struct cliconf {
	const char *socket, *url, *cert, *key, *cacert; /* NULL when not set */
	char path[1024];                                 /* the file read, "" if none */
};

/* Read `file` (a file that must exist), or the default one when NULL (a
 * missing default file is no error). Relative certificate paths are taken
 * from the file's folder. The strings are cf's until cliconf_free. */
int cliconf_load(const char *file, struct cliconf *cf, struct trex_err *err);
void cliconf_free(struct cliconf *cf);

#endif
