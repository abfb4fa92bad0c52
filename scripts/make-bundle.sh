#!/usr/bin/env bash
# make-bundle.sh BINARY OUTDIR
#
# Make a self-contained directory that runs BINARY on any x86-64 Linux,
# with none of the -dev (or runtime) packages installed there:
#   OUTDIR/bin/<name>     the binary, stripped
#   OUTDIR/lib/           every shared library it needs (its DT_NEEDED
#                         closure, as ldd lists it), stripped, and the
#                         loader
#   OUTDIR/start.sh       runs the binary through the bundled loader
# The directory is relocatable: start.sh finds itself.  What a program
# loads only on demand (the task app's libcurl, for the llm policy) is
# not in the closure and not bundled.
set -euo pipefail

bin=$1 out=$2
name=$(basename "$bin")
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
cp "$bin" "$out/bin/$name"
# no symbols or debug info: they are most of the binary, and the
# bundle is uploaded into every sandbox
strip_it() { command -v strip >/dev/null && strip --strip-unneeded "$1" 2>/dev/null || true; }
strip_it "$out/bin/$name"

loader=
while read -r line; do
	# "libfoo.so.1 => /lib/x86_64-linux-gnu/libfoo.so.1 (0x...)"
	# "/lib64/ld-linux-x86-64.so.2 (0x...)"
	path=
	if [[ $line == *"=> /"* ]]; then
		path=${line#*=> }
		path=${path%% (*}
	elif [[ $line == /* ]]; then
		path=${line%% (*}
		loader=$(basename "$path")
	fi
	[[ -n $path && -e $path ]] || continue
	cp -L "$path" "$out/lib/"
	strip_it "$out/lib/$(basename "$path")"
done < <(ldd "$bin")

if [[ -z $loader ]]; then
	echo "make-bundle: no dynamic loader found for '$bin'" >&2
	exit 1
fi

cat >"$out/start.sh" <<EOS
#!/bin/sh
# Start $name from this bundle, with its own libraries and loader.
here=\$(cd "\$(dirname "\$0")" && pwd)
exec "\$here/lib/$loader" --library-path "\$here/lib" "\$here/bin/$name" "\$@"
EOS
chmod 755 "$out/start.sh" "$out/lib/$loader"
echo "  BUNDLE  $out ($(du -sh "$out" | cut -f1))"
