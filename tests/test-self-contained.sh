#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The repository stands on its own (HACKING.md "Conventions"):
#   1. every tracked source file carries the SPDX licence line (C and
#      headers: line 1; scripts, Makefile fragments, configure.ac: line 1,
#      or line 2 after a #! line);
#   2. no tracked file names a path of a build machine (home directories,
#      the build host's work tree) or a file outside the repository (a
#      sibling "shared" directory or checkout, a path climbing out of
#      $top_srcdir); the optional third-party corpus is named only
#      through $CORPUS (tests/README.tests);
#   3. every reference to a Markdown document resolves to a tracked file,
#      and every "docs/formats.md §N" and 'HACKING.md "Heading"' names a
#      section that exists.
# Needs the git metadata: skips in a release tarball.
. "$srcdir/functions.sh"
requires git

top=$(cd "$srcdir/.." && pwd -P)
gtop=$(git -C "$top" rev-parse --show-toplevel 2>/dev/null) || gtop=
[ -n "$gtop" ] && [ "$(cd "$gtop" && pwd -P)" = "$top" ] ||
  skip "not a git checkout (a release tarball): the tracked file list is unknown"
cd "$top"
self=tests/test-self-contained.sh
bad=0
complain () { echo "$*" >&2; bad=$((bad + 1)); }

# 1. SPDX lines.
c_spdx='/* SPDX-License-Identifier: BSD-3-Clause */'
sh_spdx='# SPDX-License-Identifier: BSD-3-Clause'
n=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue               # deleted in the work tree
  first= second=
  { IFS= read -r first; IFS= read -r second; } <"$f" 2>/dev/null || :
  case $f in
    *.c|*.h|*.go) want=$c_spdx ;;
    *.sh|*.py|*.mk|*.am|*.ac|*.m4|*.service|.ci/*|bash-completion/*)
      want=$sh_spdx ;;
    *) [ "${first:0:2}" = '#!' ] || continue; want=$sh_spdx ;;
  esac
  n=$((n + 1))
  if [ "$first" = "$want" ]; then continue; fi
  if [ "$want" = "$sh_spdx" ] && [ "${first:0:2}" = '#!' ] &&
     [ "$second" = "$want" ]; then continue; fi
  complain "$f: no '$want' line (line 1, or line 2 after #!)"
done < <(git ls-files -z)
[ "$n" -gt 100 ] || fail "only $n source files found: is the file list right?"

# 2. Build-machine paths and documents outside the repository.  The
#    patterns are split so that this file does not match itself.
w='/wor''k/'
patterns=(
  "$w"                                  # the build host's work tree
  '/ho''me/[A-Za-z]'                    # a home directory
  '(^|[^A-Za-z0-9_}"])"?/ro''ot/'       # root's home (not "$tree"/root/)
  'share''d/(docs|corpus|hooks)'        # the sibling shared directory
  '\.\./shar''ed\b'
  # climbing out of the tree: $top_srcdir/.., $srcdir/../.. (tests/..
  # is the top)
  '(top_srcdir|top_builddir|SRC)\)?/\.\.(/|$|[^A-Za-z0-9_.])'
  'srcdir\)?/\.\./\.\.'
)
for p in "${patterns[@]}"; do
  hits=$(git grep -n -I -E -e "$p" -- . ":!$self" || :)
  [ -z "$hits" ] || complain "pointer outside the repository ($p):
$hits"
done

# 3. Markdown references.  A token "X.md" (or "dir/X.md") must be a
#    tracked file, by its path or, for a bare name, by its base name.
#    $top_srcdir/X and $srcdir/X are checked as X and tests/X; any other
#    $VAR/X is a run-time path ($CORPUS/..., an output directory);
#    upstream documents are cited with their project
#    ("Cyan4973/xxHash doc/xxhash_spec.md").
tracked=$(git ls-files)
upstream=' doc/xxhash_spec.md '
while IFS= read -r tok; do
  case $tok in
    '$top_srcdir/'*|'${top_srcdir}/'*) tok=${tok#*/} ;;
    '$srcdir/'*|'${srcdir}/'*) tok=tests/${tok#*/} ;;
    # Any other variable ($CORPUS, an output directory): a run-time path,
    # not a document of the repository.
    '$'*) continue ;;
  esac
  case $upstream in *" $tok "*) continue ;; esac
  if [[ $tok == */* ]]; then
    grep -qxF -- "$tok" <<<"$tracked" && continue
  else
    grep -qE -- "(^|/)${tok//./\\.}\$" <<<"$tracked" && continue
  fi
  complain "reference to '$tok', which is not in the repository:
$(git grep -n -F -e "$tok" -- . ":!$self" | head -3)"
done < <(git grep -h -o -I -E '[$A-Za-z0-9_./{}-]*[A-Za-z0-9_-]{2,}\.md\b' \
           -- . ":!$self" | sort -u)

# Section references into docs/formats.md ("docs/formats.md §1.3",
# "§1.6 and §1.7", "its §10") and HACKING.md ('HACKING.md "Data flow"'),
# read with comment lines joined (a reference may wrap).
joined () {
  git grep -l -F -e "$1" -- . ":!$self" ":!$2" |
    while IFS= read -r f; do tr '\n' ' ' <"$f" | tr -s ' *#' ' '; echo; done
}
heads=$(grep -E '^#{2,4} [0-9]' docs/formats.md | sed -E 's/^#+ ([0-9.]+) .*/\1/')
nref=0
while IFS= read -r ref; do
  for s in $(grep -oE '§[0-9]+(\.[0-9]+)*' <<<"$ref" | tr -d '§'); do
    nref=$((nref + 1))
    grep -qxF "$s" <<<"$heads" ||
      complain "docs/formats.md has no section $s: $ref"
  done
done < <(joined formats.md docs/formats.md |
         grep -oE 'formats\.md( (§|its §)[0-9.]*[0-9](( and|,) §[0-9.]*[0-9])*)?' |
         sort -u)
while IFS= read -r ref; do
  nref=$((nref + 1))
  h=${ref#*\"}; h=${h%\"}
  grep -E '^#+ ' HACKING.md | grep -qF -- "$h" ||
    complain "HACKING.md has no heading \"$h\""
done < <(joined HACKING.md HACKING.md | grep -oE 'HACKING\.md,? "[^"]+"' | sort -u)
[ "$nref" -gt 20 ] || fail "only $nref section references found: is the scan right?"

[ "$bad" = 0 ] || fail "$bad problem(s) above"
echo "PASS: $n source files carry the SPDX line; no build-machine path, no" \
     "outside document; every .md reference and $nref section references resolve"
