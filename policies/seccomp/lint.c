/* Linter for seccomp profiles: a reviewer reading a 300-line allowlist will
 * miss one "allow bpf"; this will not. It rejects unconditional allows of
 * syscalls that reach kernel attack surface or escape routes
 * (docs/ATTACKS.md), unless the author marked the rule "intended",
 * checks that the few syscalls that are only safe with argument filters
 * have them, that ioctl is an allowlist of single requests (never
 * TIOCSTI/TIOCLINUX), and that rules on 32-bit arguments cannot be
 * dodged with high bits. */
#include "secpol.h"

#include <errno.h>
#include <linux/sched.h>
#include <string.h>

/* Never allowed unconditionally: each one is a row of docs/ATTACKS.md. */
static const char *const secpol_dangerous[] = {
	"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
	"mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig",
	"fsmount", "fspick", "open_tree", "move_mount", "mount_setattr",
	"unshare", "setns", "clone3", "bpf", "userfaultfd", "keyctl", "add_key",
	"request_key", "perf_event_open", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "execveat", "init_module", "finit_module",
	"delete_module", "kexec_load", "kexec_file_load", "reboot",
	"open_by_handle_at", "name_to_handle_at", "iopl", "ioperm", "modify_ldt",
	"swapon", "swapoff", "acct", "syslog", "quotactl", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "sethostname",
	"setdomainname", "mknod", "mknodat", "lookup_dcookie", "fanotify_init",
	"memfd_secret",
	/* only safe with an argument filter (checked below) */
	"clone", "socket", "personality", "memfd_create",
};

/* Namespace flags clone() must not carry (clone(2) cannot carry
 * CLONE_NEWTIME: that bit is part of the exit signal there). */
#define SECPOL_CLONE_NS_FLAGS                                                   \
	((uint64_t)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
		    CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET))

#define SECPOL_TIOCSTI 0x5412u
#define SECPOL_TIOCLINUX 0x541cu
#define SECPOL_LOW32 0xffffffffull

/* Arguments the kernel reads as int or unsigned int: it ignores the high
 * 32 bits of the register, seccomp compares all 64. A deny rule that
 * compares such an argument on 64 bits (`arg1 == 0x5412`) is dodged by
 * setting a high bit (flatpak CVE-2019-10063); so is an allow rule that
 * says != > or >=. */
static const struct { const char *name; unsigned args; } secpol_int_args[] = {
	{ "ioctl", 1u << 1 }, { "fcntl", 1u << 1 }, { "flock", 1u << 1 },
	{ "socket", 7u }, { "socketpair", 7u }, { "setsockopt", 6u },
	{ "getsockopt", 6u }, { "prctl", 1u << 0 }, { "personality", 1u << 0 },
	{ "madvise", 1u << 2 }, { "fadvise64", 1u << 3 }, { "memfd_create", 1u << 1 },
	{ "open", 1u << 1 }, { "openat", 1u << 2 }, { "setns", 1u << 1 },
	{ "kill", 1u << 1 }, { "tgkill", 1u << 2 },
};

static bool secpol_arg_is_int(const char *name, unsigned arg)
{
	for (size_t i = 0; i < sizeof(secpol_int_args) / sizeof(secpol_int_args[0]); i++)
		if (strcmp(secpol_int_args[i].name, name) == 0)
			return (secpol_int_args[i].args >> arg) & 1u;
	return false;
}

/* Does a condition on a 32-bit argument hold whatever the high bits? */
static bool secpol_int_cond_ok(const struct secpol_rule *r, const struct secpol_cond *c)
{
	if (r->action == SECPOL_ALLOW)
		return c->op != SECPOL_NE && c->op != SECPOL_GT && c->op != SECPOL_GE;
	return c->op == SECPOL_MASKED_EQ && (c->mask & ~SECPOL_LOW32) == 0;
}

static bool secpol_is_dangerous(const char *name)
{
	for (size_t i = 0; i < sizeof(secpol_dangerous) / sizeof(secpol_dangerous[0]); i++)
		if (strcmp(secpol_dangerous[i], name) == 0)
			return true;
	return false;
}

/* clone is fine only when a masked compare on arg0 proves no namespace
 * flag is set. */
static bool secpol_clone_rule_safe(const struct secpol_rule *r)
{
	for (unsigned i = 0; i < r->ncond; i++) {
		const struct secpol_cond *c = &r->cond[i];
		if (c->arg == 0 && c->op == SECPOL_MASKED_EQ &&
		    (c->mask & SECPOL_CLONE_NS_FLAGS) == SECPOL_CLONE_NS_FLAGS &&
		    (c->value & SECPOL_CLONE_NS_FLAGS) == 0)
			return true;
	}
	return false;
}

/* An unconditional ioctl allow must be paired with deny rules that catch
 * TIOCSTI and TIOCLINUX on the low 32 bits (the kernel ignores the high
 * ones: flatpak CVE-2019-10063). */
static bool secpol_has_ioctl_deny(const struct secpol *pol, unsigned cmd)
{
	for (size_t i = 0; i < pol->n; i++) {
		const struct secpol_rule *r = &pol->rules[i];
		if (strcmp(r->name, "ioctl") != 0 || r->action == SECPOL_ALLOW ||
		    r->ncond != 1)
			continue;
		const struct secpol_cond *c = &r->cond[0];
		if (c->arg == 1 && c->op == SECPOL_MASKED_EQ && c->mask == 0xffffffffu &&
		    c->value == cmd)
			return true;
	}
	return false;
}

/* A conditional ioctl allow is one entry of an allowlist: it must name
 * one request on the low 32 bits (`arg1 & 0xffffffff == REQUEST`, or an
 * exact `arg1 == REQUEST`), and never an injecting one. */
static int secpol_lint_ioctl_entry(const struct secpol_rule *r, struct trex_err *err)
{
	for (unsigned i = 0; i < r->ncond; i++) {
		const struct secpol_cond *c = &r->cond[i];
		if (c->arg != 1)
			continue;
		bool one = c->op == SECPOL_EQ ||
			   (c->op == SECPOL_MASKED_EQ && (c->mask & SECPOL_LOW32) == SECPOL_LOW32);
		if (!one)
			break;
		uint32_t req = (uint32_t)c->value;
		if (req == SECPOL_TIOCSTI || req == SECPOL_TIOCLINUX)
			return trex_err_setx(err, -EPERM,
					     "line %u: ioctl 0x%x allowed (TIOCSTI and TIOCLINUX inject input into a terminal)",
					     r->line, (unsigned)req);
		return 0;
	}
	return trex_err_setx(err, -EPERM,
			     "line %u: ioctl allowed for a range of requests (allow one request per rule: 'arg1 & 0xffffffff == REQUEST')",
			     r->line);
}

int secpol_lint(const struct secpol *pol, struct trex_err *err)
{
	bool ioctl_allowed = false;
	for (size_t i = 0; i < pol->n; i++) {
		const struct secpol_rule *r = &pol->rules[i];
		for (unsigned k = 0; k < r->ncond; k++) {
			unsigned a = r->cond[k].arg;
			if (!secpol_arg_is_int(r->name, a) || secpol_int_cond_ok(r, &r->cond[k]))
				continue;
			if (r->action == SECPOL_ALLOW)
				return trex_err_setx(err, -EPERM,
						     "line %u: %s arg%u is 32 bits wide: != > >= on it let high bits through",
						     r->line, r->name, a);
			return trex_err_setx(err, -EPERM,
					     "line %u: %s arg%u is 32 bits wide: deny it with 'arg%u & MASK == VALUE', MASK within 0xffffffff",
					     r->line, r->name, a, a);
		}
		/* init answers sysinfo only (sandbox/sysinfo.c); any other
		 * notified call would fail with ENOSYS, conditional ones would
		 * need a second listener */
		if (r->action == SECPOL_NOTIFY && (strcmp(r->name, "sysinfo") != 0 || r->ncond))
			return trex_err_setx(err, -EPERM,
					     "line %u: notify is for an unconditional sysinfo only (trex-sandbox's init answers nothing else)",
					     r->line);
		if (r->action != SECPOL_ALLOW)
			continue;
		if (strcmp(r->name, "ioctl") == 0) {
			if (r->ncond > 0) {
				int rc = secpol_lint_ioctl_entry(r, err);
				if (rc < 0)
					return rc;
				continue;
			}
			if (!r->intended)
				return trex_err_setx(err, -EPERM,
						     "line %u: ioctl allowed unconditionally (list the requests: 'allow ioctl arg1 & 0xffffffff == REQUEST', or end the line with 'intended')",
						     r->line);
			ioctl_allowed = true;
		}
		if (!secpol_is_dangerous(r->name) || r->intended)
			continue;
		if (strcmp(r->name, "clone") == 0) {
			if (!secpol_clone_rule_safe(r))
				return trex_err_setx(err, -EPERM,
						     "line %u: clone allowed without 'arg0 & MASK == 0' excluding namespace flags 0x%llx",
						     r->line, (unsigned long long)SECPOL_CLONE_NS_FLAGS);
			continue;
		}
		if (r->ncond == 0)
			return trex_err_setx(err, -EPERM,
					     "line %u: dangerous syscall '%s' allowed unconditionally (add argument conditions, or end the line with 'intended')",
					     r->line, r->name);
	}
	if (ioctl_allowed && (!secpol_has_ioctl_deny(pol, SECPOL_TIOCSTI) ||
			      !secpol_has_ioctl_deny(pol, SECPOL_TIOCLINUX)))
		return trex_err_setx(err, -EPERM,
				     "ioctl allowed unconditionally without 'deny ioctl arg1 & 0xffffffff == 0x5412' (TIOCSTI) and 0x541c (TIOCLINUX)");
	if (pol->def_action != SECPOL_KILL &&
	    !(pol->def_action == SECPOL_ERRNO && pol->def_errno != 0))
		return trex_err_setx(err, -EPERM, "default action must deny");
	return 0;
}
