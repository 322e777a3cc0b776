/* Network and IPC attempts (rows 48, 64-72) and the host-side listeners
 * the control and the sandbox try to reach. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "attack.h"

static int a_socket(char **argv)
{
	return say_rc(socket((int)arg_long(argv[0]), (int)arg_long(argv[1]) | SOCK_CLOEXEC,
			     (int)arg_long(argv[2])));
}

static int in_addr(const char *ip, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)arg_long(port));
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

/* non-blocking connect, 1 s budget: ok / errno / timeout */
static int a_tcp_connect(char **argv)
{
	struct sockaddr_in sa;
	if (in_addr(argv[0], argv[1], &sa) < 0)
		return say("bad-address");
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return say_rc(-1);
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return say("ok");
	if (errno != EINPROGRESS)
		return say_rc(-1);
	struct pollfd p = {.fd = s, .events = POLLOUT};
	if (poll(&p, 1, 1000) <= 0)
		return say("timeout");
	int err = 0;
	socklen_t l = sizeof(err);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l);
	return err ? say_err(err) : say("ok");
}

static int a_udp_send(char **argv)
{
	struct sockaddr_in sa;
	if (in_addr(argv[0], argv[1], &sa) < 0)
		return say("bad-address");
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return say_rc(-1);
	return say_rc(sendto(s, "q", 1, 0, (struct sockaddr *)&sa, sizeof(sa)));
}

/* NAME starting with '@' is abstract */
static socklen_t un_addr(const char *name, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	size_t n = strlen(name);
	if (n >= sizeof(sa->sun_path))
		n = sizeof(sa->sun_path) - 1;
	memcpy(sa->sun_path, name, n);
	if (name[0] == '@')
		sa->sun_path[0] = 0;
	else
		n++;
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
}

static int a_unix_connect(char **argv)
{
	struct sockaddr_un sa;
	socklen_t l = un_addr(argv[0], &sa);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return say_rc(-1);
	return say_rc(connect(s, (struct sockaddr *)&sa, l));
}

static int a_unix_bind(char **argv)
{
	struct sockaddr_un sa;
	socklen_t l = un_addr(argv[0], &sa);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return say_rc(-1);
	return say_rc(bind(s, (struct sockaddr *)&sa, l));
}

/* host-side helper: listen on tcp 127.0.0.1:PORT, unix PATH or @NAME,
 * print "ready" and accept until killed */
static void serve(int s)
{
	say("ready");
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}
static int a_listen(char **argv)
{
	int s;
	if (argv[0][0] == '@' || argv[0][0] == '/') {
		struct sockaddr_un sa;
		socklen_t l = un_addr(argv[0], &sa);
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&sa, l) < 0)
			return say_rc(-1);
		if (argv[0][0] == '/')
			chmod(argv[0], 0777);
	} else {
		struct sockaddr_in sa;
		in_addr("127.0.0.1", argv[0], &sa);
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return say_rc(-1);
	}
	if (listen(s, 16) < 0)
		return say_rc(-1);
	serve(s);
	return 0;
}

/* row 72: SysV shared memory by key */
static int a_shm_create(char **argv)
{
	return say_rc(shmget((key_t)arg_long(argv[0]), 4096, IPC_CREAT | 0666));
}
static int a_shm_get(char **argv) { return say_rc(shmget((key_t)arg_long(argv[0]), 0, 0)); }
static int a_shm_rm(char **argv)
{
	int id = shmget((key_t)arg_long(argv[0]), 0, 0);
	if (id < 0)
		return say_rc(-1);
	return say_rc(shmctl(id, IPC_RMID, NULL));
}

const struct attack attacks_net[] = {
	{"socket", 3, a_socket},
	{"tcp_connect", 2, a_tcp_connect},
	{"udp_send", 2, a_udp_send},
	{"unix_connect", 1, a_unix_connect},
	{"unix_bind", 1, a_unix_bind},
	{"listen", 1, a_listen},
	{"shm_create", 1, a_shm_create},
	{"shm_get", 1, a_shm_get},
	{"shm_rm", 1, a_shm_rm},
	{NULL, 0, NULL},
};
