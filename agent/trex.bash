# bash completion for trex (docs/cli.md). Not installed by anything yet:
#   . /path/to/trex/agent/trex.bash          (in ~/.bashrc)
# or copy it to /usr/share/bash-completion/completions/trex.
# Job ids are completed from `trex list --limit 50` (the jobs you may see,
# newest first), through the same socket, URL and config as the command.

# the connection options of the command line into the caller's conn
# array, for the lookups below
_trex_conn()
{
	local i
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		--socket | --url | --cert | --key | --cacert | --config)
			conn+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}")
			((i++))
			;;
		esac
	done
}

_trex_jobs()
{
	local conn=()
	_trex_conn
	trex "${conn[@]}" list --limit 50 2>/dev/null | cut -d' ' -f1
}

# dataset names from `trex datasets`
_trex_datasets()
{
	local conn=()
	_trex_conn
	trex "${conn[@]}" datasets 2>/dev/null | cut -d' ' -f1
}

_trex()
{
	local cur prev verb i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	local verbs="submit run status wait cancel list outputs fetch logs datasets dummy permit approve review held acro audit doctor verify"
	local global="--socket --url --cert --key --cacert --config --json --version --help"

	case $prev in
	--socket | --cert | --key | --cacert | --config | --permit | --trexd-key | --checkpoint | --files | -o | --output | --codebook | --trexd-config)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--url | --timeout | --reason | --digest | --since | --limit | --user | --project | --head | --revoked | --researcher | --dataset | --runtime | --job | --rows | --seed)
		return
		;;
	--state)
		COMPREPLY=($(compgen -W "awaiting_approval queued running checking released partially_released held blocked rejected failed timed_out cancelled refused" -- "$cur"))
		return
		;;
	--log)
		COMPREPLY=($(compgen -W "stdout stderr" -- "$cur"))
		return
		;;
	--data)
		COMPREPLY=($(compgen -d -- "$cur"))
		return
		;;
	--like)
		COMPREPLY=($(compgen -W "$(_trex_jobs)" -- "$cur"))
		return
		;;
	esac

	verb=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--socket | --url | --cert | --key | --cacert | --config) ((i++)) ;;
		-*) ;;
		*) verb=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ -z $verb ]]; then
		COMPREPLY=($(compgen -W "$verbs $global" -- "$cur"))
		return
	fi
	# the words after the verb that are not options
	local args=0
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -* ]] || ((args++))
	done
	local opts="--json"
	case $verb in
	submit) opts+=" --permit" ;;
	run) opts+=" --local --like --data -o --policy --trexd-config --trexd-key" ;;
	wait) opts+=" --timeout" ;;
	list) opts+=" --state --project --user --since --limit" ;;
	fetch) opts+=" -o --no-verify --trexd-key" ;;
	approve) opts+=" --digest" ;;
	review) opts+=" --release --reject --reason --log --all" ;;
	held | acro) opts+=" -o" ;;
	dummy) opts+=" -o --rows --seed --codebook" ;;
	verify) opts+=" --trexd-key --files" ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $verb in
	submit | run | verify)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	status | wait | cancel | outputs | fetch | logs | approve | held | acro)
		if ((args == 0)); then
			COMPREPLY=($(compgen -W "$(_trex_jobs)" -- "$cur"))
		elif [[ $verb == logs ]]; then
			COMPREPLY=($(compgen -W "stdout stderr" -- "$cur"))
		fi
		;;
	review)
		if ((args == 0)); then
			COMPREPLY=($(compgen -W "list show web $(_trex_jobs)" -- "$cur"))
		elif ((args == 1)) && [[ ${COMP_WORDS[i - 1]} == show || $prev == show ]]; then
			COMPREPLY=($(compgen -W "$(_trex_jobs)" -- "$cur"))
		fi
		;;
	datasets | dummy)
		((args == 0)) && COMPREPLY=($(compgen -W "$(_trex_datasets)" -- "$cur"))
		;;
	permit)
		((args == 0)) && COMPREPLY=($(compgen -W "keygen sign verify show" -- "$cur")) ||
			COMPREPLY=($(compgen -f -- "$cur"))
		;;
	audit)
		((args == 0)) && COMPREPLY=($(compgen -W "verify head show" -- "$cur")) ||
			COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
}
complete -F _trex trex
