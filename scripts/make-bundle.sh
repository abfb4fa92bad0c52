#!/usr/bin/env bash
# make-bundle.sh BINARY OUTDIR
#
# Make a self-contained directory that runs BINARY on any x86-64 Linux,
# with none of the -dev (or runtime) packages installed there:
#   OUTDIR/bin/<name>     the binary
#   OUTDIR/lib/           every shared library it needs, and the loader
#   OUTDIR/start.sh       runs the binary through the bundled loader
# The directory is relocatable: start.sh finds itself.
set -euo pipefail

bin=$1 out=$2
name=$(basename "$bin")
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
cp "$bin" "$out/bin/$name"

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
