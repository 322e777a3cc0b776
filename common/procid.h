/* Which process a pid is: the pid alone may name another process by now
 * (pids are reused), so trex pins one by its start time as well. */
#ifndef TREX_COMMON_PROCID_H
#define TREX_COMMON_PROCID_H

#include <sys/types.h>

#define TREX_BOOT_ID_LEN 36

/* pid's start time (clock ticks after boot, /proc/PID/stat field 22) and
 * this boot's id (/proc/sys/kernel/random/boot_id, 36 characters and a
 * NUL in boot): 0, or -errno (-ESRCH: no such process). */
int trex_proc_identity(pid_t pid, unsigned long long *start, char boot[TREX_BOOT_ID_LEN + 1]);

#endif
