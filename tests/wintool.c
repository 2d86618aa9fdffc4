/* SPDX-License-Identifier: BSD-3-Clause */
/* wintool: run the Windows fixup on raw images, for the tests, through
 * the fixup table's entry windows_fixup as `v2kvm fixup` does
 * (windows_fixup_images, guest-fixups/windows.h).
 *
 *   wintool [--virtio-win PATH] [--block-driver virtio-blk|virtio-scsi]
 *           [--mac MAC]... IMAGE...
 *
 * The --mac values are the NICs' MACs in configuration order: they go
 * in as fixup_options.source_macs (fixup.h), as the converter passes a
 * source VM's NICs without --mac.
 * Prints the capabilities as "key=value" lines on success; on failure
 * prints "v2kvm: <message>" (like convert/main.c) and exits with the
 * program's exit code for the error (7 for a refused guest).
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "windows.h"

int
main (int argc, char **argv)
{
  static const struct option lo[] = {
    { "virtio-win", required_argument, NULL, 'w' },
    { "block-driver", required_argument, NULL, 'b' },
    { "mac", required_argument, NULL, 'm' },
    { "verbose", no_argument, NULL, 'v' },
    { NULL, 0, NULL, 0 }
  };
  string_vector macs = empty_vector;    /* the NICs' MACs, in order */
  struct fixup_options o = { .source_macs = &macs };
  struct guestcaps c = { 0 };
  bool esp_fallback = false;
  int opt, r;

  while ((opt = getopt_long (argc, argv, "v", lo, NULL)) != -1) {
    switch (opt) {
    case 'w': o.virtio_win = optarg; break;
    case 'b':
      if (strcmp (optarg, "virtio-scsi") == 0)
        o.virtio_scsi = true;
      else if (strcmp (optarg, "virtio-blk") != 0) {
        fprintf (stderr, "v2kvm: unknown block driver '%s'\n", optarg);
        string_vector_reset (&macs);
        return 2;
      }
      break;
    case 'm': string_vector_append (&macs, optarg); break;
    case 'v': v2k_verbose = true; break;
    default: return 2;
    }
  }
  if (optind >= argc) {
    fprintf (stderr, "v2kvm: wintool: no image\n");
    string_vector_reset (&macs);
    return 2;
  }
  r = windows_fixup_images ((const char *const *) argv + optind,
                            argc - optind, &o, &c, &esp_fallback);
  string_vector_reset (&macs);        /* the strings are argv's */
  if (r == -1) {
    fprintf (stderr, "v2kvm: %s\n", get_error ());
    return exit_code_for ();
  }
  printf ("block=%s\n", c.block_bus == CAPS_BLOCK_VIRTIO_BLK ? "virtio-blk" :
          c.block_bus == CAPS_BLOCK_VIRTIO_SCSI ? "virtio-scsi" : "sata");
  printf ("net=%s\n", c.net_model == CAPS_NET_VIRTIO ? "virtio" : "e1000e");
  printf ("firmware=%s\n", c.firmware == CAPS_FW_UEFI ? "uefi" : "bios");
  printf ("esp_fallback=%s\n", esp_fallback ? "added" : "none");
  printf ("rtc=%s\n", c.rtc_utc ? "utc" : "localtime");
  printf ("hyperv=%d\n", c.hyperv);
  printf ("virtio_rng=%d\nvirtio_balloon=%d\nqxl=%d\n",
          c.virtio_rng, c.virtio_balloon, c.video == CAPS_VIDEO_QXL);
  return 0;
}
