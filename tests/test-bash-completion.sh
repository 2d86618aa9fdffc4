#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# bash-completion/v2kvm: commands, subcommands, options, the values of
# -i/-o/-of/--accel, and file names for operands and DIR arguments, each
# from a real bash running the completion function as readline would.
. "$srcdir/functions.sh"
requires bash

comp="$top_srcdir/bash-completion/v2kvm"
cd "$TMP"
touch guest.vmx disk1.vmdk
mkdir outdir

# complete WORDS...: the completions of the last word, sorted, one line.
complete_words () {
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _v2kvm
    for w in "${COMPREPLY[@]}"; do echo "$w"; done | sort | tr "\n" " "' _ "$comp" "$V2KVM" "$@"
}

# expect WANT WORDS...: the completions are exactly WANT.
expect () {
  local want=$1; shift
  local got
  got=$(complete_words "$@")
  [ "$got" = "$want" ] || fail "completing '$*': got '$got', expected '$want'"
}
# expect_has WORD WORDS...: the completions include WORD.
expect_has () {
  local want=$1; shift
  case " $(complete_words "$@")" in *" $want "*) ;;
    *) fail "completing '$*': no '$want' in '$(complete_words "$@")'" ;; esac
}

# Commands: every first word of `v2kvm --help`'s command lines.
cmds=$("$V2KVM" --help | sed -n 's/^  v2kvm \([a-z][a-z-]*\).*/\1/p' | sort -u | tr '\n' ' ')
[ -n "$cmds" ] || fail "v2kvm --help lists no command"
expect "$cmds" ""
expect "check-host " ch
expect "convert info " disk ""
expect "list show xml " source ""
expect "disk " -v di
expect "--verbose --version " --ver
expect "--quiet " -v --q
# Options and their values.
expect "--no-fixup --no-trim --no-verify " convert --no-
expect "disk libvirtxml ova ovf vmx xl xm xva " convert -i ""
expect "libvirt local " convert -o l
expect "qcow2 raw " convert -of ""
expect "auto kvm tcg " check-host --accel ""
expect "qcow2 raw " disk convert -O ""
expect "first single " fixup --root ""
expect "--allow-external-refs --input --json -i -ic -ip -it " source show -
expect "--csv --json --state " batch report --
# File names: operands, DIR arguments, a group that is also a command.
expect "guest.vmx " convert -i vmx gu
expect "disk1.vmdk " disk convert di
expect "outdir " convert -os ou
expect_has disk1.vmdk batch d
expect_has report batch re
# An option with a placeholder argument offers nothing.
expect "" disk convert disk1.vmdk -j ""
echo ok
