# bash completion for runeval (installed as
# $PREFIX/share/bash-completion/completions/runeval).  The words come from
# runeval itself (runeval help --complete ...; a command's --help), so they
# follow the version that is installed.
_runeval_words() {
	"${COMP_WORDS[0]}" help --complete "$1" 2>/dev/null
}

_runeval() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= i
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	--provider)
		COMPREPLY=($(compgen -W "$(_runeval_words providers)" -- "$cur"))
		return ;;
	--config | --env-file | --md | --junit | --prom | --svg | --json | --hyperfine)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--app | --out)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	esac
	case $cmd in
	"")
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$(_runeval_words options)" -- "$cur"))
			[[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
		else
			COMPREPLY=($(compgen -W "$(_runeval_words commands)" -- "$cur"))
		fi ;;
	help)
		COMPREPLY=($(compgen -W "$(_runeval_words commands) options" -- "$cur")) ;;
	config)
		COMPREPLY=($(compgen -W "$(_runeval_words options)" -- "$cur")) ;;
	report)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" report --help 2>/dev/null |
				grep -o -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi ;;
	*)
		COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
			grep -o -- '--[a-z][a-z0-9-]*' | sort -u)" -- "$cur")) ;;
	esac
}
complete -F _runeval runeval
