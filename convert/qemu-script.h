/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: -o qemu: the shell script that boots a converted guest with
 * qemu directly (qemu-script.c). */
#ifndef V2K_QEMU_SCRIPT_H
#define V2K_QEMU_SCRIPT_H

#include <stddef.h>

#include "domxml.h"
#include "guest.h"
#include "guestcaps.h"

/* The script text (malloc'd): qemu-system-x86_64 (or i386) with the
 * guest's memory, vCPUs, machine, firmware, disks (targets, in order),
 * NICs with their MACs on user networking, and the devices caps allows.
 * The accelerator is $ACCEL (default kvm; ACCEL=tcg where KVM does not
 * work); extra arguments are appended to qemu's.  Never fails. */
char *qemu_script (const char *name, const struct guest *g,
                   const struct guestcaps *caps,
                   const struct domxml_target *targets, size_t n);

#endif /* V2K_QEMU_SCRIPT_H */
