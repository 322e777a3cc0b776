/* Unit tests for policies/seccomp: profile parsing (strict, with file:line
 * errors), the linter, compilation to the blob format and reading it back,
 * and the shipped default profile. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/alloc.h"
#include "policies/seccomp/secpol.h"

static int parse(const char *text, struct secpol *pol, struct trex_err *err)
{
	memset(pol, 0, sizeof(*pol));
	return secpol_parse(text, strlen(text), "t.policy", pol, err);
}

static void test_parse_rules_and_conditions(void **state)
{
	struct secpol pol;
	struct trex_err err = { 0 };
	const char *text =
		"# comment line\n"
		"default errno EPERM\n"
		"allow read   # why\n"
		"allow clone arg0 & 0x7e020000 == 0\n"
		"allow socket arg0 == 1\n"
		"errno ENOSYS clone3\n"
		"deny ioctl arg1 & 0xffffffff == 0x5412\n"
		"allow ptrace intended\n"
		"kill kexec_load\n"
		"allow write arg0 <= 2 arg2 < 4096\n";
	assert_int_equal(parse(text, &pol, &err), 0);
	assert_int_equal(pol.n, 8);
	assert_int_equal(pol.def_action, SECPOL_ERRNO);
	assert_int_equal(pol.def_errno, EPERM);
	assert_string_equal(pol.rules[0].name, "read");
	assert_int_equal(pol.rules[0].line, 3);
	assert_int_equal(pol.rules[1].ncond, 1);
	assert_int_equal(pol.rules[1].cond[0].op, SECPOL_MASKED_EQ);
	assert_int_equal(pol.rules[1].cond[0].mask, 0x7e020000);
	assert_int_equal(pol.rules[1].cond[0].value, 0);
	assert_int_equal(pol.rules[2].cond[0].op, SECPOL_EQ);
	assert_int_equal(pol.rules[3].action, SECPOL_ERRNO);
	assert_int_equal(pol.rules[3].errno_val, ENOSYS);
	assert_int_equal(pol.rules[4].cond[0].arg, 1);
	assert_true(pol.rules[5].intended);
	assert_int_equal(pol.rules[6].action, SECPOL_KILL);
	assert_int_equal(pol.rules[7].ncond, 2);
	assert_int_equal(pol.rules[7].cond[0].op, SECPOL_LE);
	assert_int_equal(pol.rules[7].cond[1].arg, 2);
	assert_int_equal(pol.rules[7].cond[1].op, SECPOL_LT);
	secpol_free(&pol);
}

static void test_parse_errors_name_the_line(void **state)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "default errno EPERM\nallow no_such_syscall\n", "t.policy:2: unknown syscall 'no_such_syscall'" },
		{ "default errno EPERM\npermit read\n", "t.policy:2: unknown action 'permit'" },
		{ "default errno EPERM\nerrno EFOO read\n", "t.policy:2: unknown errno 'EFOO'" },
		{ "default errno EPERM\nallow read arg6 == 1\n", "t.policy:2: expected arg0..arg5" },
		{ "default errno EPERM\nallow read arg0 =~ 1\n", "t.policy:2: unknown operator '=~'" },
		{ "default errno EPERM\nallow read arg0 == -1\n", "t.policy:2: bad number '-1'" },
		{ "default errno EPERM\nallow read arg0 == 1x\n", "t.policy:2: bad number '1x'" },
		{ "default errno EPERM\nallow read arg0 & 0xf == 0x10\n", "t.policy:2: value has bits outside the mask" },
		{ "default errno EPERM\nallow read arg0 & 0xf != 1\n", "t.policy:2: masked compare must read" },
		{ "default errno EPERM\nallow read arg0 > 1 arg0 < 5\n", "t.policy:2: arg0 compared twice" },
		{ "default errno EPERM\nallow read arg0\n", "t.policy:2: incomplete condition" },
		{ "default errno EPERM\nallow\n", "t.policy:2: missing syscall name" },
		{ "allow read\n", "t.policy: no 'default' line" },
		{ "default allow\n", "t.policy:1: default must be" },
		{ "default errno EPERM\ndefault kill\n", "t.policy:2: second 'default' line" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct secpol pol;
		struct trex_err err = { 0 };
		assert_int_equal(parse(cases[i].text, &pol, &err), -EINVAL);
		if (strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			fail_msg("case %zu: got '%s' want '%s'", i, err.msg, cases[i].msg);
		assert_null(pol.rules);
	}
}

static void test_parse_rejects_nul_and_huge(void **state)
{
	struct secpol pol = { 0 };
	struct trex_err err = { 0 };
	assert_int_equal(secpol_parse("default errno EPERM\0allow read\n", 31, "t", &pol, &err), -EINVAL);
	assert_int_equal(secpol_parse("x", SECPOL_MAX_TEXT + 1, "t", &pol, &err), -EFBIG);
}

static int lint(const char *text, struct trex_err *err)
{
	struct secpol pol;
	assert_int_equal(parse(text, &pol, err), 0);
	int rc = secpol_lint(&pol, err);
	secpol_free(&pol);
	return rc;
}

#define IOCTL_OK "allow ioctl intended\ndeny ioctl arg1 & 0xffffffff == 0x5412\ndeny ioctl arg1 & 0xffffffff == 0x541c\n"

static void test_lint(void **state)
{
	struct trex_err err = { 0 };
	assert_int_equal(lint("default errno EPERM\nallow read\n" IOCTL_OK, &err), 0);
	assert_int_equal(lint("default errno EPERM\nallow bpf\n", &err), -EPERM);
	assert_string_equal(err.msg, "line 2: dangerous syscall 'bpf' allowed unconditionally (add argument conditions, or end the line with 'intended')");
	assert_int_equal(lint("default errno EPERM\nallow bpf intended\n", &err), 0);
	assert_int_equal(lint("default errno EPERM\nallow io_uring_setup\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow socket\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow socket arg0 == 1\n", &err), 0);
	assert_int_equal(lint("default errno EPERM\nallow personality\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow memfd_create\n", &err), -EPERM);
	/* clone: only a mask covering every namespace flag will do */
	assert_int_equal(lint("default errno EPERM\nallow clone\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow clone arg0 & 0x10000000 == 0\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow clone arg0 > 0\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow clone arg0 & 0x7e020000 == 0\n", &err), 0);
	/* an unconditional ioctl allow needs "intended" and both masked denials */
	assert_int_equal(lint("default errno EPERM\nallow ioctl\n", &err), -EPERM);
	assert_string_equal(err.msg, "line 2: ioctl allowed unconditionally (list the requests: 'allow ioctl arg1 & 0xffffffff == REQUEST', or end the line with 'intended')");
	assert_int_equal(lint("default errno EPERM\nallow ioctl\ndeny ioctl arg1 & 0xffffffff == 0x5412\ndeny ioctl arg1 & 0xffffffff == 0x541c\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow ioctl intended\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow ioctl intended\ndeny ioctl arg1 & 0xffffffff == 0x5412\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow ioctl intended\ndeny ioctl arg1 == 0x5412\ndeny ioctl arg1 == 0x541c\n", &err), -EPERM);
	/* the allowlist form: one request per rule on the low 32 bits */
	assert_int_equal(lint("default errno EPERM\nallow ioctl arg1 & 0xffffffff == 0x5401\nallow ioctl arg1 == 0x5413\n", &err), 0);
	assert_int_equal(lint("default errno EPERM\nallow ioctl arg1 & 0xffffffff == 0x5412\n", &err), -EPERM);
	assert_string_equal(err.msg, "line 2: ioctl 0x5412 allowed (TIOCSTI and TIOCLINUX inject input into a terminal)");
	/* high bits do not hide TIOCLINUX from the check */
	assert_int_equal(lint("default errno EPERM\nallow ioctl arg1 == 0x10000541c\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow ioctl arg1 < 0x5500\n", &err), -EPERM);
	assert_string_equal(err.msg, "line 2: ioctl allowed for a range of requests (allow one request per rule: 'arg1 & 0xffffffff == REQUEST')");
	assert_int_equal(lint("default errno EPERM\nallow ioctl arg1 & 0xff00 == 0x5400\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow ioctl arg0 == 1\n", &err), -EPERM);
	/* 32-bit arguments: a deny rule must mask to the low 32 bits */
	assert_int_equal(lint("default errno EPERM\nallow fcntl\ndeny fcntl arg1 & 0xffffffff == 1026\n", &err), 0);
	assert_int_equal(lint("default errno EPERM\nallow fcntl\ndeny fcntl arg1 == 1026\n", &err), -EPERM);
	assert_string_equal(err.msg, "line 3: fcntl arg1 is 32 bits wide: deny it with 'arg1 & MASK == VALUE', MASK within 0xffffffff");
	assert_int_equal(lint("default errno EPERM\nallow fcntl\ndeny fcntl arg1 & 0xffffffffffffffff == 1026\n", &err), -EPERM);
	assert_int_equal(lint("default errno EPERM\nallow fcntl\nerrno ENOSYS fcntl arg1 > 1000\n", &err), -EPERM);
	/* and an allow rule must not open a range that high bits reach */
	assert_int_equal(lint("default errno EPERM\nallow fcntl arg1 != 1026\n", &err), -EPERM);
	assert_string_equal(err.msg, "line 2: fcntl arg1 is 32 bits wide: != > >= on it let high bits through");
	assert_int_equal(lint("default errno EPERM\nallow fcntl arg1 < 1024\n", &err), 0);
	/* 64-bit arguments are compared whole */
	assert_int_equal(lint("default errno EPERM\nallow mmap\ndeny mmap arg2 == 7\n", &err), 0);
	/* notify: init answers an unconditional sysinfo, nothing else */
	assert_int_equal(lint("default errno EPERM\nnotify sysinfo\n", &err), 0);
	assert_int_equal(lint("default errno EPERM\nnotify uname\n", &err), -EPERM);
	assert_string_equal(err.msg, "line 2: notify is for an unconditional sysinfo only (trex-sandbox's init answers nothing else)");
	assert_int_equal(lint("default errno EPERM\nnotify sysinfo arg0 == 0\n", &err), -EPERM);
	/* denying a dangerous call is always fine */
	assert_int_equal(lint("default errno EPERM\ndeny ptrace\n", &err), 0);
}

static void test_compile_roundtrip(void **state)
{
	const char *text = "default errno EPERM\nallow read\nallow write\nallow exit_group\n" IOCTL_OK;
	int fd = -1;
	struct trex_err err = { 0 };
	assert_int_equal(secpol_compile_text(text, strlen(text), "t", &fd, &err), 0);
	assert_true(fd >= 0);
	/* sealed: the program cannot be swapped after the fact */
	assert_int_equal(write(fd, "x", 1), -1);
	struct secpol_progs p = { 0 };
	assert_int_equal(secpol_progs_read(fd, &p, &err), 0);
	assert_int_equal(p.n, 2); /* denylist (ioctl) + allowlist */
	assert_true(p.prog[0].len > 0 && p.prog[1].len > 0);
	/* reading again works: offset 0 every time */
	struct secpol_progs q = { 0 };
	assert_int_equal(secpol_progs_read(fd, &q, &err), 0);
	assert_int_equal(q.n, 2);
	assert_memory_equal(p.prog[1].insns, q.prog[1].insns, p.prog[1].len * sizeof(struct sock_filter));
	secpol_progs_free(&p);
	secpol_progs_free(&q);
	close(fd);
	/* no conditional deny: one program */
	const char *t2 = "default errno EPERM\nallow read\n";
	assert_int_equal(secpol_compile_text(t2, strlen(t2), "t", &fd, &err), 0);
	assert_int_equal(secpol_progs_read(fd, &p, &err), 0);
	assert_int_equal(p.n, 1);
	secpol_progs_free(&p);
	close(fd);
	/* a notify rule: one program, and it notifies */
	const char *t4 = "default errno EPERM\nallow read\nnotify sysinfo\n";
	assert_int_equal(secpol_compile_text(t4, strlen(t4), "t", &fd, &err), 0);
	assert_int_equal(secpol_progs_read(fd, &p, &err), 0);
	assert_int_equal(p.n, 1);
	assert_true(secpol_prog_notifies(&p.prog[0]));
	secpol_progs_free(&p);
	close(fd);
	assert_int_equal(secpol_compile_text(t2, strlen(t2), "t", &fd, &err), 0);
	assert_int_equal(secpol_progs_read(fd, &p, &err), 0);
	assert_false(secpol_prog_notifies(&p.prog[0]));
	secpol_progs_free(&p);
	close(fd);
	/* a lint failure is a compile failure */
	const char *t3 = "default errno EPERM\nallow ptrace\n";
	assert_int_equal(secpol_compile_text(t3, strlen(t3), "bad.policy", &fd, &err), -EPERM);
	assert_non_null(strstr(err.msg, "bad.policy"));
}

static void test_blob_validation(void **state)
{
	struct trex_err err = { 0 };
	struct secpol_progs p = { 0 };
	struct sock_filter raw[2] = { { 0x06, 0, 0, 0x7fff0000 }, { 0x06, 0, 0, 0 } };
	/* raw BPF (bubblewrap's format) is accepted as one program */
	assert_int_equal(secpol_progs_from_mem(raw, sizeof(raw), &p, &err), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.prog[0].len, 2);
	secpol_progs_free(&p);
	assert_int_equal(secpol_progs_from_mem(raw, 7, &p, &err), -EINVAL);
	assert_int_equal(secpol_progs_from_mem(raw, 0, &p, &err), -EINVAL);
	unsigned char blob[64] = "TREXBPF1";
	uint32_t n = 1, len = 2;
	memcpy(blob + 8, &n, 4);
	memcpy(blob + 12, &len, 4);
	memcpy(blob + 16, raw, sizeof(raw));
	assert_int_equal(secpol_progs_from_mem(blob, 32, &p, &err), 0);
	secpol_progs_free(&p);
	assert_int_equal(secpol_progs_from_mem(blob, 31, &p, &err), -EINVAL); /* truncated */
	assert_int_equal(secpol_progs_from_mem(blob, 33, &p, &err), -EINVAL); /* trailing */
	len = 5000;
	memcpy(blob + 12, &len, 4);
	assert_int_equal(secpol_progs_from_mem(blob, 32, &p, &err), -EINVAL); /* too long */
	n = 0;
	memcpy(blob + 8, &n, 4);
	assert_int_equal(secpol_progs_from_mem(blob, 32, &p, &err), -EINVAL);
	n = 9;
	memcpy(blob + 8, &n, 4);
	assert_int_equal(secpol_progs_from_mem(blob, 32, &p, &err), -EINVAL);
	/* two programs that notify: a task gets one listener */
	struct sock_filter notif[1] = { { 0x06, 0, 0, 0x7fc00000 } };
	unsigned char two[64] = "TREXBPF1";
	n = 2;
	len = 1;
	memcpy(two + 8, &n, 4);
	memcpy(two + 12, &len, 4);
	memcpy(two + 16, notif, sizeof(notif));
	memcpy(two + 24, &len, 4);
	memcpy(two + 28, notif, sizeof(notif));
	assert_int_equal(secpol_progs_from_mem(two, 36, &p, &err), -EINVAL);
	assert_string_equal(err.msg, "seccomp blob with 2 programs that notify");
	memcpy(two + 28, raw, sizeof(notif));
	assert_int_equal(secpol_progs_from_mem(two, 36, &p, &err), 0);
	assert_int_equal(p.n, 2);
	secpol_progs_free(&p);
}

static void test_default_profile_is_clean(void **state)
{
	int fd = -1;
	struct trex_err err = { 0 };
	const char *root = getenv("TREX_ROOT");
	if (root && chdir(root) < 0)
		fail_msg("chdir %s", root);
	assert_int_equal(secpol_compile_file("policies/seccomp/default.policy", &fd, &err), 0);
	/* one program (no conditional deny: each filter is a JIT at every
	 * start), which hands sysinfo to init */
	struct secpol_progs progs = { 0 };
	assert_int_equal(secpol_progs_read(fd, &progs, &err), 0);
	assert_int_equal(progs.n, 1);
	assert_true(secpol_prog_notifies(&progs.prog[0]));
	secpol_progs_free(&progs);
	close(fd);
	/* and it names what docs/ATTACKS.md expects to be blocked */
	struct secpol pol = { 0 };
	char *text = NULL;
	int f = open("policies/seccomp/default.policy", O_RDONLY);
	assert_true(f >= 0);
	struct stat st;
	assert_int_equal(fstat(f, &st), 0);
	text = trex_malloc((size_t)st.st_size);
	assert_int_equal(read(f, text, (size_t)st.st_size), st.st_size);
	close(f);
	assert_int_equal(secpol_parse(text, (size_t)st.st_size, "default", &pol, &err), 0);
	static const char *const must_not_allow[] = { "ptrace", "mount", "bpf", "io_uring_setup",
						      "keyctl", "unshare", "setns", "execveat",
						      "userfaultfd", "perf_event_open", "clone3",
						      "inotify_init1", "inotify_add_watch", "flock",
						      "sync", "syncfs", "fanotify_init" };
	for (size_t i = 0; i < sizeof(must_not_allow) / sizeof(must_not_allow[0]); i++)
		for (size_t r = 0; r < pol.n; r++)
			if (!strcmp(pol.rules[r].name, must_not_allow[i]) &&
			    pol.rules[r].action == SECPOL_ALLOW)
				fail_msg("default profile allows %s", must_not_allow[i]);
	secpol_free(&pol);
	trex_free(text);
}

static void test_parse_alloc_failures(void **state)
{
	const char *text = "default errno EPERM\nallow read\nallow write\n";
	/* every allocation failing in turn gives -ENOMEM and no leak */
	for (unsigned long n = 1; n < 20; n++) {
		struct secpol pol = { 0 };
		struct trex_err err = { 0 };
		trex_alloc_fail_at(n);
		int rc = secpol_parse(text, strlen(text), "t", &pol, &err);
		trex_alloc_fail_at(0);
		if (rc == 0) {
			secpol_free(&pol);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_null(pol.rules);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_rules_and_conditions),
		cmocka_unit_test(test_parse_errors_name_the_line),
		cmocka_unit_test(test_parse_rejects_nul_and_huge),
		cmocka_unit_test(test_lint),
		cmocka_unit_test(test_compile_roundtrip),
		cmocka_unit_test(test_blob_validation),
		cmocka_unit_test(test_default_profile_is_clean),
		cmocka_unit_test(test_parse_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
