#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the libFuzzer harnesses (fuzz/harnesses) with clang and
# -fsanitize=fuzzer,address,undefined into $FUZZ_OUT (default
# fuzz/build under the build tree).  Called by `make fuzz`, which passes
# the sources and flags configure found:
#   FUZZ_SRCS     the .c files of libremote.a, libformats.a and libcommon.a
#   FUZZ_CPPFLAGS -I and -D flags (config.h, the folders, pkg-config)
#   FUZZ_LIBS     libraries the formats link with
# Objects are rebuilt only when their source or a header is newer.
set -euo pipefail
srcdir=$(cd "$(dirname "$0")/.." && pwd)
CC=${FUZZ_CC:-clang}
out=${FUZZ_OUT:-fuzz/build}
: "${FUZZ_SRCS:?run make fuzz}" "${FUZZ_CPPFLAGS:?}" "${FUZZ_LIBS:?}"
if ! command -v "$CC" >/dev/null; then
  echo "make fuzz: $CC not found (scripts/install-deps.sh installs clang)" >&2
  exit 1
fi
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN -fsanitize=fuzzer-no-link"
mkdir -p "$out/obj"

newest_header=$(find "$srcdir/common" "$srcdir/formats" "$srcdir/remote" "$srcdir/fuzz" \
  -name '*.h' -printf '%T@\n' | sort -n | tail -1)

# compile SRC OBJ [EXTRA-FLAGS...]
compile () {
  local src=$1 obj=$2; shift 2
  if [ -f "$obj" ] && [ "$obj" -nt "$src" ] && [ -f "$obj.flags" ] &&
     [ "$(cat "$obj.flags")" = "$*" ] &&
     awk -v a="$(stat -c %Y "$obj")" -v b="$newest_header" \
       'BEGIN { exit !(a > b) }'; then
    return 0
  fi
  echo "  CC(fuzz) $src $*"
  # shellcheck disable=SC2086
  $CC $CFLAGS $FUZZ_CPPFLAGS -I"$srcdir/fuzz" "$@" -c "$src" -o "$obj"
  printf '%s' "$*" > "$obj.flags"
}

objs=()
pids=()
for s in $FUZZ_SRCS; do
  case $s in *.c) ;; *) continue ;; esac
  o="$out/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
  compile "$srcdir/$s" "$o" &
  pids+=($!)
  objs+=("$o")
  # two at a time: the machine is shared
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p"; done
compile "$srcdir/fuzz/fuzz-util.c" "$out/obj/fuzz-util.o"

grep -v '^#' "$srcdir/fuzz/harnesses" | while read -r name src main fmt; do
  [ -n "$name" ] || continue
  defs=()
  [ "$main" = - ] || defs+=("-DFUZZ_MAIN=\"$main\"")
  [ -z "${fmt:-}" ] || defs+=("-DFUZZ_FORMAT=\"$fmt\"" "-DFUZZ_READER=\"$fmt\"")
  compile "$srcdir/fuzz/$src" "$out/obj/h-$name.o" "${defs[@]}"
  echo "  LD(fuzz) $out/fuzz-$name"
  # shellcheck disable=SC2086
  $CC $CFLAGS -fsanitize=fuzzer -o "$out/fuzz-$name" "$out/obj/h-$name.o" \
    "$out/obj/fuzz-util.o" "${objs[@]}" $FUZZ_LIBS
done
echo "make fuzz: harnesses in $out (run scripts/fuzz.sh)"
