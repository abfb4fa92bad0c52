#!/usr/bin/env bash
# make-man.sh BUILD TEMPLATE OUT
#
# Make a man page from docs/man/<page>.1.in: @VERSION@ and @DATE@, and the
# option list from the program itself, so the page cannot drift from it:
# @OPTIONS@ becomes runeval's option table as roff (runeval help
# --roff-options), @HELP@ the page's program's --help, verbatim.
set -euo pipefail
build=$1 in=$2 out=$3
page=$(basename "$in" .1.in)
case $page in
runeval-report) help=("$build/runeval" report --help) ;;
daytona-lite | e2b-lite) help=("$build/$page" --help) ;;
*) help=("$build/runeval" --help) ;;
esac
version=$(cat VERSION)
date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}" +%Y-%m-%d)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line; do
	case $line in
	@OPTIONS@) "$build/runeval" help --roff-options ;;
	@HELP@)
		echo ".nf"
		"${help[@]}" | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^[.']/\\\\\\&&/"
		echo ".fi"
		;;
	*) printf '%s\n' "$line" ;;
	esac
done <"$in" | sed -e "s/@VERSION@/$version/g" -e "s/@DATE@/$date/g" >"$tmp"
mkdir -p "$(dirname "$out")"
mv "$tmp" "$out"
trap - EXIT
