/* The job's seccomp filter: the built-in default profile (compiled at build
 * time from policies/seccomp/default.policy), a profile file compiled now,
 * or precompiled BPF on an fd from trexd. Loaded in the supervisor before
 * the clone, installed by the job process after no_new_privs, immediately
 * before execve. A `notify` rule's listener goes to init (sysinfo.c). */
#include "sandbox.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "policies/seccomp/secpol.h"

int sbx_seccomp_load(const struct sbx_config *cfg, const unsigned char *builtin,
		     size_t builtin_len, struct secpol_progs *progs, struct trex_err *err)
{
	if (cfg->seccomp_fd >= 0) {
		int rc = secpol_progs_read(cfg->seccomp_fd, progs, err);
		close(cfg->seccomp_fd);
		return rc;
	}
	if (cfg->seccomp_profile) {
		_cleanup_close_ int fd = -1;
		int rc = secpol_compile_file(cfg->seccomp_profile, &fd, err);
		if (rc < 0)
			return rc;
		return secpol_progs_read(fd, progs, err);
	}
	return secpol_progs_from_mem(builtin, builtin_len, progs, err);
}

bool sbx_seccomp_notifies(const struct secpol_progs *progs)
{
	for (unsigned i = 0; i < progs->n; i++)
		if (secpol_prog_notifies(&progs->prog[i]))
			return true;
	return false;
}

int sbx_seccomp_install(const struct secpol_progs *progs, int *listener, struct trex_err *err)
{
	*listener = -1;
	for (unsigned i = 0; i < progs->n; i++) {
		struct sock_fprog fp = { .len = progs->prog[i].len, .filter = progs->prog[i].insns };
		/* a program with `notify` rules gets a listener (one per blob:
		 * secpol_progs_from_mem), which init then answers from */
		unsigned flags = secpol_prog_notifies(&progs->prog[i]) ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
		long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fp);
		if (r < 0)
			return trex_err_set(err, -errno, "install seccomp filter %u", i);
		if (flags)
			*listener = (int)r;
	}
	return 0;
}
