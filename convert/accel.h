/* v2kvm: choosing KVM or TCG for the appliance and the converted guest.
 *
 * /dev/kvm existing does not mean KVM works: under broken nested
 * virtualisation qemu aborts ("failed to set MSR 0x10a") or hangs at the
 * first instruction.  Before starting anything slow, v2kvm boots a
 * 512-byte boot sector that prints one byte on the serial port, with
 * accel=kvm and -cpu host, and waits a few seconds for it. */
#ifndef V2K_ACCEL_H
#define V2K_ACCEL_H

#include <stdbool.h>

enum accel { ACCEL_AUTO = 0, ACCEL_KVM, ACCEL_TCG };

/* Parse "auto", "kvm" or "tcg"; -1 if none. */
int accel_parse (const char *s);
const char *accel_name (enum accel a);

/* True if a KVM guest runs.  On false, *why (if not NULL) gets a
 * one-line reason the caller frees.  The qemu binary is $V2KVM_QEMU if
 * set, else qemu-system-x86_64.  The answer is cached per process. */
bool accel_kvm_works (char **why);

/* Resolve requested (auto/kvm/tcg) into kvm or tcg in *out.  auto picks
 * TCG with a warning when KVM does not work; kvm when KVM does not work
 * is an error (V2K_ERR_HYPERVISOR) telling the user about --accel tcg.
 * 0 or -1 + set_error. */
int accel_choose (enum accel requested, enum accel *out);

#endif /* V2K_ACCEL_H */
