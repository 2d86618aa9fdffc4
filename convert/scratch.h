/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the conversion's scratch directory (overlays, NBD sockets),
 * under $V2KVM_TMPDIR, else $TMPDIR, else /var/tmp.  Removed with
 * everything in it when the conversion ends, whatever the outcome. */
#ifndef V2K_SCRATCH_H
#define V2K_SCRATCH_H

/* Create it; returns its path (owned by this module) or NULL +
 * set_error.  Registers removal at exit. */
const char *scratch_dir (void);

/* Remove it now (idempotent). */
void scratch_cleanup (void);

/* Create a qcow2 overlay in the scratch directory whose backing file is
 * backing_uri (raw), with virtual size size.  Returns its path (caller
 * frees) or NULL + set_error.  Runs qemu-img. */
char *overlay_create (const char *backing_uri, unsigned long long size,
                      const char *name);

#endif /* V2K_SCRATCH_H */
