/* The release of trex every binary reports (trex-check's reports,
 * trexd's trex_build_info metric). One number for the whole tree. */
#ifndef TREX_VERSION_H
#define TREX_VERSION_H

#define TREX_VERSION "0.1.0"

#endif
