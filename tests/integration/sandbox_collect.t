#!/bin/sh
# Output collection: regular files come out with their relative paths,
# mode 0644, owned by root; symlinks, sockets, hard links, bad names, too
# deep, too big and too many are refused with a reason on the status fd and
# never followed (ATTACKS 23-32). A full host --output filesystem is waited
# out (the job's files exist only in its /output), without spinning, until
# room returns or a SIGTERM cancels the wait.
. "$(dirname "$0")/../lib.sh"
SBX="$BIN/trex-sandbox"
T=$(mktemp -d /tmp/trex-sbx-col.XXXXXX)
trap 'rm -rf "$T"' EXIT
echo "host secret" > "$T/secret"

mkdir "$T/o1"
"$SBX" --output "$T/o1" --status-fd 3 -- python3 -c '
import os, socket
os.makedirs("/output/sub/deeper")
open("/output/table.csv", "w").write("a,b\n1,2\n")
open("/output/sub/deeper/fig.txt", "w").write("fig\n")
os.chmod("/output/table.csv", 0o4755)
os.symlink("'"$T"'/secret", "/output/evil_link")
os.symlink("/etc/passwd", "/output/sub/passwd")
open("/tmp/orig", "w").write("x")
open("/output/h1", "w").write("linked\n")
os.link("/output/h1", "/output/h2")
s = socket.socket(socket.AF_UNIX); s.bind("/output/sock")
open("/output/bad\nname", "w").write("x")
open("/output/-rf", "w").write("x")
open("/output/\x1b]52;c;aGk=\x07", "w").write("x")
open(b"/output/\xff\xfe", "w").write("x")
open("/output/ok-\u00e9t\u00e9.txt", "w").write("utf8\n")
d = "/output/deep"
for i in range(20):
    d += "/d"
os.makedirs(d)
open(d + "/leaf", "w").write("x")
' 3>"$T/st1"
rc=$?
expect_eq "job ran" 0 "$rc"
expect_eq "regular file collected with content" "$(printf 'a,b\n1,2')" "$(cat "$T/o1/table.csv" 2>/dev/null)"
expect_eq "setuid bit normalised to 0644 root" "644 0" "$(stat -c '%a %u' "$T/o1/table.csv" 2>/dev/null)"
expect_eq "nested file collected" "fig" "$(cat "$T/o1/sub/deeper/fig.txt" 2>/dev/null)"
expect_eq "UTF-8 name collected" "utf8" "$(cat "$T/o1/ok-été.txt" 2>/dev/null)"
check "symlink refused" grep -qx 'refused=evil_link: symlink' "$T/st1"
check "nested symlink refused" grep -qx 'refused=sub/passwd: symlink' "$T/st1"
check "symlink target not copied" test ! -e "$T/o1/evil_link" -a ! -e "$T/o1/sub/passwd"
check "socket refused" grep -qx 'refused=sock: socket' "$T/st1"
check "hard link refused (both names)" sh -c "grep -qx 'refused=h1: hard link' '$T/st1' && grep -qx 'refused=h2: hard link' '$T/st1'"
check "newline name refused, escaped in status" grep -qx 'refused=bad\\x0aname: bad name' "$T/st1"
check "leading dash refused" grep -qx 'refused=-rf: bad name' "$T/st1"
check "terminal escape name refused" grep -q '^refused=\\x1b' "$T/st1"
check "non-UTF-8 name refused" grep -qx 'refused=\\xff\\xfe: bad name' "$T/st1"
check "too deep refused" grep -q '^refused=deep/d/d/.*: too deep$' "$T/st1"
check "no status line carries a raw control character" sh -c "! LC_ALL=C grep -q '[[:cntrl:]]' '$T/st1'"
n=$(find "$T/o1" -type f | wc -l)
expect_eq "only the 3 good files on the host" 3 "$n"
check "no symlink, fifo or socket on the host" sh -c "[ -z \"\$(find '$T/o1' ! -type f ! -type d)\" ]"

# fifos cannot even be made (mknod is not in the profile)
mkdir "$T/o2"
out=$("$SBX" --output "$T/o2" -- sh -c 'mkfifo /output/f 2>/dev/null || echo refused')
expect_eq "mkfifo in /output fails" "refused" "$out"

# too many files: collection stops at --output-files entries
mkdir "$T/o3"
"$SBX" --output "$T/o3" --output-files 50 --status-fd 3 -- sh -c 'mkdir /tmp/x; i=0; while [ $i -lt 30 ]; do echo $i > /output/f$i; i=$((i+1)); done' 3>"$T/st3"
expect_eq "30 of 50 collected" 30 "$(find "$T/o3" -type f | wc -l)"
mkdir "$T/o4"
"$SBX" --output "$T/o4" --output-files 40 --status-fd 3 -- python3 -c '
import os
for i in range(45):
    open("/output/f%d" % i, "w").write("x")
for i in range(10):
    os.symlink("/etc", "/output/l%d" % i)' 3>"$T/st4"
got=$(find "$T/o4" -type f | wc -l)
refused=$(grep -c '^refused=' "$T/st4")
many=$(grep -c ': too many files$' "$T/st4")
if [ "$got" -le 40 ] && [ $((got + refused - many)) -eq 40 ] && [ "$many" -eq 15 ]; then
	ok "entry cap: 40 entries handled, the other 15 refused 'too many files'"
else
	not_ok "entry cap" "got=$got refused=$refused too_many=$many"
fi
check "entry cap sets result=output_limit" grep -qx 'result=output_limit' "$T/st4"

# too big: sparse files under RLIMIT_FSIZE whose sizes add up past the quota
mkdir "$T/o5"
"$SBX" --output "$T/o5" --output-mb 2 --status-fd 3 -- python3 -c '
open("/output/small", "w").write("s")
for n in ("sparse1", "sparse2"):
    f = open("/output/" + n, "wb"); f.truncate(3 << 19)' 3>"$T/st5"
check "file over the size cap refused" grep -qE '^refused=sparse[12]: too big$' "$T/st5"
check "small file still collected" test -f "$T/o5/small"

# a full --output filesystem: the collection waits for room
mkdir "$T/full"
if mount -t tmpfs -o size=1m trex-sbx-full "$T/full" 2>/dev/null; then
	trap 'umount "$T/full" 2>/dev/null; rm -rf "$T"' EXIT
	mkdir "$T/full/o6" "$T/full/o7"
	dd if=/dev/zero of="$T/full/ballast" bs=4k 2>/dev/null
	"$SBX" --output "$T/full/o6" --status-fd 3 -- sh -c \
		'mkdir /output/sub; echo table > /output/sub/t.csv; head -c 200000 /dev/zero > /output/big' \
		3>"$T/st6" 2>"$T/err6" &
	P6=$!
	sleep 2
	check "a full output filesystem: the sandbox waits" kill -0 "$P6"
	check "... saying so once" test "$(grep -c collect_waiting_for_space "$T/err6")" = 1
	c0=$(awk '{ print $14 + $15 }' "/proc/$P6/stat")
	sleep 2
	c1=$(awk '{ print $14 + $15 }' "/proc/$P6/stat")
	check "... without spinning ($((c1 - c0)) ticks in 2 s)" test $((c1 - c0)) -le 10
	rm -f "$T/full/ballast"
	wait "$P6"
	expect_eq "room again: the job's status" 0 "$?"
	expect_eq "... every file collected whole" "table 200000" \
		"$(cat "$T/full/o6/sub/t.csv") $(stat -c %s "$T/full/o6/big")"
	check "... and reported once each" test "$(grep -c '^collected=' "$T/st6")" = 2
	dd if=/dev/zero of="$T/full/ballast" bs=4k 2>/dev/null
	"$SBX" --output "$T/full/o7" --status-fd 3 -- sh -c 'echo x > /output/a' 3>"$T/st7" 2>/dev/null &
	P7=$!
	sleep 1
	kill -TERM "$P7"
	wait "$P7"
	expect_eq "SIGTERM while waiting: setup failed" 125 "$?"
	check "... at collect, saying why" grep -qx 'error=write output a: cancelled while waiting for space on the output filesystem' "$T/st7"
	umount "$T/full"
else
	ok "# SKIP cannot mount a tmpfs"
fi
done_testing
