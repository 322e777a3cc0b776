/* systemd readiness and socket activation (sdnotify.h). */
#include "sdnotify.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"

#define SDNOTIFY_FD 3 /* SD_LISTEN_FDS_START */

int sdnotify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	/* a path, or "@name" for the abstract namespace (a leading NUL) */
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	ssize_t w;
	do
		w = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	while (w < 0 && errno == EINTR);
	return w < 0 ? -errno : 0;
}

static void sdnotify_unset(void)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

int sdnotify_listen_fd(const char *path, struct trex_err *err)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	char *end;
	if (!pid_s || !fds_s)
		return sdnotify_unset(), 0;
	errno = 0;
	unsigned long pid = strtoul(pid_s, &end, 10);
	if (errno || *end || pid != (unsigned long)getpid())
		return sdnotify_unset(), 0; /* meant for another process */
	unsigned long n = strtoul(fds_s, &end, 10);
	int bad = errno || *end;
	sdnotify_unset();
	if (bad || n != 1)
		return trex_err_setx(err, -EINVAL,
				     "socket activation: LISTEN_FDS must be 1 (the API socket), not \"%.16s\"",
				     fds_s);
	int fd = SDNOTIFY_FD, type = 0, listening = 0;
	struct sockaddr_un sa;
	socklen_t len = sizeof(sa), ol = sizeof(type);
	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0 || sa.sun_family != AF_UNIX ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ol) < 0 || type != SOCK_STREAM ||
	    (ol = sizeof(listening), getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ol)) < 0 ||
	    !listening)
		return trex_err_setx(err, -EINVAL,
				     "socket activation: fd 3 is not a listening unix stream socket "
				     "(ListenStream= in trexd.socket)");
	size_t have = len > offsetof(struct sockaddr_un, sun_path)
			      ? strnlen(sa.sun_path, len - offsetof(struct sockaddr_un, sun_path))
			      : 0;
	if (have != strlen(path) || memcmp(sa.sun_path, path, have) != 0)
		return trex_err_setx(err, -EINVAL,
				     "socket activation: the socket passed is %.*s, but trexd.json's socket is %s "
				     "(make ListenStream= in trexd.socket and socket agree)",
				     (int)have, sa.sun_path, path);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return trex_err_set(err, -errno, "socket activation: fd 3");
	return fd;
}
