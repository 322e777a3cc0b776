/* The job's seccomp filter: the built-in default profile (compiled at build
 * time from policies/seccomp/default.policy), a profile file compiled now,
 * or precompiled BPF on an fd from trexd. Loaded in the supervisor before
 * the clone, installed by the job process after no_new_privs, immediately
 * before execve. */
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

int sbx_seccomp_install(const struct secpol_progs *progs, struct trex_err *err)
{
	for (unsigned i = 0; i < progs->n; i++) {
		struct sock_fprog fp = { .len = progs->prog[i].len, .filter = progs->prog[i].insns };
		if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
			return trex_err_set(err, -errno, "install seccomp filter %u", i);
	}
	return 0;
}
