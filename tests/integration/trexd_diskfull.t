#!/bin/sh
# trexd on a tiny state filesystem (a 4 MiB tmpfs mounted here): submissions
# fill it until trexd answers 507 no_space; the store stays consistent
# (PRAGMA integrity_check), reads keep working, and once space is freed
# trexd accepts and runs jobs again. Needs root (mount, and the sandbox).
. "${TREX_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$TREX_ROOT/tests/lib_trexd.sh"

trexd_needs root sandbox sqlite3
trexd_init trexd-full
trexd_at_exit() {
	trexd_stop 2>/dev/null
	umount "$T/state" 2>/dev/null
}

mkdir -p "$T/data"
if ! mount -t tmpfs -o size=4m,mode=0700 trex-full "$T/state" 2>/dev/null; then
	echo "1..0 # SKIP cannot mount a tmpfs"
	exit 0
fi
printf 'x\n1\n' >"$T/data/d.csv"
chmod 755 "$T/data"
chmod 644 "$T/data/d.csv"
trexd_config_write '"require_permit": false' '"concurrency": 2' "\"datasets\": {\"synth\": {\"path\": \"$T/data\", \"id_columns\": []}}"
check "trexd starts on a 4 MiB state filesystem" trexd_start
# space given back at the end, so the test does not depend on what trexd
# can delete
dd if=/dev/zero of="$T/state/ballast" bs=64k count=8 2>/dev/null

# 192 KiB of code per job
head -c 196608 /dev/urandom | base64 -w0 >"$T/b64"
{
	printf '{"manifest":{"project":"F","dataset":"synth","runtime":"shell","command":["true"],"outputs":[]},"files":{"blob":"'
	cat "$T/b64"
	printf '"}}'
} >"$T/req.json"
post() { api_post /v1/jobs "$T/req.json"; }

accepted=0
code=201
i=0
while [ "$code" = 201 ] && [ $i -lt 100 ]; do
	code=$(post)
	[ "$code" = 201 ] && { accepted=$((accepted + 1)); api_field id >>"$T/ids"; }
	i=$((i + 1))
done
check "some jobs fit ($accepted)" test "$accepted" -ge 1
expect_eq "a full state filesystem answers 507" 507 "$code"
expect_eq "... with the code no_space" no_space "$(api_field error.code)"
check "... and a message saying so" sh -c "grep -q 'state filesystem is full' '$T/body'"
expect_eq "a second try is refused the same way" 507 "$(post)"
expect_eq "trexd keeps serving: healthz" 200 "$(api_get /healthz)"
FIRST=$(head -1 "$T/ids")
expect_eq "trexd keeps serving: an accepted job can be read" 200 "$(api_get "/v1/jobs/$FIRST")"
expect_eq "store integrity while full" ok "$(sqlite3 -readonly "$T/state/trexd.db" 'PRAGMA integrity_check' 2>&1)"
check "no half-written bundle is left" sh -c "
	for d in '$T'/state/jobs/*; do
		id=\${d##*/}
		grep -qx \"\$id\" '$T/ids' || exit 1
	done"

# free space: the ballast goes
rm -f "$T/state/ballast"
# and the jobs that fitted finish and their bundles can be removed by the
# operator; here the ballast is enough for one more
expect_eq "after space is freed, a job is accepted again" 201 "$(post)"
NEW=$(api_field id)
api_wait_job "$NEW"
expect_eq "... and runs to the end" released "$(api_field state)"
left=0
for id in $(cat "$T/ids"); do
	api_get "/v1/jobs/$id" >/dev/null
	case "$(api_field state)" in queued | running | checking) left=$((left + 1)) ;; esac
done
expect_eq "no job accepted while the disk filled up is stuck" 0 "$left"
trexd_stop
expect_eq "trexd stops cleanly" 0 $?
expect_eq "store integrity after stop" ok "$(sqlite3 "$T/state/trexd.db" 'PRAGMA integrity_check' 2>&1)"

done_testing
