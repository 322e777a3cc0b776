#!/usr/bin/env python3
"""Send HTTP requests pipelined in one write on one connection and print
the status codes of the answers in the order they come back ("EOF" if the
connection ends first). Used by the trexd suites to check that answers
given later (a submission's disk writes run off trexd's loop) keep their
order.

  pipeline.py unix SOCKET BODYFILE REQUEST...
  pipeline.py tls PORT PKI_DIR BODYFILE REQUEST...   (client cert nobody.pem)

REQUEST is METHOD:PATH, or METHOD:PATH:body (BODYFILE's bytes) or
METHOD:PATH:bad (an invalid JSON body)."""
import socket
import ssl
import sys


def connect(argv):
    if argv[0] == "unix":
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(20)
        s.connect(argv[1])
        return s, argv[2], argv[3:]
    port, pki = int(argv[1]), argv[2]
    ctx = ssl.create_default_context(cafile=pki + "/ca.pem")
    ctx.load_cert_chain(pki + "/nobody.pem", pki + "/nobody.key")
    raw = socket.create_connection(("127.0.0.1", port), timeout=20)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1"), argv[3], argv[4:]


def request(spec, body):
    method, path, *kind = spec.split(":")
    data = {"": b"", "body": body, "bad": b"{bad"}[kind[0] if kind else ""]
    head = f"{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Length: {len(data)}\r\n\r\n"
    return head.encode() + data


def main():
    s, bodyfile, specs = connect(sys.argv[1:])
    body = open(bodyfile, "rb").read()
    s.sendall(b"".join(request(r, body) for r in specs))
    buf, codes = b"", []
    while len(codes) < len(specs):
        while b"\r\n\r\n" not in buf:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ssl.SSLError):
                chunk = b""
            if not chunk:
                print(" ".join(codes + ["EOF"]))
                return
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        n = int([l.split(b":")[1] for l in lines if l.lower().startswith(b"content-length")][0])
        while len(buf) < n:
            buf += s.recv(65536)
        codes.append(lines[0].split(b" ")[1].decode())
        buf = buf[n:]
    print(" ".join(codes))


main()
