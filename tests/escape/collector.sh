# Output collector rows 23-32 (sourced by escape.t). The job leaves hostile
# entries in /output; the checks look at what trex-sandbox copied into the
# host --output dir and reported as refused= on the status fd.

# rows 23, 26-29: one of each hostile entry, plus plain.txt that must arrive
mkdir "$CW/hostile" && chown "$ESC_UID" "$CW/hostile"
ctl "" -- "$CA" out_hostile "$CW/hostile"
ctl_hostile=$res
sbx -- /opt/attacks/attack out_hostile /output
sbx_hostile=$res
O=$ESC_OUT
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
no_type() { [ -z "$(find "$O" -mindepth 1 -type "$1")" ]; }
refused() { grep -q "^refused=$1: " "$T/status"; }
collected_plain() { [ "$(cat "$O/plain.txt" 2>/dev/null)" = plain ]; }
res=$ctl_hostile
expect_ctl 23 "symlinks to /etc/shadow, ../../other-job and /" '*symlink=ok symlink2=ok symlink3=ok*'
sbx_check 23 "regular plain.txt collected (the collector works)" collected_plain
res=$(field "$sbx_hostile" symlink)
expect_sbx 23 "symlinks may be created in the job" ok
sbx_check 23 "no symlink collected" no_type l
sbx_check 23 "symlinks s, o and rootdir reported refused" \
	eval 'refused s && refused o && refused rootdir && [ ! -e "$O/rootdir" ]'
sbx_check 23 "hard links in outputs refused (smuggling, row 21)" \
	eval 'refused hard && [ ! -e "$O/hard" ] && [ ! -e "$O/good.txt" ]'
res=$(field "$ctl_hostile" fifo)
expect_ctl 26 "mkfifo in outputs" ok
res=$(field "$sbx_hostile" fifo)
expect_sbx 26 "mkfifo in outputs" EPERM
sbx_check 26 "no fifo collected" no_type p
res=$(field "$ctl_hostile" sock)
expect_ctl 27 "unix socket file in outputs" ok
sbx_check 27 "no socket collected, sock refused" eval 'no_type s && refused sock'
ctl_check 28 "setuid bit set on the job's file" \
	eval '[ "$(stat -c %a "$CW/hostile/suid")" = 4755 ]'
sbx_check 28 "setuid file collected as 0644 root:root" \
	eval '[ "$(stat -c %a:%u:%g "$O/suid" 2>/dev/null)" = 644:0:0 ]'
ctl_check 28 "mode 07777 on the job's folder" \
	eval '[ "$(stat -c %a "$CW/hostile/sub")" = 7777 ]'
sbx_check 28 "folder collected without setuid/setgid/sticky/world-write bits" \
	eval '[ "$(cat "$O/sub/f" 2>/dev/null)" = sub ] && [ -z "$(find "$O" -type d -perm /7022)" ]'
sbx_check 28 "every collected file 0644 root:root" \
	eval '[ -z "$(find "$O" -mindepth 1 -type f \( ! -perm 644 -o ! -uid 0 -o ! -gid 0 \))" ]'
res=$(field "$ctl_hostile" xattr)
expect_ctl 29 "security.capability on an output" ok
res=$(field "$sbx_hostile" xattr)
expect_sbx 29 "security.capability on an output" EPERM
sbx_check 29 "collected capfile carries no xattr" \
	eval '[ -f "$O/capfile" ] && [ "$("$ATTACK" xattrs "$O/capfile")" = xattrs=0 ]'

# row 24: a setsid'd child keeps swapping /output/real with a symlink to /
mkdir "$CW/swap" && chown "$ESC_UID" "$CW/swap"
ctl "" -- "$CA" out_swap "$CW/swap" 3
swapper=$(pgrep -u "$ESC_UID" -f "$CA out_swap")
ctl_check 24 "swapper outlives the job (the race exists)" test -n "$swapper"
for p in $swapper; do kill "$p"; done
sbx -- /opt/attacks/attack out_swap /output 3
O=$ESC_OUT
expect_sbx 24 "start the swapper" ok
sbx_check 24 "swapper dead when trex-sandbox returns" esc_none_left
swap_clean() {
	[ -z "$(find "$O" -mindepth 1 ! -name real ! -name tmp)" ] && no_type l &&
		for f in "$O/real" "$O/tmp"; do
			[ ! -e "$f" ] || [ "$(cat "$f")" = real ] || return 1
		done
}
sbx_check 24 "only the job's own file collected, never through the symlink" swap_clean

# row 25: links a careless cleanup (rm -rf, cp -L) would follow to the host
mkdir "$T/canary" && echo keep >"$T/canary/keep"
mkdir "$CW/trap" && chown "$ESC_UID" "$CW/trap"
ctl "" -- "$CA" out_trap "$CW/trap" "$T/canary"
ctl_check 25 "trap links resolve to the host canary" test -f "$CW/trap/d/trap/keep"
sbx -- /opt/attacks/attack out_trap /output "$T/canary"
O=$ESC_OUT
expect_sbx 25 "leave trap links" ok
sbx_check 25 "host canary intact, nothing followed" \
	eval '[ "$(cat "$T/canary/keep")" = keep ] && no_type l'

# row 30: a 1 TiB sparse file under --output-mb 4
ctl "" -- "$CA" bigfile "$CW/big"
expect_ctl 30 "1 TiB sparse output" ok
rm -f "$CW/big"
sbx --output-mb 4 -- /opt/attacks/attack bigfile /output/big
O=$ESC_OUT
expect_sbx 30 "1 TiB sparse output" EFBIG
sbx_check 30 "nothing over 4 MiB collected" \
	eval '[ -z "$(find "$O" -type f -size +4096k)" ]'

# row 31: inode exhaustion; --output-files caps what is collected
mkdir "$CW/many" && chown "$ESC_UID" "$CW/many"
ctl -m -- sh -c "mount -t tmpfs none $CW/many && $CA manyfiles $CW/many 100000"
expect_ctl 31 "100000 files in a plain tmpfs" ok
sbx --output-files 50 -- /opt/attacks/attack manyfiles /output 100000
O=$ESC_OUT
expect_sbx 31 "100000 files in /output" 'ENOSPC|EDQUOT'
sbx_check 31 "at most 50 files collected" \
	eval '[ "$(find "$O" -type f | wc -l)" -le 50 ]'

# row 32: hostile names and a tree deeper than any sane cap
mkdir "$CW/names" && chown "$ESC_UID" "$CW/names"
ctl "" -- "$CA" out_names "$CW/names"
expect_ctl 32 "hostile names and depth 64" 'names=6 depth=64'
sbx -- /opt/attacks/attack out_names /output
O=$ESC_OUT
expect_sbx 32 "hostile names and depth 64" 'names=6 depth=64'
sbx_check 32 "status record is printable key=value lines" \
	eval '[ -s "$T/status" ] && [ "$(LC_ALL=C tr -d "\n\040-\176" <"$T/status" | wc -c)" -eq 0 ] &&
		! grep -qv "^[a-z_]*=" "$T/status"'
esc_nl='
'
sbx_check 32 "no name with a newline or ESC collected" \
	eval '[ -z "$(find "$O" -name "*$(printf "\033")*" -o -name "*$esc_nl*")" ]'
ctl_check 32 "names with a newline and ESC exist in the job" \
	eval '[ -n "$(find "$CW/names" -name "*$(printf "\033")*")" ] && [ -n "$(find "$CW/names" -name "*$esc_nl*")" ]'
sbx_check 32 "depth-64 file not collected" eval '[ -z "$(find "$O" -name deep.txt)" ]'

# row 32: a relative path of 4095 bytes (15 folders of 255-byte names):
# beyond PATH_MAX once prefixed by the host output dir
mkdir "$CW/long" && chown "$ESC_UID" "$CW/long"
ctl "" -- "$CA" out_longpath "$CW/long" 15
expect_ctl 32 "4095-byte relative path" ok
sbx -- /opt/attacks/attack out_longpath /output 15
O=$ESC_OUT
expect_sbx 32 "4095-byte relative path" ok
long_ok() {
	[ "$rc" -eq 0 ] && [ "$(status end)" = 1 ] && {
		[ "$(find "$O" -type f -name "f*" -execdir cat {} \;)" = long ] ||
			grep -q "^refused=a" "$T/status"
	}
}
sbx_check 32 "4095-byte path collected through *at() or refused, record complete" long_ok
