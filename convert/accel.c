/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: KVM usability probe (see accel.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

#define PROBE_TIMEOUT_MS 10000

/* cli; mov dx,0x3f8; mov al,'K'; out dx,al; mov al,10; out dx,al;
 * 1: hlt; jmp 1b -- then the 0x55 0xAA boot signature at 510. */
static const unsigned char boot_code[] = {
  0xFA, 0xBA, 0xF8, 0x03, 0xB0, 0x4B, 0xEE, 0xB0, 0x0A, 0xEE, 0xF4, 0xEB, 0xFD
};

int
accel_parse (const char *s)
{
  if (strcmp (s, "auto") == 0) return ACCEL_AUTO;
  if (strcmp (s, "kvm") == 0) return ACCEL_KVM;
  if (strcmp (s, "tcg") == 0) return ACCEL_TCG;
  return -1;
}

const char *
accel_name (enum accel a)
{
  return a == ACCEL_KVM ? "kvm" : a == ACCEL_TCG ? "tcg" : "auto";
}

static int
write_boot_sector (char *path)
{
  unsigned char sector[512] = { 0 };
  int fd = mkstemp (path);

  if (fd == -1)
    return -1;
  memcpy (sector, boot_code, sizeof boot_code);
  sector[510] = 0x55;
  sector[511] = 0xAA;
  if (write (fd, sector, sizeof sector) != sizeof sector) {
    close (fd);
    return -1;
  }
  return close (fd);
}

static long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* First line of qemu's stderr that says what went wrong, or NULL. */
static char *
first_error_line (int fd)
{
  char buf[4096];
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
  char *line, *save = NULL;

  if (n <= 0)
    return NULL;
  buf[n] = '\0';
  for (line = strtok_r (buf, "\n", &save); line;
       line = strtok_r (NULL, "\n", &save))
    if (!strstr (line, "warning:"))
      return xstrdup (line);
  return NULL;
}

/* The kernel the libguestfs appliance will boot (supermin takes the
 * newest /boot/vmlinuz-*, or $SUPERMIN_KERNEL), or NULL.  The running
 * kernel's own image is preferred when readable. */
static char *
probe_kernel (void)
{
  const char *env = getenv ("V2KVM_PROBE_KERNEL");
  struct utsname u;
  char *best = NULL;
  DIR *d;
  struct dirent *e;

  if (env)
    return *env && strcmp (env, "none") ? xstrdup (env) : NULL;
  if ((env = getenv ("SUPERMIN_KERNEL")) && *env)
    return xstrdup (env);
  if (uname (&u) == 0) {
    char *p = xasprintf ("/boot/vmlinuz-%s", u.release);
    if (access (p, R_OK) == 0)
      return p;
    free (p);
  }
  if ((d = opendir ("/boot")) == NULL)
    return NULL;
  while ((e = readdir (d)) != NULL) {
    if (strncmp (e->d_name, "vmlinuz-", 8) != 0)
      continue;
    char *p = xasprintf ("/boot/%s", e->d_name);
    if (access (p, R_OK) == 0 && (!best || strverscmp (p, best) > 0)) {
      free (best);
      best = p;
    }
    else
      free (p);
  }
  closedir (d);
  return best;
}

/* Run the probe guest; returns true if it printed its marker on the
 * serial port in time.  With a kernel the guest is that kernel and the
 * marker its first log line ("Linux version"), printed only once it runs
 * in long mode with paging: broken nested KVM here passes the real-mode
 * boot sector and hangs right after the kernel's real-mode setup.
 * Without one, the boot sector and its 'K'.  Sets *why on false. */
static bool
run_probe (const char *qemu, const char *kernel, const char *image,
           char **why)
{
  CLEANUP_FREE char *drive = xasprintf ("file=%s,format=raw,if=ide", image);
  CLEANUP_FREE char *reason = NULL;
  const char *marker = kernel ? "Linux version" : "K";
  char errpath[] = "/tmp/v2kvm-kvmprobe-err.XXXXXX";
  char out[2048];
  size_t used = 0;
  int pipefd[2], status = 0, errfd;
  bool ok = false, exited = false;
  long deadline = now_ms () + PROBE_TIMEOUT_MS;
  pid_t pid;

  if (access ("/dev/kvm", R_OK | W_OK) != 0) {
    *why = xasprintf ("/dev/kvm is not accessible: %m");
    return false;
  }
  errfd = mkstemp (errpath);
  if (errfd == -1 || pipe2 (pipefd, O_CLOEXEC) == -1) {
    *why = xasprintf ("cannot set up the probe: %m");
    if (errfd >= 0) { close (errfd); unlink (errpath); }
    return false;
  }
  unlink (errpath);
  pid = fork ();
  if (pid == 0) {
    const char *argv[] = {
      qemu, "-machine", "pc,accel=kvm", "-cpu", "host", "-m", "256",
      "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
      "-serial", "stdio", NULL, NULL, NULL, NULL, NULL
    };
    size_t n = 14;
    if (kernel) {
      argv[n++] = "-kernel"; argv[n++] = kernel;
      argv[n++] = "-append";
      argv[n++] = "console=ttyS0 earlyprintk=ttyS0 edd=off panic=-1";
    }
    else {
      argv[n++] = "-drive"; argv[n++] = drive;
    }
    dup2 (pipefd[1], 1);
    dup2 (errfd, 2);
    execvp (qemu, (char **) argv);
    fprintf (stderr, "cannot run %s: %m\n", qemu);
    _exit (127);
  }
  close (pipefd[1]);
  while (pid > 0 && !ok) {
    long left = deadline - now_ms ();
    struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
    if (left <= 0 || poll (&p, 1, (int) left) <= 0)
      break;
    if (used == sizeof out - 1) {         /* keep the tail */
      memmove (out, out + sizeof out / 2, sizeof out / 2 - 1);
      used = sizeof out / 2 - 1;
    }
    ssize_t r = read (pipefd[0], out + used, sizeof out - 1 - used);
    if (r <= 0)
      break;                            /* qemu exited */
    used += r;
    out[used] = '\0';
    ok = strstr (out, marker) != NULL;
  }
  close (pipefd[0]);
  if (pid > 0) {
    if (waitpid (pid, &status, WNOHANG) == pid)
      exited = true;
    else {
      kill (pid, SIGKILL);
      waitpid (pid, &status, 0);
    }
  }
  reason = first_error_line (errfd);
  close (errfd);
  if (ok)
    return true;
  if (pid == -1)
    *why = xasprintf ("fork: %m");
  else if (reason)
    *why = xasprintf ("qemu with accel=kvm failed: %s", reason);
  else if (exited)
    *why = xasprintf ("qemu with accel=kvm exited (status %d) before the "
                      "test guest ran",
                      WIFEXITED (status) ? WEXITSTATUS (status)
                      : 128 + WTERMSIG (status));
  else
    *why = xasprintf ("qemu with accel=kvm hung: %s did not start "
                      "within %d s", kernel ? kernel : "the test guest",
                      PROBE_TIMEOUT_MS / 1000);
  return false;
}

char *
find_program (const char *prog)
{
  const char *path = getenv ("PATH");

  if (strchr (prog, '/'))
    return realpath (prog, NULL);
  for (const char *p = path ? path : "/usr/bin:/bin"; *p; ) {
    size_t n = strcspn (p, ":");
    char *cand = xasprintf ("%.*s/%s", (int) n, n ? p : ".", prog);
    if (access (cand, X_OK) == 0) {
      char *r = realpath (cand, NULL);
      free (cand);
      return r;
    }
    free (cand);
    p += n + (p[n] == ':');
  }
  return NULL;
}

/* The probe's answer is remembered until the next reboot, so a batch of
 * conversions on a host whose KVM hangs pays the probe's timeout once:
 * /var/tmp/v2kvm-UID/kvm-probe ($V2KVM_CACHE_DIR/kvm-probe) holds one
 * line "KEY\tRESULT\tWHY", KEY naming the boot (boot_id) and the qemu
 * binary and kernel probed (path, size, mtime); anything else in the file
 * is ignored and the probe runs again.  `v2kvm check-host` always probes again and rewrites it. */
static char *
probe_key (const char *qemu, const char *kernel)
{
  char boot_id[64] = "";
  CLEANUP_FREE char *qpath = NULL;
  struct stat qs = { 0 }, ks = { 0 };
  FILE *f = fopen ("/proc/sys/kernel/random/boot_id", "re");

  if (f == NULL)
    return NULL;
  if (fgets (boot_id, sizeof boot_id, f) == NULL)
    boot_id[0] = '\0';
  fclose (f);
  boot_id[strcspn (boot_id, "\n")] = '\0';
  if (!boot_id[0])
    return NULL;
  qpath = find_program (qemu);
  if (qpath == NULL || stat (qpath, &qs) == -1)
    return NULL;
  if (kernel && stat (kernel, &ks) == -1)
    return NULL;
  return xasprintf ("%s %s:%lld:%lld %s:%lld:%lld", boot_id, qpath,
                    (long long) qs.st_size, (long long) qs.st_mtime,
                    kernel ? kernel : "-", (long long) ks.st_size,
                    (long long) ks.st_mtime);
}

static char *
memo_path (bool create)
{
  const char *env = getenv ("V2KVM_CACHE_DIR");
  CLEANUP_FREE char *dir = env && *env ? xstrdup (env)
    : xasprintf ("/var/tmp/v2kvm-%ld", (long) getuid ());
  struct stat st;

  if (create)
    (void) mkdir (dir, 0700);
  if (lstat (dir, &st) == -1 || !S_ISDIR (st.st_mode) ||
      st.st_uid != getuid () || (st.st_mode & 022))
    return NULL;
  return xasprintf ("%s/kvm-probe", dir);
}

static int
memo_read (const char *key, char **why)
{
  CLEANUP_FREE char *path = memo_path (false);
  char line[2048];
  FILE *f;
  int r = -1;

  if (!key || !path || (f = fopen (path, "re")) == NULL)
    return -1;
  if (fgets (line, sizeof line, f)) {
    char *t1 = strchr (line, '\t'), *t2 = t1 ? strchr (t1 + 1, '\t') : NULL;
    if (t2) {
      *t1 = *t2 = '\0';
      t2[1 + strcspn (t2 + 1, "\n")] = '\0';
      if (strcmp (line, key) == 0 && (t1[1] == '0' || t1[1] == '1')) {
        r = t1[1] == '1';
        *why = xstrdup (t2 + 1);
      }
    }
  }
  fclose (f);
  return r;
}

static void
memo_write (const char *key, bool works, const char *why)
{
  CLEANUP_FREE char *path = memo_path (true);
  CLEANUP_FREE char *tmp = NULL;
  FILE *f;

  if (!key || !path)
    return;
  tmp = xasprintf ("%s.%ld", path, (long) getpid ());
  if ((f = fopen (tmp, "wxe")) == NULL)
    return;
  fprintf (f, "%s\t%d\t%s\n", key, works, works ? "" : why);
  if (fclose (f) != 0 || rename (tmp, path) == -1)
    unlink (tmp);
}

static int cached = -1;
static char *cached_why;

static void
probe_now (const char *qemu, const char *kernel, const char *key)
{
  char image[] = "/tmp/v2kvm-kvmprobe.XXXXXX";

  free (cached_why);
  cached_why = NULL;
  if (!kernel && write_boot_sector (image) == -1) {
    cached = 0;
    cached_why = xasprintf ("cannot write the probe image: %m");
    return;
  }
  cached = run_probe (qemu, kernel, image, &cached_why);
  if (!kernel)
    unlink (image);
  memo_write (key, cached, cached_why);
}

bool
accel_kvm_probe (bool fresh, char **why)
{
  const char *qemu = getenv ("V2KVM_QEMU");
  CLEANUP_FREE char *kernel = NULL;
  CLEANUP_FREE char *key = NULL;

  if (cached == -1 || fresh) {
    if (!qemu || !*qemu)
      qemu = "qemu-system-x86_64";
    kernel = probe_kernel ();
    key = probe_key (qemu, kernel);
    if (fresh || (cached = memo_read (key, &cached_why)) == -1)
      probe_now (qemu, kernel, key);
    else
      debug ("kvm probe: answer remembered since this boot (%s)", key);
    debug ("kvm probe: %s%s%s", cached ? "works" : "unusable",
           cached ? "" : ": ", cached ? "" : cached_why);
  }
  if (!cached && why)
    *why = xstrdup (cached_why);
  return cached;
}

bool
accel_kvm_works (char **why)
{
  return accel_kvm_probe (false, why);
}

bool
accel_auto_wants_kvm (void)
{
  CLEANUP_FREE char *why = NULL;

  if (accel_kvm_works (&why))
    return true;
  warning ("kvm-unusable", "KVM is not usable (%s); using software emulation (TCG), "
           "which is slower", why);
  return false;
}

int
accel_choose (enum accel requested, enum accel *out)
{
  CLEANUP_FREE char *why = NULL;

  if (requested == ACCEL_TCG) {
    *out = ACCEL_TCG;
    return 0;
  }
  if (requested == ACCEL_AUTO) {
    *out = accel_auto_wants_kvm () ? ACCEL_KVM : ACCEL_TCG;
    return 0;
  }
  if (accel_kvm_works (&why)) {
    *out = ACCEL_KVM;
    return 0;
  }
  set_error (ENODEV, "KVM is not usable (%s); use --accel tcg to run "
             "under software emulation (much slower)", why);
  error_set_kind (V2K_ERR_HYPERVISOR);
  return -1;
}
