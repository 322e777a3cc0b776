/* trex-sandbox: one job in one sandbox (docs/CONTRACTS.md section 1).
 *
 * Process model (bubblewrap-like, root supervisor on the host):
 *
 *   supervisor (host root)              init (pid 1 of the job's pid ns)      job
 *   ----------------------              ------------------------------       ---
 *   parse args, load seccomp,
 *   lock a host uid, make cgroups,
 *   clone(NEWNS|NEWPID|NEWIPC|NEWUTS, v2: into the job leaf) -->
 *   mkdir the v1 job cgroups,           build the root as host root (so
 *   "cgroups" -------------------------> 0700 dataset dirs resolve); join
 *   make the job's network namespace,    the v1 cgroups (tasks <- "0"),
 *   "netns" + fd ----------------------> pivot_root, detach old root
 *   make the job's user namespace
 *   (vfork helper, as the job's host
 *   uid: its owner), write its
 *   uid_map/gid_map 1000->host          <-- /output root fd ------------
 *   "userns" + fd --------------------> setns(netns), setns(userns),
 *                                       unshare(NEWCGROUP) (now inside the
 *                                       job cgroups), setresuid(1000), drop
 *                                       caps, nnp,
 *                                       fork ---------------------------->   setsid, stdin /dev/null,
 *                                                                            close fds, rlimits,
 *                                                                            seccomp, execve
 *   poll: timeout, cpu, signals         reap; job exit -> send status, exit
 *   (killing init kills the pid ns)
 *   reap init, kill cgroup leftovers, collect /output through the fd
 *   (walked by a child as the job's host uid, no capabilities: collect.h),
 *   status record, remove cgroups.
 *
 * The mount namespace is owned by the host user namespace (it was made by
 * host root before the job's user namespace existed), so the job can never
 * mount, unmount or remount anything in it even with capabilities. The
 * job's user namespace itself is owned by the job's host uid (userns.c),
 * so every per-user count the kernel keeps (inotify, queued signals, ...)
 * is the job's own, never host root's.
 *
 * Rootless mode (not started as root: `trex run --local` on dummy data,
 * SECURITY.md "Rootless mode") changes only who owns what: the child is
 * cloned with CLONE_NEWUSER as well, the supervisor denies setgroups and
 * maps 1000 to the caller in that namespace ("userns", no fd, the first
 * message), the child builds the root with the capabilities it holds
 * there (binding the host's /dev nodes instead of mknod), makes its
 * network namespace itself, and goes on as above; no uid lease, no v1
 * cgroup, a v2 one only where the caller may make it (main.c). */
#ifndef TREX_SANDBOX_H
#define TREX_SANDBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

#define SBX_MAX_BINDS 32
#define SBX_MAX_ENV 64
#define SBX_MAX_ETC 16
#define SBX_JOB_UID 1000
#define SBX_JOB_GID 1000
#define SBX_EXIT_TIMEOUT 124
#define SBX_EXIT_SETUP 125
#define SBX_RUN_DIR "/run/trex"

/* --ro-bind SRC DEST (src set, fd -1) or --ro-bind-fd FD DEST (src
 * NULL); tree: the detached copy of FD's folder (sbx_mounts_open_trees) */
struct sbx_bind {
	const char *src;
	const char *dest;
	int fd;
	int tree;
};

struct sbx_config {
	const char *data;
	const char *code;
	const char *output;
	int code_fd;   /* --code-fd, or -1 */
	int output_fd; /* --output-fd, or -1 */
	int code_tree; /* the detached copy of code_fd's folder, or -1 */
	bool has_code; /* --code or --code-fd: /job exists and is the cwd */
	const char *etc[SBX_MAX_ETC]; /* --etc: host /etc entries to mirror */
	unsigned netc;
	uint64_t memory_mb;
	uint64_t pids;
	uint64_t cpu_seconds;
	uint64_t timeout;
	uint64_t output_mb;
	uint64_t output_files;
	const char *seccomp_profile;
	int seccomp_fd;
	int status_fd;
	uint32_t uid_base;
	uint32_t uid_count;
	struct sbx_bind binds[SBX_MAX_BINDS];
	unsigned nbinds;
	const char *env[SBX_MAX_ENV];
	unsigned nenv;
	const char *job_id;
	const char *cgroup_parent;
	bool rootless;       /* --rootless, or main found itself not root (userns.c) */
	char *const *argv;   /* the job command, NULL-terminated */
	unsigned job_cpus;   /* set by main: sbx_job_cpus(), for the /proc view */
};

/* args.c: parse argv into cfg (defaults filled in). -EINVAL with a message
 * naming the option. */
int sbx_args_parse(int argc, char **argv, struct sbx_config *cfg, struct trex_err *err);
void sbx_args_usage(void);
/* job ids and cgroup names: [A-Za-z0-9_.-], 1..64, no leading '.' */
bool sbx_name_valid(const char *s);

/* userns.c */
struct sbx_uid_lease {
	uid_t host_uid;
	int lock_fd;
};
/* Take the first free uid of [base, base+count) by flock on
 * dir/<uid>.lock; held until sbx_uid_release (or process death). */
int sbx_uid_acquire(const char *dir, uint32_t base, uint32_t count,
		    struct sbx_uid_lease *lease, struct trex_err *err);
void sbx_uid_release(struct sbx_uid_lease *lease);
/* From the supervisor: map job uid/gid 1000 to host_uid in pid's userns. */
int sbx_userns_write_maps(pid_t pid, uid_t host_uid, struct trex_err *err);
/* From the supervisor: a new user namespace (child of the host's, owned
 * by host_uid) with those maps, as an fd; the supervisor itself stays
 * where it is. */
int sbx_userns_make(uid_t host_uid, int *userns_fd, struct trex_err *err);
/* Rootless mode (not host root): the child was cloned into a user
 * namespace of its own; from the supervisor, deny setgroups and map job
 * uid/gid 1000 to the caller's uid/gid, the only ids it may map. */
int sbx_userns_write_maps_rootless(pid_t pid, uid_t uid, gid_t gid, struct trex_err *err);
/* The per-user directory the rootless job's root is mounted on:
 * /tmp/trex-sandbox-<uid>/root, each level made 0700 and checked to be a
 * real directory owned by the caller (never a symlink another user
 * planted), in buf. */
int sbx_userns_rootless_base(char *buf, size_t size, struct trex_err *err);
/* In the child after pivot_root: enter it (full capabilities inside). */
int sbx_userns_join(int userns_fd, struct trex_err *err);
/* In the child after the maps: become 1000:1000 with no groups. */
int sbx_userns_become_job(struct trex_err *err);

/* mounts.c: build the job's root and pivot into it (in the child, as host
 * root in a fresh mount namespace). */
struct sbx_mount_plan {
	const struct sbx_config *cfg;
	uid_t host_uid;   /* owner of /output as the mounting process names it */
	const char *base; /* host directory the new root is mounted on */
	/* called just before pivot_root, while host paths still resolve */
	int (*before_pivot)(void *ctx, struct trex_err *err);
	void *ctx;
};
int sbx_mounts_setup(const struct sbx_mount_plan *plan, const char **stage,
		     struct trex_err *err);
/* In the supervisor, before the clone: a detached read-only copy
 * (open_tree) of each folder handed over as an fd (--code-fd,
 * --ro-bind-fd), which the child attaches (move_mount) in its own mount
 * namespace; a bind from the fd's path there is refused by the kernel
 * (the fd's mount is of the host's namespace). The fds themselves are
 * closed: nothing but the copies stays. */
int sbx_mounts_open_trees(struct sbx_config *cfg, struct trex_err *err);
void sbx_mounts_close_trees(struct sbx_config *cfg);

/* procview.c: the job-sized files bound over host-wide /proc figures:
 * /proc/sbx_procview_files[i] is bound from the /dev/.mask directory's
 * sbx_procview_src[i]. Prepared there (mask_dirfd, at mask_path) while
 * /dev is writable, before the pivot. */
#define SBX_PROCVIEW_NFILES 5
#define SBX_MAX_JOB_CPUS 4
extern const char *const sbx_procview_files[SBX_PROCVIEW_NFILES];
extern const char *const sbx_procview_src[SBX_PROCVIEW_NFILES];
int sbx_procview_prepare(int mask_dirfd, const char *mask_path, const struct sbx_config *cfg,
			 struct trex_err *err);
/* CPUs a job may use: the online ones, at most SBX_MAX_JOB_CPUS (its
 * cgroup CPU quota and the CPU count of its /proc view) */
unsigned sbx_job_cpus(void);

/* sysinfo.c: in init, answer one pending sysinfo(2) call of the job
 * (listener readable: the job profile's `notify sysinfo`) with the job's
 * figures. */
void sbx_sysinfo_answer(int listener, uint64_t memory_bytes);

/* stdio.c: in main, before anything is set up: when fd 1 or 2 is not a
 * pipe, a socket or /dev/null, fork; the child (return 0) goes on with
 * pipes as fds 1 and 2, the parent copies them to the caller's fds and
 * returns 1 with the child's exit status in *exit_code. */
int sbx_stdio_guard(int *exit_code, struct trex_err *err);

/* caps.c: clear every capability set (bounding, ambient, inheritable,
 * permitted, effective), lock securebits, set no_new_privs. */
int sbx_caps_drop_all(struct trex_err *err);
/* The same state for a process of the host user namespace running as
 * root (the output walker): uid and gid `uid`, no supplementary groups,
 * then no capability at all, read back from the kernel. */
int sbx_caps_become(uid_t uid, struct trex_err *err);

/* limits.c: rlimits of the job process; with no memory cgroup
 * (no_memcg, rootless mode without a delegated one) RLIMIT_DATA carries
 * the memory limit, per process. */
int sbx_limits_apply(const struct sbx_config *cfg, bool no_memcg, struct trex_err *err);

/* seccomp.c */
struct secpol_progs;
struct sbx_cgroup;
int sbx_seccomp_load(const struct sbx_config *cfg, const unsigned char *builtin,
		     size_t builtin_len, struct secpol_progs *progs, struct trex_err *err);
/* Install in blob order; *listener is the listener of the program with
 * `notify` rules, or -1. */
int sbx_seccomp_install(const struct secpol_progs *progs, int *listener, struct trex_err *err);
bool sbx_seccomp_notifies(const struct secpol_progs *progs);

/* netns.c: the supervisor makes the job's (empty) network namespace and
 * returns an fd to it; the child joins it before pivot_root. */
int sbx_netns_make(int *netns_fd, struct trex_err *err);
int sbx_netns_join(int netns_fd, struct trex_err *err);

/* status.c: the key=value record on --status-fd (escaped values). */
void sbx_status_kv(int fd, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* messages between init and supervisor (SOCK_SEQPACKET) */
enum sbx_msg_type {
	SBX_MSG_USERNS = 1,    /* supervisor -> child: the job's user namespace,
	                        * maps written (fd); rootless: the child's own
	                        * namespace's maps are written (no fd), first */
	SBX_MSG_CGROUPS,       /* supervisor -> child: the v1 job dirs exist, join */
	SBX_MSG_NETNS,         /* supervisor -> child: the network namespace (fd) */
	SBX_MSG_OUTPUT,        /* child -> supervisor: the /output root fd */
	SBX_MSG_SETUP_FAILED,  /* child -> supervisor: stage + error */
	SBX_MSG_JOB_EXIT,      /* init -> supervisor: the job's wait status */
	SBX_MSG_SYSINFO,       /* job -> init: its seccomp listener (fd) */
};
struct sbx_msg {
	uint32_t type;
	int32_t status;
	uint64_t started_ns; /* JOB_EXIT: CLOCK_MONOTONIC when the job had exec'd */
	char stage[32];
	struct trex_err err;
};
int sbx_msg_send(int sock, const struct sbx_msg *m, int fd);
/* Returns bytes read (0 on EOF) or -errno; *fd receives a passed fd or -1. */
int sbx_msg_recv(int sock, struct sbx_msg *m, int *fd);
/* The same for any fixed-size message of len bytes (msg.c): a message of
 * another size, or with more than one fd, is -EPROTO (its fds closed). */
int sbx_fdmsg_send(int sock, const void *m, size_t len, int fd);
int sbx_fdmsg_recv(int sock, void *m, size_t len, int *fd);

/* child.c: the cloned child; never returns. */
struct sbx_child_args {
	const struct sbx_config *cfg;
	const struct secpol_progs *progs;
	uid_t host_uid;
	int sock;
	const char *base;
	const struct sbx_cgroup *cg; /* v1 cgroups to join, or NULL */
	bool no_memcg;               /* no memory cgroup: the rlimit backstop */
};
__attribute__((noreturn)) void sbx_child_main(const struct sbx_child_args *a);

#endif
