/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: `v2kvm fixup [OPTIONS] DISK...`: convert a Linux guest in place
 * so it boots on KVM virtio (virt-v2v-in-place's job; the work is done by
 * guest-fixups/, see fixup.h).
 *
 *   --root single|first|/dev/...   which OS root (never prompts)
 *   --dry-run                      changes go to a throwaway overlay,
 *                                  commands are only listed
 *   --machine-readable             JSON lines on stdout
 *                                  (docs/machine-readable.md)
 *   --accel auto|kvm|tcg           appliance acceleration (auto retries
 *                                  a failed KVM launch with TCG)
 *   --smp N                        appliance vCPUs (default: cores, at
 *                                  most 4)
 *   --mac NAME=MAC                 MAC of interface NAME from the source
 *                                  config, when the guest does not say
 *   --virtio-win PATH              Windows: the virtio-win ISO/directory
 *   --block-driver virtio-scsi     Windows: boot disk on vioscsi
 *   --rebuild-initramfs            run the guest's initramfs tool even
 *                                  where the image can be patched
 *
 * Disks are raw or qcow2 (probed by magic); other formats are for
 * `v2kvm convert`.  Output: one "fixup: FILE: WHAT" line per change, then
 * the guest and its capabilities.  Exit 7 when the guest cannot be
 * converted, 8 when the appliance cannot run.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "cleanup.h"
#include "commands.h"
#include "error.h"
#include "fixup.h"
#include "json.h"
#include "vector.h"

/* --machine-readable: JSON lines (docs/machine-readable.md, version 1):
 * start, warning (as they happen), change (one per change), error, and
 * always a final result line. */
static void
json_start (const char *const *disks, int n, bool dry_run)
{
  printf ("{\"type\":\"start\",\"version\":1,\"command\":\"fixup\","
          "\"dry_run\":%s,\"disks\":[", dry_run ? "true" : "false");
  for (int i = 0; i < n; ++i) {
    printf ("%s", i ? "," : "");
    json_string (stdout, disks[i]);
  }
  printf ("]}\n");
  fflush (stdout);
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "raw" or "qcow2" by magic; NULL + set_error for others. */
static const char *
disk_format (const char *path, bool dry_run)
{
  unsigned char m[8] = { 0 };
  CLEANUP_CLOSE int fd = open (path, dry_run ? O_RDONLY : O_RDWR);

  if (fd == -1) {
    set_error_errno ("cannot open '%s'%s", path,
                     dry_run ? "" : " for writing");
    return NULL;
  }
  if (read (fd, m, sizeof m) < 0) {
    set_error_errno ("cannot read '%s'", path);
    return NULL;
  }
  if (memcmp (m, "QFI\xfb", 4) == 0)
    return "qcow2";
  if (memcmp (m, "KDMV", 4) == 0 || memcmp (m, "# Disk D", 8) == 0 ||
      memcmp (m, "conectix", 8) == 0 || memcmp (m, "vhdxfile", 8) == 0) {
    set_error (ENOTSUP, "'%s': fixup works on raw or qcow2 disks; convert "
               "this one with 'v2kvm convert'", path);
    return NULL;
  }
  return "raw";
}

static bool
valid_mac_option (const char *s)
{
  const char *eq = strchr (s, '=');

  if (eq == NULL || eq == s || strlen (eq + 1) != 17)
    return false;
  for (size_t i = 0; i < 17; ++i)
    if (i % 3 == 2 ? eq[1 + i] != ':' : !isxdigit ((unsigned char) eq[1 + i]))
      return false;
  return true;
}

static const char *
block_bus_name (enum caps_block_bus b)
{
  return b == CAPS_BLOCK_VIRTIO_BLK ? "virtio-blk" :
    b == CAPS_BLOCK_VIRTIO_SCSI ? "virtio-scsi" :
    b == CAPS_BLOCK_SATA ? "sata" : "ide";
}

static const char *
net_model_name (enum caps_net_model m)
{
  return m == CAPS_NET_VIRTIO ? "virtio" : m == CAPS_NET_E1000E ? "e1000e" :
    m == CAPS_NET_E1000 ? "e1000" : "rtl8139";
}

static const char *
machine_name (enum caps_machine m)
{
  return m == CAPS_MACHINE_Q35 ? "q35" : "pc";
}

static const char *
firmware_name (enum caps_firmware f)
{
  return f == CAPS_FW_UEFI ? "uefi" : "bios";
}

static void
print_text (const struct fixup_result *res, bool dry_run)
{
  const struct guestcaps *c = &res->caps;

  for (size_t i = 0; i < res->changes.len; ++i)
    printf ("fixup: %s: %s\n", res->changes.ptr[i].file,
            res->changes.ptr[i].what);
  printf ("guest: %s (%s, root %s)\n", res->inspect.product_name,
          res->inspect.distro, res->inspect.root);
  printf ("caps: block=%s net=%s machine=%s firmware=%s%s%s%s%s "
          "virtio-rng=%s virtio-balloon=%s rtc=%s\n",
          block_bus_name (c->block_bus), net_model_name (c->net_model),
          machine_name (c->machine), firmware_name (c->firmware),
          res->esp ? " esp=" : "", res->esp ? res->esp : "",
          res->kernel ? " kernel=" : "", res->kernel ? res->kernel : "",
          c->virtio_rng ? "yes" : "no", c->virtio_balloon ? "yes" : "no",
          c->rtc_utc ? "utc" : "localtime");
  if (dry_run)
    printf ("dry run: nothing was written to the disks\n");
}

static void
json_member (const char *key, const char *value, bool comma)
{
  json_string (stdout, key);
  putchar (':');
  json_string (stdout, value);
  if (comma)
    putchar (',');
}

/* The change lines, then the result line (ok or not). */
static void
json_end (const struct fixup_result *res, int exit_code, double seconds)
{
  const struct guestcaps *c = &res->caps;

  if (exit_code) {
    printf ("{\"type\":\"error\",\"message\":");
    json_string (stdout, get_error ());
    printf (",\"exit\":%d}\n", exit_code);
    printf ("{\"type\":\"result\",\"version\":1,\"ok\":false,"
            "\"exit\":%d,\"seconds\":%.3f}\n", exit_code, seconds);
    return;
  }
  for (size_t i = 0; i < res->changes.len; ++i) {
    printf ("{\"type\":\"change\",");
    json_member ("file", res->changes.ptr[i].file, true);
    json_member ("change", res->changes.ptr[i].what, false);
    printf ("}\n");
  }
  printf ("{\"type\":\"result\",\"version\":1,\"ok\":true,\"exit\":0,"
          "\"seconds\":%.3f,", seconds);
  json_member ("accel", res->used_tcg ? "tcg" : "kvm", true);
  printf ("\"smp\":%u,", res->smp);
  json_member ("root", res->inspect.root, true);
  json_member ("distro", res->inspect.distro, true);
  json_member ("product", res->inspect.product_name, true);
  json_member ("kernel", res->kernel, true);
  json_member ("esp", res->esp, true);
  printf ("\"caps\":{");
  json_member ("block_bus", block_bus_name (c->block_bus), true);
  json_member ("net_model", net_model_name (c->net_model), true);
  json_member ("machine", machine_name (c->machine), true);
  json_member ("firmware", firmware_name (c->firmware), true);
  printf ("\"virtio_rng\":%s,\"virtio_balloon\":%s,\"rtc_utc\":%s}}\n",
          c->virtio_rng ? "true" : "false",
          c->virtio_balloon ? "true" : "false", c->rtc_utc ? "true" : "false");
}

int
cmd_fixup (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "root", required_argument, NULL, 'r' },
    { "dry-run", no_argument, NULL, 'n' },
    { "machine-readable", no_argument, NULL, 'm' },
    { "accel", required_argument, NULL, 'a' },
    { "smp", required_argument, NULL, 'S' },
    { "mac", required_argument, NULL, 'M' },
    { "virtio-win", required_argument, NULL, 'W' },
    { "block-driver", required_argument, NULL, 'B' },
    { "rebuild-initramfs", no_argument, NULL, 'I' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  struct fixup_options opts = { .root = "single" };
  struct fixup_result res = { 0 };
  string_vector macs = empty_vector;
  bool json = false;
  const char **disks, **formats;
  double t0 = now ();
  int c, n, ret = 0;

  optind = 1;
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 'r':
      if (strcmp (optarg, "single") && strcmp (optarg, "first") &&
          strncmp (optarg, "/dev/", 5))
        return usage_error ("fixup: --root takes single, first or /dev/...");
      opts.root = optarg;
      break;
    case 'n': opts.dry_run = true; break;
    case 'm': json = true; break;
    case 'a':
      if (strcmp (optarg, "auto") == 0) opts.accel = FIXUP_ACCEL_AUTO;
      else if (strcmp (optarg, "kvm") == 0) opts.accel = FIXUP_ACCEL_KVM;
      else if (strcmp (optarg, "tcg") == 0) opts.accel = FIXUP_ACCEL_TCG;
      else return usage_error ("fixup: --accel takes auto, kvm or tcg");
      break;
    case 'S': {
      char *end;
      long v = strtol (optarg, &end, 10);
      if (*end || end == optarg || v < 1 || v > FIXUP_MAX_SMP)
        return usage_error ("fixup: --smp takes 1 to %d", FIXUP_MAX_SMP);
      opts.smp = (unsigned) v;
      break;
    }
    case 'M':
      if (!valid_mac_option (optarg))
        return usage_error ("fixup: --mac takes NAME=xx:xx:xx:xx:xx:xx, "
                            "not '%s'", optarg);
      string_vector_append (&macs, optarg);
      break;
    case 'W': opts.virtio_win = optarg; break;
    case 'I': opts.rebuild_initramfs = true; break;
    case 'B':
      if (strcmp (optarg, "virtio-blk") && strcmp (optarg, "virtio-scsi"))
        return usage_error ("fixup: --block-driver takes virtio-blk or "
                            "virtio-scsi");
      opts.virtio_scsi = strcmp (optarg, "virtio-scsi") == 0;
      break;
    case 'h':
      printf ("usage: v2kvm fixup [--root single|first|/dev/...] [--dry-run] "
              "[--machine-readable] [--accel auto|kvm|tcg] [--smp N] "
              "[--mac NAME=MAC] "
              "[--virtio-win PATH] [--block-driver virtio-blk|virtio-scsi] "
              "[--rebuild-initramfs] DISK...\n");
      return 0;
    default:
      return usage_error ("fixup: bad option");
    }
  }
  if (optind >= argc)
    return usage_error ("fixup: give the guest's disks");
  n = argc - optind;
  disks = (const char **) argv + optind;
  formats = xzalloc ((n + 1) * sizeof *formats);
  if (json) {
    warning_hook = json_warning_line;
    json_start ((const char *const *) disks, n, opts.dry_run);
  }
  for (int i = 0; i < n && ret == 0; ++i)
    if ((formats[i] = disk_format (disks[i], opts.dry_run)) == NULL)
      ret = report_error ();
  opts.macs = &macs;
  if (ret == 0 && opts.accel == FIXUP_ACCEL_AUTO && !accel_auto_wants_kvm ())
    opts.accel = FIXUP_ACCEL_TCG;
  if (ret == 0 && fixup_disks (disks, formats, n, &opts, &res) == -1)
    ret = report_error ();
  if (json)
    json_end (&res, ret, now () - t0);
  else if (ret == 0)
    print_text (&res, opts.dry_run);
  warning_hook = NULL;
  fixup_result_free (&res);
  string_vector_reset (&macs);
  free (formats);
  return ret;
}
