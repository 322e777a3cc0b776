/* Where the installed files are: fixed when the binary is built (Makefile:
 * PREFIX, BINDIR, SBINDIR, DATADIR, SYSCONFDIR, LOCALSTATEDIR), never
 * worked out from where the binary happens to sit, so a copied or
 * symlinked binary still reads the packs and profile it was built for.
 * Binaries under build/ are built with this source tree's folders; the
 * copies `make install` puts in place are linked with the prefix's. */
#ifndef TREX_PATHS_H
#define TREX_PATHS_H

/* DATADIR/trex: disclosure/NAME.json packs, seccomp/default.policy */
const char *trex_path_datadir(void);
/* the helper binaries trexd runs and `trex doctor` hands over to */
const char *trex_path_sandbox(void);
const char *trex_path_check(void);
const char *trex_path_trexd(void);
/* SYSCONFDIR/trex/trexd.json: the configuration trexd reads by default */
const char *trex_path_config(void);
/* LOCALSTATEDIR/lib/trex: the state folder of the sample configuration */
const char *trex_path_statedir(void);

#endif
