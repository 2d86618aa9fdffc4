# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/boot-slots.sh: how many test guests boot at once (sourced).
#
# A guest under TCG keeps one core busy, so at most V2KVM_BOOT_SLOTS boots
# run at the same time (default: the number of cores, at most 2).  A boot
# holds a flock on one of $V2KVM_GUEST_CACHE/.boot.lock.N (N < slots) for
# as long as its qemu runs; benchmarks hold every slot so that no boot
# runs beside what they measure.  Kept out of common.sh, whose text is
# part of every cached guest's key.

boot_slots_dir () { echo "${V2KVM_GUEST_CACHE:-/var/tmp/v2kvm-guests}"; }

boot_slots_count () {
  local s=${V2KVM_BOOT_SLOTS:-}
  if [ -z "$s" ]; then
    s=$(nproc 2>/dev/null || echo 1)
    [ "$s" -le 2 ] 2>/dev/null || s=2
  fi
  case $s in ''|*[!0-9]*|0) s=1 ;; esac
  echo "$s"
}

# boot_slot_take VAR: wait for a free slot and hold it on a new file
# descriptor whose number is stored in VAR (close it, or exit, to free
# the slot).
boot_slot_take () {
  local __var=$1 __dir __n __slots __fd __said=
  __dir=$(boot_slots_dir)
  __slots=$(boot_slots_count)
  mkdir -p "$__dir"
  while :; do
    for ((__n = 0; __n < __slots; __n++)); do
      exec {__fd}>"$__dir/.boot.lock.$__n"
      if flock -n "$__fd"; then
        printf -v "$__var" %s "$__fd"
        return 0
      fi
      exec {__fd}>&-
    done
    [ -n "$__said" ] ||
      echo "waiting for a guest boot slot (all $__slots in use)" >&2
    __said=1
    sleep 2
  done
}

# boot_slots_hold_all / boot_slots_release_all: hold every slot, waiting
# for each in turn, so that no guest boots beside what a benchmark
# measures; then free them.
boot_slots_held=()
boot_slots_hold_all () {
  local n fd slots
  slots=$(boot_slots_count)
  mkdir -p "$(boot_slots_dir)"
  for ((n = 0; n < slots; n++)); do
    exec {fd}>"$(boot_slots_dir)/.boot.lock.$n"
    flock "$fd"
    boot_slots_held+=("$fd")
  done
}
boot_slots_release_all () {
  local fd
  for fd in "${boot_slots_held[@]}"; do exec {fd}>&-; done
  boot_slots_held=()
}
