/* v2kvm: `v2kvm fixup [OPTIONS] DISK...`: convert a Linux guest in place
 * so it boots on KVM virtio (virt-v2v-in-place's job; the work is done by
 * guest-fixups/, see fixup.h).
 *
 *   --root single|first|/dev/...   which OS root (never prompts)
 *   --dry-run                      changes go to a throwaway overlay,
 *                                  commands are only listed
 *   --machine-readable             one JSON object on stdout
 *   --accel auto|kvm|tcg           appliance acceleration (auto retries
 *                                  a failed KVM launch with TCG)
 *   --mac NAME=MAC                 MAC of interface NAME from the source
 *                                  config, when the guest does not say
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
#include <unistd.h>

#include "cleanup.h"
#include "commands.h"
#include "error.h"
#include "fixup.h"
#include "json.h"
#include "vector.h"

static string_vector json_warnings = empty_vector;

static void
collect_warning (const char *msg)
{
  string_vector_append (&json_warnings, xstrdup (msg));
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

static void
print_text (const struct fixup_result *res, bool dry_run)
{
  const struct guestcaps *c = &res->caps;

  for (size_t i = 0; i < res->changes.len; ++i)
    printf ("fixup: %s: %s\n", res->changes.ptr[i].file,
            res->changes.ptr[i].what);
  printf ("guest: %s (%s, root %s)\n", res->inspect.product_name,
          res->inspect.distro, res->inspect.root);
  printf ("caps: block=%s net=%s machine=%s firmware=%s%s%s kernel=%s "
          "virtio-rng=%s virtio-balloon=%s rtc=%s\n",
          caps_block_bus_name (c->block_bus), caps_net_model_name (c->net_model),
          caps_machine_name (c->machine), caps_firmware_name (c->firmware),
          c->esp ? " esp=" : "", c->esp ? c->esp : "", c->kernel,
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

static void
print_json (const struct fixup_result *res, bool dry_run)
{
  const struct guestcaps *c = &res->caps;

  printf ("{\"dry_run\":%s,", dry_run ? "true" : "false");
  json_member ("accel", res->used_tcg ? "tcg" : "kvm", true);
  json_member ("root", res->inspect.root, true);
  json_member ("distro", res->inspect.distro, true);
  json_member ("product", res->inspect.product_name, true);
  printf ("\"changes\":[");
  for (size_t i = 0; i < res->changes.len; ++i) {
    printf ("%s{", i ? "," : "");
    json_member ("file", res->changes.ptr[i].file, true);
    json_member ("change", res->changes.ptr[i].what, false);
    putchar ('}');
  }
  printf ("],\"warnings\":[");
  for (size_t i = 0; i < json_warnings.len; ++i) {
    printf ("%s", i ? "," : "");
    json_string (stdout, json_warnings.ptr[i]);
  }
  printf ("],\"caps\":{");
  json_member ("block_bus", caps_block_bus_name (c->block_bus), true);
  json_member ("net_model", caps_net_model_name (c->net_model), true);
  json_member ("machine", caps_machine_name (c->machine), true);
  json_member ("firmware", caps_firmware_name (c->firmware), true);
  json_member ("esp", c->esp, true);
  json_member ("kernel", c->kernel, true);
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
    { "mac", required_argument, NULL, 'M' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  struct fixup_options opts = { .root = "single" };
  struct fixup_result res = { 0 };
  string_vector macs = empty_vector;
  bool json = false;
  const char **disks, **formats;
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
    case 'M':
      if (!valid_mac_option (optarg))
        return usage_error ("fixup: --mac takes NAME=xx:xx:xx:xx:xx:xx, "
                            "not '%s'", optarg);
      string_vector_append (&macs, optarg);
      break;
    case 'h':
      printf ("usage: v2kvm fixup [--root single|first|/dev/...] [--dry-run] "
              "[--machine-readable] [--accel auto|kvm|tcg] [--mac NAME=MAC] "
              "DISK...\n");
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
  for (int i = 0; i < n && ret == 0; ++i)
    if ((formats[i] = disk_format (disks[i], opts.dry_run)) == NULL)
      ret = report_error ();
  opts.macs = &macs;
  if (json)
    warning_hook = collect_warning;
  if (ret == 0 &&
      fixup_disks (disks, formats, n, &opts, &res) == -1)
    ret = report_error ();
  else if (ret == 0 && json)
    print_json (&res, opts.dry_run);
  else if (ret == 0)
    print_text (&res, opts.dry_run);
  warning_hook = NULL;
  string_vector_free_all (&json_warnings);
  fixup_result_free (&res);
  string_vector_reset (&macs);
  free (formats);
  return ret;
}
