/* Fixed-size messages over a SOCK_SEQPACKET pair, each carrying at most
 * one fd (SCM_RIGHTS): between the sandbox's init and the supervisor
 * (struct sbx_msg; struct trex_err holds no pointers, so a setup error
 * crosses intact), and from the output walker to the copier (collect.c). */
#include "sandbox.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sbx_fdmsg_send(int sock, const void *m, size_t len, int fd)
{
	struct iovec iov = { .iov_base = (void *)m, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t r;
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)len ? 0 : (r < 0 ? -errno : -EIO);
}

int sbx_fdmsg_recv(int sock, void *m, size_t len, int *fd)
{
	struct iovec iov = { .iov_base = m, .iov_len = len };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	*fd = -1;
	ssize_t r;
	/* ECONNRESET is no loss: a SOCK_SEQPACKET peer that closed with
	 * messages of ours unread (init failing set-up before reading the
	 * supervisor's cgroup and namespace messages) leaves that error on
	 * our socket, and the kernel reports it, once, before the messages
	 * the peer did send (its setup failure). Reading on returns them,
	 * then 0 at their end. */
	bool reset_seen = false;
	for (;;) {
		mh.msg_controllen = sizeof(u.buf);
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (r >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET && !reset_seen) {
			reset_seen = true;
			continue;
		}
		return -errno;
	}
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	if (r == 0)
		return 0;
	if (r != (ssize_t)len || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return -EPROTO;
	}
	return (int)r;
}

int sbx_msg_send(int sock, const struct sbx_msg *m, int fd)
{
	return sbx_fdmsg_send(sock, m, sizeof(*m), fd);
}

int sbx_msg_recv(int sock, struct sbx_msg *m, int *fd)
{
	int r = sbx_fdmsg_recv(sock, m, sizeof(*m), fd);
	if (r > 0) {
		m->stage[sizeof(m->stage) - 1] = '\0';
		m->err.msg[sizeof(m->err.msg) - 1] = '\0';
	}
	return r;
}
