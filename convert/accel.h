/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: choosing KVM or TCG for the appliance and the converted guest.
 *
 * /dev/kvm existing does not mean KVM works: under broken nested
 * virtualisation qemu aborts ("failed to set MSR 0x10a") or hangs as soon
 * as the guest leaves real mode.  Before starting anything slow, v2kvm
 * boots the kernel the appliance will use with accel=kvm and -cpu host and
 * waits a few seconds for its first console line. */
#ifndef V2K_ACCEL_H
#define V2K_ACCEL_H

#include <stdbool.h>

enum accel { ACCEL_AUTO = 0, ACCEL_KVM, ACCEL_TCG };

/* Parse "auto", "kvm" or "tcg"; -1 if none. */
int accel_parse (const char *s);
const char *accel_name (enum accel a);

/* True if a KVM guest runs: the kernel the appliance will boot
 * ($V2KVM_PROBE_KERNEL, $SUPERMIN_KERNEL, else /boot/vmlinuz-*; "none"
 * for the 512-byte boot sector) must print its first log line under
 * accel=kvm within 10 s.  On false, *why (if not NULL) gets a one-line
 * reason the caller frees.  The qemu binary is $V2KVM_QEMU if set, else
 * qemu-system-x86_64.  The answer is kept per process and, in
 * /var/tmp/v2kvm-UID/kvm-probe, until the host reboots or the qemu binary
 * or kernel change; fresh = true probes again regardless. */
bool accel_kvm_probe (bool fresh, char **why);
/* accel_kvm_probe (false, why). */
bool accel_kvm_works (char **why);

/* Resolve requested (auto/kvm/tcg) into kvm or tcg in *out.  auto is
 * accel_auto_wants_kvm(); kvm when KVM does not work
 * is an error (V2K_ERR_HYPERVISOR) telling the user about --accel tcg.
 * 0 or -1 + set_error. */
int accel_choose (enum accel requested, enum accel *out);

/* PROG as execvp finds it (absolute, symlinks resolved), or NULL. */
char *find_program (const char *prog);

/* For --accel auto, before an appliance starts: true when the probe says
 * KVM works (the launch may still fail and be retried with TCG), false
 * after a warning with the reason when it does not, so the caller asks
 * for TCG at once instead of waiting for a launch that hangs. */
bool accel_auto_wants_kvm (void);

#endif /* V2K_ACCEL_H */
