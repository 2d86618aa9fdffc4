# SPDX-License-Identifier: BSD-3-Clause
# v2kvm: shell test helpers.  Source at the top of every test:
#   . "$srcdir/functions.sh"
# Tests exit 0 (pass), 1 (fail) or 77 (skip, with the reason on stdout).
set -u
: "${srcdir:=$(cd "$(dirname "$0")" && pwd)}"
: "${V2KVM:=$srcdir/../v2kvm}"
: "${BLKTOOL:=$srcdir/blktool}"
# CORPUS: an optional directory of third-party samples (see README.tests);
# unset, the tests run on the fixtures they generate and skip only the
# extra corpus cases.
: "${CORPUS:=}"
: "${QEMU_IMG:=qemu-img}"
: "${QEMU_IO:=qemu-io}"

skip () { echo "SKIP: $*"; exit 77; }
fail () { echo "FAIL: $*" >&2; exit 1; }

# requires CMD...: skip unless every command exists.
requires () {
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || skip "'$c' is not installed"
  done
}

# have_corpus [FILE...]: true when $CORPUS names a directory holding
# every FILE (paths relative to it); otherwise says which extra layer of
# cases is left out, and why, and returns 1.  Tests run their generated
# fixtures first and add the corpus cases only `if have_corpus ...`: the
# corpus is never a test's only input (README.tests: CORPUS).
have_corpus () {
  local f
  if [ -z "$CORPUS" ]; then
    echo "corpus layer not run: CORPUS is not set (optional third-party samples)"
    return 1
  fi
  [ -d "$CORPUS" ] || { echo "corpus layer not run: no directory '$CORPUS'"; return 1; }
  for f in "$@"; do
    [ -e "$CORPUS/$f" ] || { echo "corpus layer not run: '$CORPUS/$f' is missing"; return 1; }
  done
}

# skip_if_skipped: SKIP_<NAME>=1 skips test <name> (virt-v2v functions.sh).
skip_if_skipped () {
  local n
  n=$(basename "$0" | tr 'a-z.-' 'A-Z__')
  if [ -n "$(eval echo "\${SKIP_$n:-}")" ]; then skip "SKIP_$n is set"; fi
}

# A fresh scratch directory, removed at exit along with registered cleanups
# (KEEP_TMP=1 keeps it, to look at after a failure).
_cleanups=()
cleanup_fn () { _cleanups+=("$*"); }
_run_cleanups () {
  local i
  for ((i=${#_cleanups[@]}-1; i>=0; i--)); do eval "${_cleanups[i]}" || :; done
}
trap _run_cleanups EXIT INT TERM
TMP=$(mktemp -d "${TMPDIR:-/tmp}/v2kvm-test.XXXXXX")
cleanup_fn 'if [ -n "${KEEP_TMP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi'

# expect_exit CODE CMD...: CMD must exit with CODE and print exactly one
# line on stderr starting with "v2kvm: " (warnings aside).  The message
# is left in $ERR.
expect_exit () {
  local want=$1; shift
  local got=0
  "$@" >"$TMP/expect.out" 2>"$TMP/expect.err" || got=$?
  ERR=$(grep -v '^v2kvm: warning:' "$TMP/expect.err" || :)
  [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(cat "$TMP/expect.err")"
  [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ] || fail "'$*': expected one error line, got: $ERR"
  case $ERR in v2kvm:*) ;; *) fail "'$*': error does not start with 'v2kvm:': $ERR" ;; esac
}

# expect_error_match REGEX: the last expect_exit message matches REGEX.
expect_error_match () {
  printf '%s\n' "$ERR" | grep -Eq -- "$1" || fail "error '$ERR' does not match /$1/"
}
