/* Profile -> BPF through libseccomp, and the blob format that carries the
 * compiled filters on an fd (layout in secpol.h). */
#include "secpol.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/cleanup.h"
#include "common/fsutil.h"

#define SECPOL_MAGIC "TREXBPF1"
#define SECPOL_MAGIC_LEN 8

static void secpol_ctx_release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define _cleanup_scmp_ __attribute__((cleanup(secpol_ctx_release)))

static uint32_t secpol_scmp_action(enum secpol_action a, int errno_val)
{
	switch (a) {
	case SECPOL_ALLOW:
		return SCMP_ACT_ALLOW;
	case SECPOL_KILL:
		return SCMP_ACT_KILL_PROCESS;
	case SECPOL_NOTIFY:
		return SCMP_ACT_NOTIFY;
	case SECPOL_ERRNO:
	default:
		return SCMP_ACT_ERRNO((uint32_t)errno_val);
	}
}

static int secpol_add_rule(scmp_filter_ctx ctx, const struct secpol_rule *r,
			   struct trex_err *err)
{
	static const enum scmp_compare ops[] = {
		[SECPOL_EQ] = SCMP_CMP_EQ, [SECPOL_NE] = SCMP_CMP_NE,
		[SECPOL_LT] = SCMP_CMP_LT, [SECPOL_LE] = SCMP_CMP_LE,
		[SECPOL_GT] = SCMP_CMP_GT, [SECPOL_GE] = SCMP_CMP_GE,
		[SECPOL_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
	};
	struct scmp_arg_cmp cmp[SECPOL_MAX_COND];
	for (unsigned i = 0; i < r->ncond; i++) {
		const struct secpol_cond *c = &r->cond[i];
		cmp[i].arg = c->arg;
		cmp[i].op = ops[c->op];
		if (c->op == SECPOL_MASKED_EQ) {
			cmp[i].datum_a = c->mask;
			cmp[i].datum_b = c->value;
		} else {
			cmp[i].datum_a = c->value;
			cmp[i].datum_b = 0;
		}
	}
	int rc = seccomp_rule_add_exact_array(ctx, secpol_scmp_action(r->action, r->errno_val),
					      r->nr, r->ncond, cmp);
	if (rc < 0 && rc != -EEXIST)
		return trex_err_set(err, rc, "line %u: libseccomp refused rule for %s", r->line,
				    r->name);
	return 0;
}

static int secpol_new_ctx(uint32_t def, scmp_filter_ctx *out, struct trex_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return trex_err_setx(err, -ENOMEM, "seccomp_init failed");
	/* any non-native entry point (i386 int 0x80, x32) kills the process */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); /* the sandbox sets it */
	/* a binary search over syscall numbers instead of a linear chain:
	 * the kernel emulates the filter once per syscall number when it is
	 * installed (the seccomp action cache), so a chain of ~150 compares
	 * made every job start pay ~0.5 ms; the tree needs ~8 per number.
	 * Same rules, same answers: only the shape of the program changes */
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc < 0) {
		seccomp_release(ctx);
		return trex_err_set(err, rc, "seccomp_attr_set");
	}
	*out = ctx;
	return 0;
}

/* Export one filter and append it, length-prefixed, to the blob. */
static int secpol_export(scmp_filter_ctx ctx, int out_fd, struct trex_err *err)
{
	_cleanup_close_ int mfd = memfd_create("secpol-export", MFD_CLOEXEC);
	if (mfd < 0)
		return trex_err_set(err, -errno, "memfd_create");
	int rc = seccomp_export_bpf(ctx, mfd);
	if (rc < 0)
		return trex_err_set(err, rc, "seccomp_export_bpf");
	struct stat st;
	if (fstat(mfd, &st) < 0)
		return trex_err_set(err, -errno, "fstat");
	size_t len = (size_t)st.st_size;
	if (len == 0 || len % sizeof(struct sock_filter) ||
	    len / sizeof(struct sock_filter) > SECPOL_MAX_INSNS)
		return trex_err_setx(err, -E2BIG, "compiled filter has a bad size (%zu bytes)", len);
	_cleanup_free_ char *buf = trex_malloc(len);
	if (!buf)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	if (pread(mfd, buf, len, 0) != (ssize_t)len)
		return trex_err_set(err, -EIO, "read back compiled filter");
	uint32_t n = (uint32_t)(len / sizeof(struct sock_filter));
	if (trex_write_all(out_fd, &n, sizeof(n)) < 0 || trex_write_all(out_fd, buf, len) < 0)
		return trex_err_set(err, -errno, "write compiled filter");
	return 0;
}

int secpol_compile(const struct secpol *pol, int out_fd, struct trex_err *err)
{
	_cleanup_scmp_ scmp_filter_ctx allow = NULL;
	_cleanup_scmp_ scmp_filter_ctx deny = NULL;
	uint32_t def = secpol_scmp_action(pol->def_action, pol->def_errno);
	int rc = secpol_new_ctx(def, &allow, err);
	if (rc < 0)
		return rc;
	unsigned ndeny = 0;
	for (size_t i = 0; i < pol->n; i++) {
		const struct secpol_rule *r = &pol->rules[i];
		uint32_t act = secpol_scmp_action(r->action, r->errno_val);
		if (r->action == SECPOL_ALLOW || r->ncond == 0) {
			/* an unconditional rule that repeats the default action
			 * documents intent; libseccomp rejects it as redundant */
			if (act == def)
				continue;
			rc = secpol_add_rule(allow, r, err);
		} else {
			if (!deny && (rc = secpol_new_ctx(SCMP_ACT_ALLOW, &deny, err)) < 0)
				return rc;
			rc = secpol_add_rule(deny, r, err);
			ndeny++;
		}
		if (rc < 0)
			return rc;
	}
	uint32_t nprogs = ndeny ? 2 : 1;
	if (trex_write_all(out_fd, SECPOL_MAGIC, SECPOL_MAGIC_LEN) < 0 ||
	    trex_write_all(out_fd, &nprogs, sizeof(nprogs)) < 0)
		return trex_err_set(err, -errno, "write compiled filter");
	/* installed in blob order. The deny filter (default allow) goes
	 * first: the allowlist refuses seccomp() itself, so it must be the
	 * last one installed; for two ERRNO answers the kernel reports the
	 * errno of the last installed filter, the allowlist's */
	if (ndeny && (rc = secpol_export(deny, out_fd, err)) < 0)
		return rc;
	return secpol_export(allow, out_fd, err);
}

int secpol_compile_text(const char *text, size_t len, const char *origin,
			int *bpf_fd, struct trex_err *err)
{
	struct secpol pol = { 0 };
	int rc = secpol_parse(text, len, origin, &pol, err);
	if (rc < 0)
		return rc;
	rc = secpol_lint(&pol, err);
	if (rc < 0) {
		trex_err_prefix(err, "%s", origin);
		secpol_free(&pol);
		return rc;
	}
	_cleanup_close_ int fd = memfd_create("trex-seccomp", MFD_ALLOW_SEALING);
	if (fd < 0) {
		secpol_free(&pol);
		return trex_err_set(err, -errno, "memfd_create");
	}
	rc = secpol_compile(&pol, fd, err);
	secpol_free(&pol);
	if (rc < 0) {
		trex_err_prefix(err, "%s", origin);
		return rc;
	}
	/* sealed: whoever receives the fd cannot swap the program */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0)
		return trex_err_set(err, -errno, "seal compiled filter");
	*bpf_fd = TREX_TAKE_FD(fd);
	return 0;
}

int secpol_compile_file(const char *path, int *bpf_fd, struct trex_err *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int rc = trex_read_file(AT_FDCWD, path, SECPOL_MAX_TEXT, &text, &len, err);
	if (rc < 0)
		return rc;
	return secpol_compile_text(text, len, path, bpf_fd, err);
}

bool secpol_prog_notifies(const struct secpol_prog *prog)
{
	for (unsigned i = 0; i < prog->len; i++)
		if (prog->insns[i].code == (BPF_RET | BPF_K) &&
		    (prog->insns[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
			return true;
	return false;
}

void secpol_progs_free(struct secpol_progs *progs)
{
	for (unsigned i = 0; i < progs->n; i++)
		trex_free(progs->prog[i].insns);
	progs->n = 0;
}

static int secpol_take_prog(struct secpol_progs *progs, const unsigned char *p,
			    size_t ninsns, struct trex_err *err)
{
	if (ninsns == 0 || ninsns > SECPOL_MAX_INSNS)
		return trex_err_setx(err, -EINVAL, "seccomp program of %zu instructions", ninsns);
	if (progs->n == SECPOL_MAX_PROGS)
		return trex_err_setx(err, -EINVAL, "too many seccomp programs");
	struct sock_filter *f = trex_reallocarray(NULL, ninsns, sizeof(*f));
	if (!f)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	memcpy(f, p, ninsns * sizeof(*f));
	progs->prog[progs->n].insns = f;
	progs->prog[progs->n].len = (unsigned short)ninsns;
	progs->n++;
	return 0;
}

int secpol_progs_from_mem(const void *data, size_t len, struct secpol_progs *progs,
			  struct trex_err *err)
{
	const unsigned char *p = data;
	progs->n = 0;
	if (len < SECPOL_MAGIC_LEN || memcmp(p, SECPOL_MAGIC, SECPOL_MAGIC_LEN) != 0) {
		/* bubblewrap format: one raw program */
		if (len == 0 || len % sizeof(struct sock_filter))
			return trex_err_setx(err, -EINVAL, "seccomp data is neither a blob nor raw BPF");
		return secpol_take_prog(progs, p, len / sizeof(struct sock_filter), err);
	}
	size_t off = SECPOL_MAGIC_LEN;
	uint32_t nprogs;
	if (len - off < sizeof(nprogs))
		return trex_err_setx(err, -EINVAL, "truncated seccomp blob");
	memcpy(&nprogs, p + off, sizeof(nprogs));
	off += sizeof(nprogs);
	if (nprogs == 0 || nprogs > SECPOL_MAX_PROGS)
		return trex_err_setx(err, -EINVAL, "seccomp blob with %u programs", nprogs);
	for (uint32_t i = 0; i < nprogs; i++) {
		uint32_t n;
		if (len - off < sizeof(n))
			goto trunc;
		memcpy(&n, p + off, sizeof(n));
		off += sizeof(n);
		if (n > SECPOL_MAX_INSNS || (len - off) / sizeof(struct sock_filter) < n)
			goto trunc;
		int rc = secpol_take_prog(progs, p + off, n, err);
		if (rc < 0) {
			secpol_progs_free(progs);
			return rc;
		}
		off += n * sizeof(struct sock_filter);
	}
	if (off != len) {
		secpol_progs_free(progs);
		return trex_err_setx(err, -EINVAL, "trailing bytes after seccomp blob");
	}
	/* a task's filters may have one listener between them */
	unsigned notifying = 0;
	for (unsigned i = 0; i < progs->n; i++)
		notifying += secpol_prog_notifies(&progs->prog[i]);
	if (notifying > 1) {
		secpol_progs_free(progs);
		return trex_err_setx(err, -EINVAL, "seccomp blob with %u programs that notify", notifying);
	}
	return 0;
trunc:
	secpol_progs_free(progs);
	return trex_err_setx(err, -EINVAL, "truncated seccomp blob");
}

int secpol_progs_read(int fd, struct secpol_progs *progs, struct trex_err *err)
{
	size_t max = SECPOL_MAGIC_LEN + 4 +
		     SECPOL_MAX_PROGS * (4 + SECPOL_MAX_INSNS * sizeof(struct sock_filter));
	_cleanup_free_ char *buf = trex_malloc(max + 1);
	if (!buf)
		return trex_err_setx(err, -ENOMEM, "out of memory");
	size_t len = 0;
	/* pread from 0: trexd hands the same memfd (one shared file offset)
	 * to every sandbox, so a plain read would see EOF from the second
	 * job on. Pipes cannot pread: read them. */
	bool seekable = true;
	for (;;) {
		ssize_t r = seekable ? pread(fd, buf + len, max + 1 - len, (off_t)len) : -1;
		if (seekable && r < 0 && errno == ESPIPE) {
			seekable = false;
			continue;
		}
		if (!seekable)
			r = read(fd, buf + len, max + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return trex_err_set(err, -errno, "read seccomp fd");
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max)
			return trex_err_setx(err, -EFBIG, "seccomp fd holds more than %zu bytes", max);
	}
	return secpol_progs_from_mem(buf, len, progs, err);
}
