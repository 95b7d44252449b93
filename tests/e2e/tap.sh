# TAP output for the shell suites (sourced).  `ok COND-EXIT DESC` style:
#   check "description" command args...   passes when the command succeeds
#   is "$got" "$want" "description"
# Each suite ends with `done_testing`, which prints the plan and fails the
# run when a test failed or none ran.
tap_n=0
tap_failed=0

tap_result() { # status description
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

ok() { tap_result 0 "$*"; }
not_ok() { tap_result 1 "$*"; }
plan() {
	echo "1..$1"
	tap_planned=1
}

check() {
	desc=$1
	shift
	if "$@"; then tap_result 0 "$desc"; else tap_result 1 "$desc"; fi
}

is() {
	if [ "$1" = "$2" ]; then
		tap_result 0 "$3"
	else
		tap_result 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
		return 1
	fi
}

like() { # haystack needle description
	case $1 in
	*"$2"*) tap_result 0 "$3" ;;
	*)
		tap_result 1 "$3"
		printf '#   wanted "%s" in:\n' "$2"
		printf '%s\n' "$1" | sed 's/^/#     /'
		;;
	esac
}

unlike() {
	case $1 in
	*"$2"*)
		tap_result 1 "$3"
		printf '#   did not want "%s" in:\n' "$2"
		printf '%s\n' "$1" | sed 's/^/#     /'
		;;
	*) tap_result 0 "$3" ;;
	esac
}

diag() { printf '# %s\n' "$@"; }

bail() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	[ -n "${tap_planned:-}" ] || echo "1..$tap_n"
	[ "$tap_n" -gt 0 ] && [ "$tap_failed" -eq 0 ]
}
