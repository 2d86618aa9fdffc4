# SPDX-License-Identifier: BSD-3-Clause
# tests/convert-functions.sh: end-to-end `v2kvm convert` of the real test
# guests (tests/guests).  Source after functions.sh:
#   . "$srcdir/functions.sh"
#   . "$srcdir/convert-functions.sh"
#
#   convert_e2e FLAVOR KIND [convert options...]
#       slow test: build (cached) the conversion input (make-inputs.sh),
#       run `v2kvm convert --machine-readable -o local -os $TMP/out` on it
#       and check, against oracles nobody here wrote:
#         - exit 0, a JSON-lines stream that parses (jq) and ends with an
#           ok result, the fixup phase ran;
#         - the source files are byte-for-byte unchanged (sha256);
#         - every output disk passes `qemu-img check`, has the source's
#           virtual size, and is no larger than the source's allocation;
#         - the domain XML passes `virt-xml-validate domain` and keeps the
#           source's MAC (-i disk: a new 52:54:00 one);
#         - the converted guest boots under qemu (TCG) on virtio disk and
#           virtio NIC with the domain's MAC to its marker, static IP up
#           (guests/boot.sh).
#       With -o qemu among the options the guest is booted by the
#       generated NAME.sh (ACCEL=tcg) instead of guests/boot.sh.
#       With E2E_STDIN=1 the input is piped to `convert -i TYPE -`;
#       with E2E_SSH=ssh://USER@127.0.0.1:PORT it is read with -it ssh
#       from that URL + the input's path (tests/ssh-functions.sh);
#       E2E_PREPARE=FUNCTION runs after the input is built and may point
#       INPUT_SOURCE elsewhere (a layout made from it).
#       Sets $OUT (output directory) and $JSON (the JSON lines).
#
#   e2e_check_output FLAVOR TYPE OUT JSON
#       the checks above from the JSON lines on, for a conversion of the
#       FLAVOR guest's -i TYPE input made elsewhere (a batch run: its
#       per-guest JSON lines) into the directory OUT, the boot included.
#
#   boot_script SCRIPT FLAVOR
#       run an -o qemu script under TCG (holding a guest boot slot)
#       until the flavor's marker shows on its serial console (stdio).
. "$srcdir/fixup-functions.sh"
. "$srcdir/guests/functions-guests.sh"

# sha256 of the source description and every disk file it names.
source_sums () {
  local f
  "$V2KVM" convert -i "$INPUT_TYPE" --print-source --machine-readable \
    "$INPUT_SOURCE" | jq -r 'select(.type == "source") | .guest.disks[].path' |
    sort -u >"$TMP/source-files"
  echo "$INPUT_SOURCE" >>"$TMP/source-files"
  while read -r f; do sha256sum "$f"; done <"$TMP/source-files"
}

convert_e2e () {
  local flavor=$1 kind=$2; shift 2
  require_slow
  requires jq qemu-img virt-xml-validate
  require_convert_input "$flavor" "$kind"
  [ -z "${E2E_PREPARE:-}" ] || $E2E_PREPARE      # may rewrite INPUT_SOURCE
  OUT=$TMP/out JSON=$TMP/convert.json
  mkdir -p "$OUT"
  source_sums >"$TMP/sums-before"

  if [ -n "${E2E_SSH:-}" ]; then       # over SSH: $E2E_SSH is ssh://USER@HOST:PORT
    "$V2KVM" convert -i "$INPUT_TYPE" -it ssh "$E2E_SSH$INPUT_SOURCE" \
      -os "$OUT" --machine-readable "$@" >"$JSON" 2>"$TMP/convert.err"
  elif [ -n "${E2E_STDIN:-}" ]; then   # through a pipe, as "-"
    cat "$INPUT_SOURCE" | "$V2KVM" convert -i "$INPUT_TYPE" - -os "$OUT" \
      --machine-readable "$@" >"$JSON" 2>"$TMP/convert.err"
  else
    "$V2KVM" convert -i "$INPUT_TYPE" "$INPUT_SOURCE" -os "$OUT" \
      --machine-readable "$@" >"$JSON" 2>"$TMP/convert.err"
  fi || fail "convert -i $INPUT_TYPE $INPUT_SOURCE exited $?: $(cat "$TMP/convert.err")"

  source_sums | cmp -s - "$TMP/sums-before" || fail "the source changed"
  e2e_check_output "$flavor" "$INPUT_TYPE" "$OUT" "$JSON"
}

e2e_check_output () {
  local flavor=$1 type=$2 OUT=$3 JSON=$4 mac disk meta n=0
  jq -e -s '.[0].type == "start" and .[-1].type == "result" and .[-1].ok
            and any(.[]; .type == "phase" and .phase == "fixup")' "$JSON" \
    >/dev/null || fail "bad JSON lines: $(tail -3 "$JSON")"
  echo "convert: $(jq -c -s '.[-1] | {seconds, phases}' "$JSON")"
  for disk in "$OUT"/*-sd?.qcow2; do
    [ -f "$disk" ] || fail "no output disk in $OUT: $(ls "$OUT")"
    qemu-img check -q "$disk" || fail "qemu-img check $disk failed"
    jq -e -s --arg d "$disk" --argjson n $n '.[-1].disks[$n] as $x |
        $x.target == $d and $x.virtual_size > 0' "$JSON" >/dev/null ||
      fail "result line does not describe $disk"
    [ "$(qemu-img info --output=json "$disk" | jq '."virtual-size"')" = \
      "$(jq -s --argjson n $n '.[-1].disks[$n].virtual_size' "$JSON")" ] ||
      fail "$disk: wrong virtual size"
    n=$((n + 1))
  done
  if [ -f "$OUT"/*.sh ]; then           # -o qemu
    meta=$(echo "$OUT"/*.sh)
  else
    meta=$(echo "$OUT"/*.xml)
    [ -f "$meta" ] || fail "no domain XML in $OUT: $(ls "$OUT")"
    virt-xml-validate "$meta" domain >/dev/null ||
      fail "the domain XML does not validate"
  fi
  mac=$(grep -Eo '(mac address="|mac=)..:..:..:..:..:..' "$meta" | head -1 |
        grep -o '..:..:..:..:..:..$')
  case $flavor-$type in
    *-disk) case $mac in 52:54:00:*) ;; *) fail "no new MAC: '$mac'" ;; esac ;;
    vmware-*) [ "$mac" = 00:50:56:aa:bb:01 ] || fail "MAC not kept: '$mac'" ;;
    xen-*) [ "$mac" = 00:16:3e:aa:bb:02 ] || fail "MAC not kept: '$mac'" ;;
  esac

  if [ -f "$OUT"/*.sh ]; then
    boot_script "$OUT"/*.sh "$flavor"
  else
    boot_guest "$OUT"/*-sda.qcow2 "$flavor" --disk-bus virtio --nic virtio \
               --mac "$mac" ||
      fail "the converted guest did not reach its marker"
  fi
}

boot_script () {
  local script=$1 flavor=$2 pid start log=$TMP/script-boot.log slotfd
  bash -n "$script" || fail "$script is not valid shell"
  . "$srcdir/guests/boot-slots.sh"
  boot_slot_take slotfd
  ACCEL=tcg setsid "$script" -display none -no-reboot </dev/null >"$log" 2>&1 &
  pid=$!
  start=$(date +%s)
  while ! grep -aq "V2KVM-MARKER $flavor [^ ]*=[^ ]* UP" "$log"; do
    if ! kill -0 $pid 2>/dev/null || [ $(( $(date +%s) - start )) -ge 300 ]; then
      kill -- -$pid 2>/dev/null
      exec {slotfd}>&-
      fail "$script: no marker; console ends: $(tail -c 600 "$log" | tr -d '\r')"
    fi
    sleep 1
  done
  echo "boot_script: $(grep -ao "V2KVM-MARKER $flavor [^ ]*=[^ ]* UP" "$log" | head -1) after $(( $(date +%s) - start )) s"
  kill -- -$pid 2>/dev/null
  wait $pid 2>/dev/null
  exec {slotfd}>&-
}
