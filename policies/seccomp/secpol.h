/* Seccomp profiles as reviewable text (policies/seccomp/NAME.policy), their
 * linter and their compiler to BPF through libseccomp.
 *
 * Profile grammar, one rule per line ('#' starts a comment, which should say
 * why the rule exists):
 *
 *   default errno EPERM           action for syscalls no rule names
 *   allow NAME [COND...]          let NAME through when every COND holds
 *   deny NAME [COND...]           fail NAME with EPERM (when every COND holds)
 *   errno ERRNAME NAME [COND...]  fail NAME with that errno (e.g. ENOSYS)
 *   kill NAME [COND...]           kill the whole process
 *   notify NAME                   hand NAME to trex-sandbox's init, which
 *                                 answers it for the job (sysinfo only: the
 *                                 job's own figures, sandbox/sysinfo.c)
 *   ... intended                  trailing word: the linter accepts this
 *                                 dangerous rule on purpose
 *
 *   COND is `argN OP VALUE` (OP: == != < <= > >=) or `argN & MASK == VALUE`
 *   (masked compare, e.g. `arg1 & 0xffffffff == 0x5412` catches TIOCSTI
 *   whatever the high 32 bits hold). Values are C integers (0x.., decimal).
 *   Several rules for one syscall are alternatives (OR); COND of one rule
 *   must all hold (AND).
 *
 * Only the native architecture is allowed; any other entry point (i386
 * int 0x80, x32) kills the process.
 *
 * libseccomp cannot mix, for one syscall, an unconditional allow with a
 * conditional deny, so the compiler emits two stacked filters: an allowlist
 * (default action; allow rules and unconditional non-allow rules) and a
 * denylist (default allow; conditional deny/errno/kill rules). The kernel
 * runs both and the stricter answer wins, which is exactly "allowed unless
 * a deny rule matches".
 *
 * Compiled form ("blob"), what trexd passes to trex-sandbox --seccomp-fd:
 *   "TREXBPF1" u32 nprogs, then per program: u32 ninsns, ninsns * sock_filter
 * Programs are installed in blob order (denylist first, allowlist last,
 * since the allowlist refuses seccomp() itself). A program that answers
 * SECCOMP_RET_USER_NOTIF (a `notify` rule) is installed with a listener
 * for trex-sandbox's init; a blob may hold one such program.
 * A file that does not start with the magic is read as one raw BPF program
 * (bubblewrap's --seccomp format).
 *
 * This library links only libseccomp (no libuv/jansson) so trexd and
 * trex-sandbox can both use it. */
#ifndef TREX_SECPOL_H
#define TREX_SECPOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/filter.h>

#include "common/err.h"

#define SECPOL_MAX_COND 6
#define SECPOL_MAX_PROGS 4
#define SECPOL_MAX_INSNS 4096
#define SECPOL_MAX_TEXT (1024 * 1024)

enum secpol_action { SECPOL_ALLOW, SECPOL_ERRNO, SECPOL_KILL, SECPOL_NOTIFY };
enum secpol_op { SECPOL_EQ, SECPOL_NE, SECPOL_LT, SECPOL_LE, SECPOL_GT,
		 SECPOL_GE, SECPOL_MASKED_EQ };

struct secpol_cond {
	unsigned arg;       /* 0..5 */
	enum secpol_op op;
	uint64_t mask;      /* SECPOL_MASKED_EQ only */
	uint64_t value;
};

struct secpol_rule {
	enum secpol_action action;
	int errno_val;      /* SECPOL_ERRNO */
	int nr;             /* native syscall number */
	char name[48];
	unsigned ncond;
	struct secpol_cond cond[SECPOL_MAX_COND];
	bool intended;      /* marked "intended" for the linter */
	unsigned line;
};

struct secpol {
	struct secpol_rule *rules;
	size_t n, cap;
	enum secpol_action def_action;
	int def_errno;
	bool has_default;
};

struct secpol_prog {
	struct sock_filter *insns;
	unsigned short len;
};

struct secpol_progs {
	struct secpol_prog prog[SECPOL_MAX_PROGS];
	unsigned n;
};

/* Parse profile text; errors name origin:line. pol must be zeroed. */
int secpol_parse(const char *text, size_t len, const char *origin,
		 struct secpol *pol, struct trex_err *err);
void secpol_free(struct secpol *pol);

/* Reject a profile that lets a dangerous syscall through unconditionally
 * (ptrace, mount family, bpf, io_uring, keyctl, unshare, clone without a
 * namespace-flag condition, ...) unless the rule says "intended"; one
 * whose ioctl rules are not an allowlist of single requests on the low 32
 * bits (`allow ioctl arg1 & 0xffffffff == REQUEST`, never TIOCSTI or
 * TIOCLINUX; an unconditional `allow ioctl` needs "intended" and masked
 * denials of both); one that uses `notify` for anything but an
 * unconditional sysinfo; and one that compares a 32-bit argument (ioctl and
 * fcntl requests, socket families...) in a way high bits dodge: a deny
 * rule must read `argN & MASK == VALUE` with MASK within 0xffffffff, an
 * allow rule must not use != > >=. -EPERM with the first problem in err. */
int secpol_lint(const struct secpol *pol, struct trex_err *err);

/* Compile to the blob format and write it to out_fd. */
int secpol_compile(const struct secpol *pol, int out_fd, struct trex_err *err);

/* Read + parse + lint + compile a profile file into a new sealed memfd
 * (offset 0, not close-on-exec: ready to hand to trex-sandbox --seccomp-fd).
 * The caller closes *bpf_fd. */
int secpol_compile_file(const char *path, int *bpf_fd, struct trex_err *err);
/* Same from text already in memory. */
int secpol_compile_text(const char *text, size_t len, const char *origin,
			int *bpf_fd, struct trex_err *err);

/* Does this program hand calls to a supervisor (SECCOMP_RET_USER_NOTIF)? */
bool secpol_prog_notifies(const struct secpol_prog *prog);

/* Read a blob (or one raw BPF program) from fd into progs, from offset 0
 * when fd is seekable (the fd's offset is not used or moved); caller frees
 * with secpol_progs_free. */
int secpol_progs_read(int fd, struct secpol_progs *progs, struct trex_err *err);
/* Same from memory (for a blob built into a binary). */
int secpol_progs_from_mem(const void *data, size_t len, struct secpol_progs *progs,
			  struct trex_err *err);
void secpol_progs_free(struct secpol_progs *progs);

#endif
