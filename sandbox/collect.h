/* Output collection from the job's /output tmpfs, split by privilege:
 * collect_walk.c walks the job's tree in a child process running as the
 * job's host uid with no capabilities, and hands each regular file over
 * as an open fd; collect.c, as root, only checks what it is handed and
 * copies it into the host --output dir. */
#ifndef TREX_SANDBOX_COLLECT_H
#define TREX_SANDBOX_COLLECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

/* deepest --output tree we take (main.c asks for 16) */
#define SBX_COLLECT_DEPTH_MAX 32

struct sbx_collect_limits {
	uint64_t max_entries;  /* files collected + entries refused */
	uint64_t max_bytes;    /* total (and so per file) */
	unsigned max_depth;    /* at most SBX_COLLECT_DEPTH_MAX */
	/* a full host output filesystem (ENOSPC, EDQUOT) is waited out, with
	 * back-off, until a cancelling signal (SIGTERM, SIGINT, SIGHUP) comes,
	 * instead of failing the collection: the job is over and its files
	 * exist only in its /output */
	bool wait_for_space;
};

struct sbx_collect_result {
	uint64_t files, bytes, refused;
	bool limit_hit;        /* a cap (count or size) refused something */
};

/* Copy regular files below src_root (an fd of the job's /output) into
 * dst_root; collected/refused lines go to status_fd. The walk runs in a
 * child as walker_uid:walker_uid (the job's host uid, which owns every
 * entry of /output) without capabilities. An error return means the host
 * side failed (cannot write the output dir, the walker misbehaved), not a
 * hostile entry. */
int sbx_collect(int src_root, int dst_root, uid_t walker_uid,
		const struct sbx_collect_limits *lim, int status_fd,
		struct sbx_collect_result *res, struct trex_err *err);
/* Names we copy: non-empty well-formed UTF-8 without control characters
 * (C0, DEL, C1), not starting with '-', one path component (no '/', not
 * "." or ".."), at most 255 bytes. */
bool sbx_collect_name_ok(const char *name);
/* Open --output: must be an existing empty directory (not a symlink). */
int sbx_output_dir_open(const char *path, struct trex_err *err);
/* The same checks on a folder handed over open (--output-fd): a folder,
 * open for reading, empty. 0 or -errno. */
int sbx_output_dir_check(int fd, struct trex_err *err);

/* The walker -> copier protocol: fixed-size messages on a SOCK_SEQPACKET
 * pair (msg.c), in walk order. Names are single components. */
enum sbx_collect_msg_type {
	SBX_COLLECT_FILE = 1,  /* name: a regular file, opened for reading (its fd) */
	SBX_COLLECT_DIR,       /* name: a directory, entered (what follows is inside) */
	SBX_COLLECT_UP,        /* leave the directory entered last */
	SBX_COLLECT_REFUSED,   /* name: refused by the walker for `reason` */
	SBX_COLLECT_DONE,      /* the walk is over (at the top) */
	SBX_COLLECT_FAILED,    /* the walk could not go on: err */
};
enum sbx_collect_reason {
	SBX_REFUSE_BAD_NAME = 1,
	SBX_REFUSE_TOO_MANY,
	SBX_REFUSE_CANNOT_STAT,
	SBX_REFUSE_CANNOT_OPEN,
	SBX_REFUSE_CHANGED,
	SBX_REFUSE_TOO_DEEP,
	SBX_REFUSE_SYMLINK,
	SBX_REFUSE_FIFO,
	SBX_REFUSE_SOCKET,
	SBX_REFUSE_DEVICE,
	SBX_REFUSE_NOT_REGULAR,
	SBX_REFUSE_HARD_LINK,   /* decided by the copier */
	SBX_REFUSE_TOO_BIG,     /* decided by the copier */
	SBX_REFUSE_NREASONS
};
struct sbx_collect_msg {
	uint32_t type;
	uint32_t reason;
	char name[256];
	struct trex_err err;
};

/* The copier (root): reads the walker's messages on sock until DONE and
 * copies each file whose fd is a regular file with one link on the
 * filesystem src_dev, within the caps, into dst_root. Any message a
 * correct walker would not send (a bad name, a file elsewhere, a directory
 * beyond max_depth, an unknown reason...) is an error. Returns 0 when the
 * walk ended with DONE. Exposed for the tests. */
int sbx_collect_copy(int sock, dev_t src_dev, int dst_root,
		     const struct sbx_collect_limits *lim, int status_fd,
		     struct sbx_collect_result *res, struct trex_err *err);
/* The walker process (collect_walk.c), in the child sbx_collect forks:
 * keeps only src_root and sock, becomes uid:uid with no capabilities,
 * walks src_root and sends what it finds on sock; exits 0 after DONE. */
__attribute__((noreturn)) void sbx_collect_walker(int src_root, int sock, uid_t uid,
						  const struct sbx_collect_limits *lim);

#endif
