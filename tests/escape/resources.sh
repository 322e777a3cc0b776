# Resource rows 33-41 (sourced by escape.t): small limits, the status
# record's verdict, and no process of the job's host uid left afterwards.

# row 33: fill the tmpfs mounts
mkdir "$CW/fill" && chown "$ESC_UID" "$CW/fill"
ctl -m -- sh -c "mount -t tmpfs none $CW/fill && $CA fill $CW/fill 64"
expect_ctl 33 "write 64 MiB to a plain tmpfs" ok
sbx --memory 256 -- /opt/attacks/attack fill /tmp 512
expect_sbx 33 "write 512 MiB to /tmp (--memory 256)" ENOSPC
sbx --memory 256 -- /opt/attacks/attack fill /dev/shm 512
expect_sbx 33 "write 512 MiB to /dev/shm (--memory 256)" ENOSPC
sbx -- /opt/attacks/attack manyfiles /tmp 100000
expect_sbx 33 "100000 files in /tmp (inodes)" ENOSPC
sbx --output-mb 8 -- /opt/attacks/attack fill /output 64
expect_sbx 33 "write 64 MiB to /output (--output-mb 8)" 'ENOSPC|EFBIG'

# row 34: fork bomb
ctl -pf -- "$CA" forkbomb 64
expect_ctl 34 "64 forks" ok
sbx --pids 16 -- /opt/attacks/attack forkbomb 64
expect_sbx 34 "64 forks (--pids 16)" EAGAIN
sbx_check 34 "host uid from the range, no process left" eval 'esc_host_uid_ok && esc_none_left'

# row 35: thread bomb
ctl "" -- "$CA" threadbomb 64
expect_ctl 35 "64 threads" ok
sbx --pids 16 -- /opt/attacks/attack threadbomb 64
expect_sbx 35 "64 threads (--pids 16)" EAGAIN

# row 36: memory bomb
ctl "" -- "$CA" membomb 512
expect_ctl 36 "touch 512 MiB" ok
sbx --memory 64 -- /opt/attacks/attack membomb 512
expect_sbx 36 "touch 512 MiB (--memory 64)" signal=9
expect_status 36 "touch 512 MiB: status result" result oom
sbx_check 36 "no process left" esc_none_left
ctl "" -- "$CA" membomb_child 512
expect_ctl 36 "a child touches 512 MiB" ok
sbx --memory 64 -- /opt/attacks/attack membomb_child 512
expect_sbx 36 "a child touches 512 MiB (--memory 64): the whole job dies within 2 s" signal=9
expect_status 36 "a child touches 512 MiB: status result" result oom

# row 37: CPU hog
ctl "" -- "$CA" cpuhog 2
expect_ctl 37 "spin 2 s of CPU" ok
sbx --cpu-seconds 1 --timeout 20 -- /opt/attacks/attack cpuhog 5
expect_sbx 37 "spin 5 s of CPU (--cpu-seconds 1)" rc=124
expect_status 37 "spin 5 s of CPU: status result" result cpu_limit
ctl "" -- "$CA" cpuhog_kids 3 0.5
expect_ctl 37 "3 children spinning 0.5 s each" ok
sbx --cpu-seconds 1 --timeout 20 -- /opt/attacks/attack cpuhog_kids 4 0.9
expect_sbx 37 "4 children spinning 0.9 s each (--cpu-seconds 1)" rc=124
expect_status 37 "4 children spinning 0.9 s each: status result" result cpu_limit
sbx --timeout 1 -- /opt/attacks/attack cpuhog 30
expect_sbx 37 "spin 30 s of CPU (--timeout 1)" rc=124
expect_status 37 "spin 30 s of CPU: status result" result timeout
sbx_check 37 "no process left" esc_none_left

# row 38: hang on stdin, then sleep
out=$(sleep 1 | setpriv --reuid=$ESC_UID --regid=$ESC_UID --clear-groups \
	unshare -Ur -- "$CA" hang 0 2>>"$T/ctl.err")
res=$(esc_norm "$out" $?)
expect_ctl 38 "read stdin" stdin=blocked
sbx --timeout 1 -- /opt/attacks/attack hang 60
expect_sbx 38 "read stdin, sleep 60 (--timeout 1)" stdin=eof
sbx_check 38 "exit status 124" test "$rc" -eq 124
expect_status 38 "sleep 60: status result" result timeout
expect_status 38 "sleep 60: killed within 5 s" wall_ms '[0-9]|[0-9][0-9]|[0-9][0-9][0-9]|[0-4][0-9][0-9][0-9]'
sbx_check 38 "no process left" esc_none_left

# row 39: setsid'd double-forked daemon ignoring TERM/HUP
ctl "" -- "$CA" survive 60
left=$(pgrep -u "$ESC_UID" -f "$CA survive")
ctl_check 39 "daemon outlives the job" test -n "$left"
for p in $left; do kill -9 "$p"; done
sbx -- /opt/attacks/attack survive 60
expect_sbx 39 "leave a daemon" ok
sbx_check 39 "no process of the job's host uid left" esc_none_left

# row 40: the control cannot raise RLIMIT_RTPRIO/NICE here (host root lacks
# CAP_SYS_RESOURCE), so only the sandbox side runs; see RESIDUAL.md
sbx -- /opt/attacks/attack sched_fifo
expect_sbx 40 "SCHED_FIFO (sandbox only)" EPERM
sbx -- /opt/attacks/attack nice
expect_sbx 40 "nice -10 (sandbox only)" EACCES

# row 41
A 41 "mlockall(MCL_CURRENT)" "" ok 'ENOMEM|EPERM' mlockall
A 41 "lift RLIMIT_FSIZE (output size backstop)" "" ok EPERM raise_rlimit fsize
A 41 "lift RLIMIT_CPU (CPU backstop)" "" ok EPERM raise_rlimit cpu
sbx -- /opt/attacks/attack raise_nofile
expect_sbx 41 "RLIMIT_NOFILE to 1M (sandbox only)" EPERM
