/* Opening and creating below a folder without following links: the one
 * owner of the rule for every name that is not ours (a job's outputs, a
 * researcher's bundle or fetch destination, the state folder's entries). */
#ifndef TREX_BENEATH_H
#define TREX_BENEATH_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"

/* openat2(dir, rel) that stays beneath dir and follows no symlink nor
 * magic link on the way (O_NOFOLLOW and O_CLOEXEC added to flags);
 * resolve adds RESOLVE_* bits (e.g. RESOLVE_NO_XDEV). An fd or -errno. */
int trex_open_beneath(int dir, const char *rel, int flags, uint64_t resolve);

/* fsync each folder that holds a newly opened one (trex_mkdir_beneath) */
#define TREX_BENEATH_FSYNC 1u

/* Open, creating with mode as needed, each folder of rel's parent below
 * dir, one component at a time with O_NOFOLLOW, so that a symlink on the
 * way can not redirect a write. Returns the fd of the folder that is to
 * hold the last component, whose name is left in *base (it points into
 * rel), or -errno with err naming rel. */
int trex_mkdir_beneath(int dir, const char *rel, mode_t mode, unsigned flags,
		       const char **base, struct trex_err *err);

#endif
