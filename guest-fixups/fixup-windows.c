/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the Windows entry of the fixup table: adapts windows_convert()
 * (guest-fixups/windows.c, docs/windows.md) to struct fixup, so
 * `v2kvm fixup` converts Windows guests too.
 *
 * windows_convert() does its own read-only checks and mounting and
 * fills fx->caps directly (the fields its drivers decide); the MACs
 * it uses to re-apply static IPv4 settings are the --mac values, in the
 * order given (Windows interface names do not matter), else all the
 * source VM's NICs' MACs, in order.  Its changes are
 * not itemised: one change line summarises them.
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
  const string_vector *m = fx->opts->macs;
  const string_vector *src = fx->opts->source_macs;
  struct windows_options wo = {
    .virtio_win = fx->opts->virtio_win,
    .virtio_scsi = fx->opts->virtio_scsi,
    .macs = empty_vector,
  };
  bool esp_fallback = false;
  bool given;
  int r;

  for (size_t i = 0; m && i < m->len; ++i)
    string_vector_append (&wo.macs, strchr (m->ptr[i], '=') + 1);
  /* Without --mac, all the source VM's NICs, in order (the converter
   * passes them; fixup.h source_macs). */
  given = wo.macs.len > 0;
  for (size_t i = 0; !given && src && i < src->len; ++i)
    if (src->ptr[i][0])
      string_vector_append (&wo.macs, src->ptr[i]);
  r = windows_convert (fx->g, fx->in->root, &wo, fx->caps, &esp_fallback);
  string_vector_reset (&wo.macs);       /* the strings are fx->opts' */
  if (r == -1)
    return -1;
  fx_log (fx, "windows", "virtio drivers installed (disk %s, network %s)",
          fx->caps->block_bus == CAPS_BLOCK_SATA ? "stays on SATA" : "virtio",
          fx->caps->net_model == CAPS_NET_VIRTIO ? "virtio" : "e1000e");
  if (esp_fallback)
    fx_log (fx, "ESP /EFI/Boot/bootx64.efi",
            "fallback loader: copy of EFI/Microsoft/Boot/bootmgfw.efi");
  return 0;
}

const struct fixup windows_fixup = {
  .name = "windows",
  .matches = windows_matches,
  .convert = windows_fixup_convert,
};
