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

# Rows 64-65 need a network the control can reach, and this suite must never
# send a packet to anything but its own test hosts: a "client" network
# namespace whose default route leads, over a veth pair, to an "upstream"
# namespace holding a gateway (10.254.64.1) and a resolver (10.254.64.53).
# Both the control and trex-sandbox start inside the client namespace, so
# the sandbox's own empty network namespace is the only difference.
ESC_NETNS="trexesc$$"
esc_testnet_up() {
	_c=${ESC_NETNS}c _u=${ESC_NETNS}u
	ip netns add "$_c" && ip netns add "$_u" &&
		ip link add "${ESC_NETNS}a" type veth peer name "${ESC_NETNS}b" &&
		ip link set "${ESC_NETNS}a" netns "$_c" && ip link set "${ESC_NETNS}b" netns "$_u" &&
		ip -n "$_c" addr add 10.254.64.2/24 dev "${ESC_NETNS}a" &&
		ip -n "$_u" addr add 10.254.64.1/24 dev "${ESC_NETNS}b" &&
		ip -n "$_u" addr add 10.254.64.53/24 dev "${ESC_NETNS}b" &&
		ip -n "$_c" link set lo up && ip -n "$_u" link set lo up &&
		ip -n "$_c" link set "${ESC_NETNS}a" up && ip -n "$_u" link set "${ESC_NETNS}b" up &&
		ip -n "$_c" route add default via 10.254.64.1
}
esc_testnet_down() {
	ip netns del "${ESC_NETNS}c" 2>/dev/null
	ip netns del "${ESC_NETNS}u" 2>/dev/null
}
# testnet ROW LABEL ADDR PORT: UDP from the client namespace
esc_testnet_row() {
	out=$(cd "$T/ctl" && ip netns exec "${ESC_NETNS}c" setpriv --reuid=$ESC_UID \
		--regid=$ESC_UID --clear-groups unshare -Ur -- "$CA" udp_send "$3" "$4" \
		</dev/null 2>>"$T/ctl.err")
	rc=$?
	res=$(esc_norm "$out" "$rc")
	expect_ctl "$1" "$2" ok
	_real_sbx=$SBX
	SBX="$T/sbx-in-testnet"
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "${ESC_NETNS}c" "$_real_sbx" >"$SBX"
	chmod 755 "$SBX"
	sbx -- /opt/attacks/attack udp_send "$3" "$4"
	SBX=$_real_sbx
	expect_sbx "$1" "$2" ENETUNREACH
}
if esc_testnet_up; then
	esc_testnet_row 64 "UDP to the network's gateway 10.254.64.1:53" 10.254.64.1 53
	esc_testnet_row 65 "DNS query to the network's resolver 10.254.64.53:53" 10.254.64.53 53
else
	not_ok "rows 64-65: test network namespaces could not be created"
fi
esc_testnet_down
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
sbx_check 73 "host process still alive" kill -0 "$victim"

# row 72 between two jobs: job A publishes an abstract socket, a SysV shm
# key and a /dev/shm file, then waits; job B must see none of them. The
# control does the same as two processes of one user namespace.
rdv="@trex-esc-rdv-$$"
rdv_key=$((ESC_SHM_KEY + 1))
publish="$CA shm_create $rdv_key >/dev/null; : >/dev/shm/trex-esc-rdv-$$; exec $CA listen $rdv"
setpriv --reuid=$ESC_UID --regid=$ESC_UID --clear-groups unshare -Ur -- sh -c "$publish" \
	>"$T/rdv.ctl" 2>&1 &
ESC_PIDS="$ESC_PIDS $!"
i=0
while [ $i -lt 50 ] && ! grep -q ready "$T/rdv.ctl"; do sleep 0.1; i=$((i + 1)); done
ctl "" -- "$CA" unix_connect "$rdv"
expect_ctl 72 "other job's abstract socket" ok
ctl "" -- "$CA" shm_get "$rdv_key"
expect_ctl 72 "other job's SysV shm key" ok
"$ATTACK" shm_rm "$rdv_key" >/dev/null 2>&1
rm -f "/dev/shm/trex-esc-rdv-$$"
mkdir "$T/out/rdv"
publish="/opt/attacks/attack shm_create $rdv_key >/dev/null; : >/dev/shm/rdv; exec /opt/attacks/attack listen $rdv"
[ -n "$ESC_UNSAFE" ] ||
	"$SBX" --uid-range "$ESC_UIDS" --output "$T/out/rdv" --ro-bind "$T/att" /opt/attacks \
	--timeout 3 --status-fd 3 -- /bin/sh -c "$publish" 3>"$T/rdv.status" >"$T/rdv.sbx" 2>&1 &
job_a=$!
i=0
while [ $i -lt 50 ] && ! grep -q ready "$T/rdv.sbx"; do sleep 0.1; i=$((i + 1)); done
sbx_check 72 "job A is up" grep -q ready "$T/rdv.sbx"
sbx -- /opt/attacks/attack unix_connect "$rdv"
expect_sbx 72 "job B: job A's abstract socket" ECONNREFUSED
sbx -- /opt/attacks/attack shm_get "$rdv_key"
expect_sbx 72 "job B: job A's SysV shm key" ENOENT
sbx -- /opt/attacks/attack stat /dev/shm/rdv
expect_sbx 72 "job B: job A's /dev/shm file" ENOENT
uid_b=$(status host_uid)
wait "$job_a"
uid_a=$(sed -n 's/^host_uid=//p' "$T/rdv.status")
sbx_check 73 "concurrent jobs run as different host uids" \
	eval '[ -n "$uid_a" ] && [ -n "$uid_b" ] && [ "$uid_a" != "$uid_b" ]'
