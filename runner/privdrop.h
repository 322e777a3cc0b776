/* The service process's identity (docs/DESIGN.md "Privilege separation"):
 * which user it runs as (config "service_user"), the state folder handed
 * to that user, and the drop itself. */
#ifndef TREX_RUNNER_PRIVDROP_H
#define TREX_RUNNER_PRIVDROP_H

#include <sys/types.h>

#include "config.h"
#include "err.h"

/* The uid when "service_user" is unset and the host has no user named
 * PRIVDROP_DEFAULT_USER: an id no account and no job uses. */
#define PRIVDROP_DEFAULT_USER "trexd"
#define PRIVDROP_DEFAULT_ID 65533

/* "service_user" of c: a user name (its uid and primary group) or
 * "UID:GID"; unset, PRIVDROP_DEFAULT_USER when it exists, else
 * PRIVDROP_DEFAULT_ID for both. Never root, never inside uid_range. */
int privdrop_resolve(const struct config *c, uid_t *uid, gid_t *gid, struct trex_err *err);

/* Give STATE and everything below it to uid:gid, except what stays
 * root's alone (trexd.key, trexd.pub, keys/, monitor.log, trexd.lock, idindex/): a walk
 * by directory fds that never follows a link. Run as root before the
 * service starts, and by the monitor over a sandbox's output folder
 * (root's files, collected by trex-sandbox) once it has ended. */
int privdrop_chown_tree(int dirfd, const char *name, uid_t uid, gid_t gid, int top,
			struct trex_err *err);

/* Become uid:gid for good: no supplementary groups, no capabilities
 * (bounding set emptied too), no_new_privs, not dumpable, the
 * parent-death signal again (a credential change clears it), then
 * privdrop_seccomp. */
int privdrop_to(uid_t uid, gid_t gid, struct trex_err *err);

/* Install the service's seccomp allowlist on every thread of the calling
 * process, for good: the calls the service makes, some only with the
 * arguments it uses; any other call (or another architecture's) kills
 * the process, but for clone3 (ENOSYS) and socket() of another address
 * family (EAFNOSUPPORT). Needs no_new_privs (or CAP_SYS_ADMIN). */
int privdrop_seccomp(struct trex_err *err);

#endif
