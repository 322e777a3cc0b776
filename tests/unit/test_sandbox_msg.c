/* Unit tests for the supervisor <-> init messages (sandbox/msg.c), on a
 * socketpair in one process so the order of events is fixed: above all,
 * a setup failure sent by a peer that then closed with our messages unread
 * (init failing at mount_data before reading the supervisor's cgroup and
 * namespace messages) still arrives, and was once read as a reset that
 * made trex-sandbox report exit 137 instead of 125. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

/* sup: the supervisor's end; init's end is closed after init sent a setup
 * failure and left the supervisor's cgroup message unread */
static void init_failed_with_unread(int *sup)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	struct sbx_msg cg = { .type = SBX_MSG_CGROUPS };
	assert_int_equal(sbx_msg_send(sv[0], &cg, -1), 0);
	struct sbx_msg fail = { .type = SBX_MSG_SETUP_FAILED };
	snprintf(fail.stage, sizeof(fail.stage), "mount_data");
	trex_err_set(&fail.err, -ENOENT, "bind /missing");
	assert_int_equal(sbx_msg_send(sv[1], &fail, -1), 0);
	close(sv[1]);
	*sup = sv[0];
}

/* the kernel's side of it, so the test below exercises the reset: the
 * first read reports ECONNRESET although a message is queued */
static void test_reset_precedes_queued_message(void **state)
{
	int sup;
	init_failed_with_unread(&sup);
	char buf[sizeof(struct sbx_msg)];
	errno = 0;
	assert_int_equal(recv(sup, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(recv(sup, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	close(sup);
}

static void test_setup_failure_survives_reset(void **state)
{
	int sup;
	init_failed_with_unread(&sup);
	struct sbx_msg m;
	int fd;
	assert_int_equal(sbx_msg_recv(sup, &m, &fd), (int)sizeof(m));
	assert_int_equal(m.type, SBX_MSG_SETUP_FAILED);
	assert_string_equal(m.stage, "mount_data");
	assert_string_equal(m.err.msg, "bind /missing: No such file or directory");
	assert_int_equal(fd, -1);
	/* then the end of the peer's messages */
	assert_int_equal(sbx_msg_recv(sup, &m, &fd), 0);
	close(sup);
}

/* an fd still crosses, and a plain close (nothing unread) is EOF at once */
static void test_fd_and_eof(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	struct sbx_msg out = { .type = SBX_MSG_OUTPUT };
	assert_int_equal(sbx_msg_send(sv[1], &out, 0), 0);
	close(sv[1]);
	struct sbx_msg m;
	int fd;
	assert_int_equal(sbx_msg_recv(sv[0], &m, &fd), (int)sizeof(m));
	assert_int_equal(m.type, SBX_MSG_OUTPUT);
	assert_true(fd > 2);
	close(fd);
	assert_int_equal(sbx_msg_recv(sv[0], &m, &fd), 0);
	assert_int_equal(fd, -1);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_precedes_queued_message),
		cmocka_unit_test(test_setup_failure_survives_reset),
		cmocka_unit_test(test_fd_and_eof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
