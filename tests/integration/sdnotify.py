#!/usr/bin/env python3
"""Stand-ins for systemd's side of trexd_sdnotify.t, in the test's own
process tree: `listen PATH OUT` collects sd_notify datagrams into OUT, one
line per message field; `activate SOCK NFDS -- ARGV` binds and listens on
SOCK, then execs ARGV with it as fd 3 (and NFDS-1 more sockets after it),
LISTEN_FDS=NFDS and LISTEN_PID=its own pid, as systemd does for a
.socket unit."""
import os
import socket
import sys


def listen(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o777)  # the service sends as its own user
    with open(out, "a", buffering=1) as f:
        f.write("listening\n")
        while True:
            msg = s.recv(4096).decode("utf-8", "replace")
            for line in msg.split("\n"):
                f.write(line + "\n")


def activate(path, nfds, argv):
    socks = []
    for i in range(nfds):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path if i == 0 else path + ".%d" % i)
        s.listen(16)
        socks.append(s)
    os.chmod(path, 0o666)
    for i, s in enumerate(socks):
        if s.fileno() != 3 + i:
            os.dup2(s.fileno(), 3 + i)
        # (dup2 onto itself keeps close-on-exec: clear it either way)
        os.set_inheritable(3 + i, True)
    env = dict(os.environ, LISTEN_FDS=str(nfds), LISTEN_PID=str(os.getpid()))
    os.execve(argv[0], argv, env)


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(sys.argv[2], sys.argv[3])
    else:
        activate(sys.argv[2], int(sys.argv[3]), sys.argv[5:])
