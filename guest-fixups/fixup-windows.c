/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the Windows entry of the fixup table (guest-fixups/windows.c,
 * docs/windows.md), so `v2kvm fixup` converts Windows guests too.
 *
 * windows_convert() works on the same struct fx as the Linux fixups:
 * it does its own read-only checks and mounting, reads the fixup options
 * (fixup.h; the MACs it uses to re-apply static IPv4 settings: windows.c
 * nic_macs), keeps its own state in fx->win and fills fx->caps directly
 * (the fields its drivers decide).  Its changes are not itemised: one
 * change line summarises them.
 */
#include <config.h>

#include <string.h>

#include "fixup-internal.h"
#include "windows.h"

static bool
windows_matches (const struct fixup *f, const struct inspect *in)
{
  return strcmp (in->type, "windows") == 0;
}

static int
windows_fixup_convert (const struct fixup *f, struct fx *fx)
{
  if (windows_convert (fx) == -1)
    return -1;
  fx_log (fx, "windows", "virtio drivers installed (disk %s, network %s)",
          fx->caps->block_bus == CAPS_BLOCK_SATA ? "stays on SATA" : "virtio",
          fx->caps->net_model == CAPS_NET_VIRTIO ? "virtio" : "e1000e");
  if (fx->win->esp_fallback_added)
    fx_log (fx, "ESP /EFI/Boot/bootx64.efi",
            "fallback loader: copy of EFI/Microsoft/Boot/bootmgfw.efi");
  return 0;
}

const struct fixup windows_fixup = {
  .name = "windows",
  .matches = windows_matches,
  .convert = windows_fixup_convert,
};
