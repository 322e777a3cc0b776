# Network and IPC rows 64-73 (sourced by escape.t). Host-side listeners
# prove the control reaches them; the sandbox's empty network, IPC and pid
# namespaces must not.
ESC_PORT=$((30000 + $$ % 20000))
ESC_ABS="@trex-esc-$$"
ESC_SOCK="/run/trex-esc-$$.sock"
ESC_SHM_KEY=$((0x7e5c0000 + $$ % 65536))
esc_spawn "$ATTACK" listen "$ESC_PORT"
esc_spawn "$ATTACK" listen "$ESC_ABS"
esc_spawn "$ATTACK" listen "$ESC_SOCK"
"$ATTACK" shm_create "$ESC_SHM_KEY" >/dev/null
echo x >"/dev/shm/trex-esc-$$" && chmod 644 "/dev/shm/trex-esc-$$"

A 64 "UDP to 192.0.2.1:53" "" ok ENETUNREACH udp_send 192.0.2.1 53
A 65 "DNS query to 8.8.8.8:53" "" ok ENETUNREACH udp_send 8.8.8.8 53
A 66 "host loopback listener" "" ok 'ECONNREFUSED|ENETUNREACH' tcp_connect 127.0.0.1 "$ESC_PORT"
A 67 "host abstract unix socket" "" ok ECONNREFUSED unix_connect "$ESC_ABS"
A 68 "host path socket in /run" "" ok ENOENT unix_connect "$ESC_SOCK"
A 68 "list /run" "" ok ENOENT opendir /run
A 69 "socket(AF_NETLINK, NETLINK_ROUTE)" "" ok EPERM socket 16 3 0
A 70 "socket(AF_PACKET, SOCK_RAW)" -n ok EPERM socket 17 3 0
A 70 "socket(AF_INET, SOCK_RAW, ICMP)" -n ok EPERM socket 2 3 1
ctl -n -- sh -c "echo '0 0' >/proc/sys/net/ipv4/ping_group_range && $CA socket 2 2 1"
expect_ctl 70 "ICMP datagram socket" ok
sbx -- /opt/attacks/attack socket 2 2 1
expect_sbx 70 "ICMP datagram socket" 'EPERM|EACCES'
A 71 "socket(AF_ALG)" "" EAFNOSUPPORT EPERM socket 38 5 0
A 71 "socket(AF_VSOCK)" "" ok EPERM socket 40 1 0
A 72 "SysV shm of the host by key" "" ok ENOENT shm_get "$ESC_SHM_KEY"
A 72 "host /dev/shm entry" "" ok ENOENT stat "/dev/shm/trex-esc-$$"

# row 73: a host process of another uid
setpriv --reuid=$ESC_UID --regid=$ESC_UID --clear-groups sleep 60 &
victim=$!
ESC_PIDS="$ESC_PIDS $victim"
i=0
while [ $i -lt 50 ] && [ "$(ps -o uid= -p "$victim" | tr -d ' ')" != "$ESC_UID" ]; do
	sleep 0.1
	i=$((i + 1))
done
ctl "" -- "$CA" kill "$victim" 0
expect_ctl 73 "signal a host process" ok
sbx -- /opt/attacks/attack kill "$victim" 9
expect_sbx 73 "SIGKILL a host process" ESRCH
sbx -- /opt/attacks/attack kill -1 9
sbx_check 73 "kill(-1, SIGKILL): host process still alive" kill -0 "$victim"
