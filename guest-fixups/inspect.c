/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: open the guest's disks with libguestfs, choose the root, inspect
 * and mount it (guestfs(3) "INSPECTION").
 *
 * The appliance runs with the direct backend.  Under broken nested KVM its
 * qemu fails at once ("failed to set MSR") or hangs, so with --accel auto
 * a launch that fails, or does not finish within KVM_LAUNCH_TIMEOUT_S, is
 * retried with TCG (backend setting force_tcg) after a warning.  (The
 * commands probe KVM first, convert/accel.c, and ask for TCG directly
 * when the probe fails; this is the safety net.)
 *
 * Root choice never prompts: "single" (the default) wants exactly one
 * root, "first" takes the first, "/dev/..." names one.  Roots that are
 * btrfs snapshots (subvolumes under .snapshots/, as snapper makes) are the
 * same system again and do not count.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "inspect.h"
#include "xalloc.h"

static void
free_strings (char **s)
{
  for (size_t i = 0; s && s[i]; ++i)
    free (s[i]);
  free (s);
}

/* libguestfs's launch error is several lines of advice: keep the first. */
static const char *
first_line (guestfs_h *g)
{
  static char buf[512];
  const char *msg = guestfs_last_error (g);

  snprintf (buf, sizeof buf, "%s", msg ? msg : "unknown error");
  buf[strcspn (buf, "\n")] = '\0';
  return buf;
}

/* fixup_options.smp 0: the host's cores, at most this many. */
#define APPLIANCE_AUTO_SMP 4

static guestfs_h *
create_handle (const char *const *disks, const char *const *formats,
               size_t n, bool readonly, bool tcg, bool copy_on_read,
               unsigned smp)
{
  guestfs_h *g = guestfs_create ();

  if (g == NULL) {
    set_error_errno ("cannot create the libguestfs handle");
    error_set_kind (V2K_ERR_HYPERVISOR);
    return NULL;
  }
  guestfs_set_error_handler (g, NULL, NULL);
  guestfs_set_backend (g, "direct");
  if (tcg) {
    char *settings[] = { (char *) "force_tcg", NULL };
    guestfs_set_backend_settings (g, settings);
  }
  if (v2k_verbose && getenv ("LIBGUESTFS_DEBUG"))
    guestfs_set_verbose (g, 1);
  /* The initramfs rebuild runs compressors and many short processes: a
   * second vCPU takes ~15% off it under TCG (measured: update-initramfs
   * 46 s -> 40 s on this 2-core host), more with KVM.  One conversion
   * alone gets the host's cores; side by side, the caller divides them
   * (fixup_options.smp). */
  if (smp == 0) {
    long cpus = sysconf (_SC_NPROCESSORS_ONLN);
    smp = cpus < 1 ? 1 : cpus > APPLIANCE_AUTO_SMP ? APPLIANCE_AUTO_SMP
      : (unsigned) cpus;
  }
  guestfs_set_smp (g, (int) smp);
  for (size_t i = 0; i < n; ++i) {
    int r = guestfs_add_drive_opts (g, disks[i],
                                    GUESTFS_ADD_DRIVE_OPTS_FORMAT, formats[i],
                                    GUESTFS_ADD_DRIVE_OPTS_READONLY, readonly,
                                    GUESTFS_ADD_DRIVE_OPTS_DISCARD,
                                    readonly ? "disable" : "besteffort",
                                    GUESTFS_ADD_DRIVE_OPTS_COPYONREAD,
                                    copy_on_read && !readonly,
                                    -1);
    if (r == -1) {
      set_error (ENOENT, "cannot add disk '%s': %s", disks[i],
                 guestfs_last_error (g));
      error_set_kind (V2K_ERR_INPUT);
      guestfs_close (g);
      return NULL;
    }
  }
  return g;
}

/* ---- launch watchdog ----
 * guestfs_launch blocks until the appliance's daemon answers and has no
 * timeout of its own, and the appliance's pid is known only afterwards.
 * While it runs, a thread watches for SIGINT/SIGTERM (v2k_interrupted)
 * and a deadline: nested KVM can hang inside the kernel instead of
 * failing, and the probe in convert/accel.c cannot catch every such
 * host; under TCG the appliance boots in 10-30 s but was once seen
 * spinning for 33 minutes (a CI run, 2026-11-29), so a TCG launch gets
 * a generous deadline (V2KVM_LAUNCH_TIMEOUT seconds, default 300) and
 * one retry.  Either way it kills our qemu children (the direct backend
 * forks qemu itself), so the launch returns an error. */
#define KVM_LAUNCH_TIMEOUT_S 120
#define TCG_LAUNCH_TIMEOUT_S 300

static int
tcg_launch_timeout (void)
{
  const char *s = getenv ("V2KVM_LAUNCH_TIMEOUT");
  char *end;
  long v = s ? strtol (s, &end, 10) : 0;

  if (s && *s && *end == '\0' && v > 0 && v <= 86400)
    return (int) v;
  return TCG_LAUNCH_TIMEOUT_S;
}

struct watchdog {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool done;
  bool timed_out;
  int timeout_s;                /* 0: none */
};

static void
kill_qemu_children (void)
{
  DIR *d = opendir ("/proc");
  struct dirent *e;
  pid_t self = getpid ();

  if (d == NULL)
    return;
  while ((e = readdir (d)) != NULL) {
    char path[64], buf[512], *rp;
    long pid = strtol (e->d_name, &rp, 10), ppid;
    FILE *f;

    if (*rp || pid <= 0)
      continue;
    snprintf (path, sizeof path, "/proc/%ld/stat", pid);
    if ((f = fopen (path, "re")) == NULL)
      continue;
    if (fgets (buf, sizeof buf, f) == NULL)
      buf[0] = '\0';
    fclose (f);
    /* "pid (comm) state ppid ...": comm may contain spaces and ')'. */
    char *open = strchr (buf, '('), *close = strrchr (buf, ')');
    if (!open || !close || sscanf (close + 1, " %*c %ld", &ppid) != 1 ||
        ppid != self || strncmp (open + 1, "qemu", 4) != 0)
      continue;
    kill ((pid_t) pid, SIGKILL);
  }
  closedir (d);
}

static void *
watchdog_main (void *arg)
{
  struct watchdog *w = arg;
  struct timespec start, now;

  clock_gettime (CLOCK_MONOTONIC, &start);
  pthread_mutex_lock (&w->lock);
  while (!w->done) {
    struct timespec t;
    clock_gettime (CLOCK_REALTIME, &t);
    t.tv_nsec += 200 * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
      t.tv_sec++;
      t.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait (&w->cond, &w->lock, &t);
    if (w->done)
      break;
    clock_gettime (CLOCK_MONOTONIC, &now);
    w->timed_out = w->timeout_s && now.tv_sec - start.tv_sec >= w->timeout_s;
    if (v2k_interrupted || w->timed_out)
      kill_qemu_children ();    /* again later if qemu is not started yet */
  }
  pthread_mutex_unlock (&w->lock);
  return NULL;
}

/* guestfs_launch under the watchdog; *timed_out says whether it killed
 * the appliance for taking longer than timeout_s. */
static int
watched_launch (guestfs_h *g, int timeout_s, bool *timed_out)
{
  struct watchdog w = {
    .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,
    .timeout_s = timeout_s,
  };
  bool watching = pthread_create (&w.thread, NULL, watchdog_main, &w) == 0;
  int r = guestfs_launch (g);

  if (watching) {
    pthread_mutex_lock (&w.lock);
    w.done = true;
    pthread_cond_signal (&w.cond);
    pthread_mutex_unlock (&w.lock);
    pthread_join (w.thread, NULL);
  }
  *timed_out = w.timed_out && r == -1;
  return r;
}

static volatile sig_atomic_t appliance_pid;

static void
kill_appliance (void)
{
  pid_t pid = appliance_pid;

  if (pid > 0)
    kill (pid, SIGKILL);
}

guestfs_h *
inspect_launch (const char *const *disks, const char *const *formats,
                size_t n, const struct fixup_options *opts, bool *used_tcg)
{
  bool tcg = opts->accel == FIXUP_ACCEL_TCG;
  int tcg_timeout = tcg_launch_timeout ();
  bool tcg_retried = false;
  guestfs_h *g;

  for (;;) {
    g = create_handle (disks, formats, n, opts->dry_run, tcg,
                       opts->copy_on_read, opts->smp);
    if (g == NULL)
      return NULL;
    debug ("launching the libguestfs appliance (%s)", tcg ? "tcg" : "kvm");
    bool timed_out;
    int timeout = tcg ? tcg_timeout : KVM_LAUNCH_TIMEOUT_S;
    if (watched_launch (g, timeout, &timed_out) == 0)
      break;
    if (check_interrupted () == -1) {
      guestfs_close (g);
      return NULL;
    }
    char why[600];
    if (timed_out)
      snprintf (why, sizeof why, "it did not boot within %d s%s", timeout,
                tcg ? " (V2KVM_LAUNCH_TIMEOUT sets the limit)"
                : "; nested KVM can hang like this");
    else
      snprintf (why, sizeof why, "%s", first_line (g));
    if (tcg && timed_out && !tcg_retried) {
      warning ("appliance-slow", "the libguestfs appliance did not boot within %d s under "
               "TCG; retrying once", timeout);
      guestfs_close (g);
      tcg_retried = true;
      continue;
    }
    if (tcg || opts->accel == FIXUP_ACCEL_KVM) {
      set_error (EIO, "cannot launch the libguestfs appliance%s: %s",
                 tcg ? " with TCG" : "", why);
      if (!tcg)
        prepend_error ("%s", "--accel kvm: ");
      error_set_kind (V2K_ERR_HYPERVISOR);
      guestfs_close (g);
      return NULL;
    }
    warning ("appliance-no-kvm", "the libguestfs appliance failed to launch with KVM (%s); "
             "retrying with software emulation (TCG)", why);
    guestfs_close (g);
    tcg = true;
  }
  *used_tcg = tcg;
  /* SIGINT/SIGTERM: stop the appliance so the call in progress returns. */
  appliance_pid = guestfs_get_pid (g);
  v2k_interrupt_hook = kill_appliance;
  if (check_interrupted () == -1) {
    inspect_close (g);
    return NULL;
  }
  return g;
}

void
inspect_close (guestfs_h *g)
{
  v2k_interrupt_hook = NULL;
  appliance_pid = 0;
  guestfs_close (g);
}

/* A btrfs snapshot root: "btrfsvol:/dev/sda2/@/.snapshots/1/snapshot". */
static bool
is_snapshot_root (const char *root)
{
  return strncmp (root, "btrfsvol:", 9) == 0 &&
    strstr (root, "/.snapshots/") != NULL;
}

static char *
describe_roots (guestfs_h *g, char *const *roots)
{
  char *s = xstrdup ("");

  for (size_t i = 0; roots[i]; ++i) {
    CLEANUP_FREE char *prod = guestfs_inspect_get_product_name (g, roots[i]);
    char *t = xasprintf ("%s%s%s (%s)", s, i ? ", " : "", roots[i],
                         prod ? prod : "unknown");
    free (s);
    s = t;
  }
  return s;
}

static char *
pick_root (guestfs_h *g, char *const *roots, size_t nr, const char *how)
{
  CLEANUP_FREE char *list = NULL;

  if (nr == 0) {
    set_error (ENOENT, "no operating system found on the disks");
    error_set_kind (V2K_ERR_GUEST);
    error_set_code ("no-os");
    return NULL;
  }
  if (strcmp (how, "first") == 0 || (strcmp (how, "single") == 0 && nr == 1))
    return xstrdup (roots[0]);
  for (size_t i = 0; how[0] == '/' && i < nr; ++i)
    if (strcmp (roots[i], how) == 0)
      return xstrdup (roots[i]);
  list = describe_roots (g, roots);
  if (strcmp (how, "single") == 0)
    set_error (EINVAL, "the disks hold %zu operating systems: %s; choose "
               "one with --root first or --root DEVICE", nr, list);
  else
    set_error (EINVAL, "--root '%s' is not an operating system root; the "
               "roots are: %s", how, list);
  error_set_kind (V2K_ERR_GUEST);
  error_set_code ("several-os");
  return NULL;
}

char *
inspect_choose_root (guestfs_h *g, const char *how)
{
  char **all = guestfs_inspect_os (g);
  char *root;
  size_t nr = 0;

  if (all == NULL) {
    set_error (EIO, "inspection failed: %s", guestfs_last_error (g));
    error_set_kind (V2K_ERR_GUEST);
    return NULL;
  }
  for (size_t i = 0; all[i]; ++i) {
    if (is_snapshot_root (all[i]))
      free (all[i]);
    else
      all[nr++] = all[i];
  }
  all[nr] = NULL;
  root = pick_root (g, all, nr, how ? how : "single");
  free_strings (all);
  return root;
}

static int
cmp_mountpoint (const void *a, const void *b)
{
  const char *const *x = a, *const *y = b;
  size_t lx = strlen (x[0]), ly = strlen (y[0]);

  return lx != ly ? (lx < ly ? -1 : 1) : strcmp (x[0], y[0]);
}

/* Fill in->mountpoints, shortest mountpoint first. */
static int
get_mountpoints (guestfs_h *g, struct inspect *in)
{
  char **mp = guestfs_inspect_get_mountpoints (g, in->root);
  size_t n = 0;

  if (mp == NULL) {
    set_error (EIO, "inspection: %s", guestfs_last_error (g));
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  while (mp[2 * n])
    ++n;
  qsort (mp, n, 2 * sizeof (char *), cmp_mountpoint);
  /* an fstab naming / by a UUID that no longer matches: mount the root */
  if (n == 0 || strcmp (mp[0], "/") != 0) {
    string_vector_append (&in->mountpoints, xstrdup ("/"));
    string_vector_append (&in->mountpoints, xstrdup (in->root));
  }
  for (size_t i = 0; i < 2 * n; ++i)
    string_vector_append (&in->mountpoints, mp[i]);
  free (mp);
  return 0;
}

int
inspect_fill (guestfs_h *g, const char *root, struct inspect *in)
{
  in->root = xstrdup (root);
  in->type = guestfs_inspect_get_type (g, root);
  in->distro = guestfs_inspect_get_distro (g, root);
  in->product_name = guestfs_inspect_get_product_name (g, root);
  in->arch = guestfs_inspect_get_arch (g, root);
  in->major = guestfs_inspect_get_major_version (g, root);
  in->minor = guestfs_inspect_get_minor_version (g, root);
  if (!in->type || !in->distro || !in->product_name || !in->arch) {
    set_error (EIO, "inspection of '%s': %s", root, guestfs_last_error (g));
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  return get_mountpoints (g, in);
}

int
inspect_mount (guestfs_h *g, struct inspect *in, bool readonly)
{
  if (guestfs_umount_all (g) == -1) {
    set_error (EIO, "cannot unmount the guest: %s", guestfs_last_error (g));
    error_set_kind (V2K_ERR_GUEST);
    return -1;
  }
  for (size_t i = 0; i < in->mountpoints.len; i += 2) {
    const char *mp = in->mountpoints.ptr[i], *dev = in->mountpoints.ptr[i + 1];
    int r = readonly ? guestfs_mount_ro (g, dev, mp) : guestfs_mount (g, dev, mp);
    if (r == 0)
      continue;
    if (strcmp (mp, "/") == 0) {
      set_error (EIO, "cannot mount the root filesystem '%s': %s", dev,
                 guestfs_last_error (g));
      error_set_kind (V2K_ERR_GUEST);
      error_set_code ("root-unmountable");
      return -1;
    }
    warning ("mount-failed", "cannot mount '%s' on '%s': %s", dev, mp, guestfs_last_error (g));
  }
  in->has_systemd =
    guestfs_is_file_opts (g, "/lib/systemd/systemd",
                          GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) > 0 ||
    guestfs_is_file_opts (g, "/usr/lib/systemd/systemd",
                          GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) > 0;
  return 0;
}

/* The guest's name for an appliance device: disks keep their order, so
 * /dev/sdb2 is /dev/vdb2 on virtio-blk. */
char *
inspect_guest_device (const char *dev)
{
  if (strncmp (dev, "/dev/sd", 7) == 0)
    return xasprintf ("/dev/vd%s", dev + 7);
  return xstrdup (dev);
}

/* UEFI when the guest mounts an EFI system partition (/boot/efi, /efi);
 * the ESP type GUID alone is not enough (BIOS guests may carry one). */
void
inspect_firmware (const struct inspect *in, struct guestcaps *caps,
                  char **esp)
{
  caps->firmware = CAPS_FW_BIOS;
  for (size_t i = 0; i < in->mountpoints.len; i += 2) {
    const char *mp = in->mountpoints.ptr[i];
    if (strcmp (mp, "/boot/efi") == 0 || strcmp (mp, "/efi") == 0) {
      caps->firmware = CAPS_FW_UEFI;
      free (*esp);
      *esp = inspect_guest_device (in->mountpoints.ptr[i + 1]);
    }
  }
}
