/* v2kvm: KVM usability probe (see accel.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "accel.h"
#include "cleanup.h"
#include "error.h"
#include "xalloc.h"

#define PROBE_TIMEOUT_MS 8000

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

/* Run the probe guest; returns true if it printed 'K' on its serial
 * port in time.  Sets *why on false. */
static bool
run_probe (const char *qemu, const char *image, char **why)
{
  CLEANUP_FREE char *drive = xasprintf ("file=%s,format=raw,if=ide", image);
  CLEANUP_FREE char *reason = NULL;
  char errpath[] = "/tmp/v2kvm-kvmprobe-err.XXXXXX";
  char out[256];
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
      qemu, "-machine", "pc,accel=kvm", "-cpu", "host", "-m", "16",
      "-nodefaults", "-no-user-config", "-display", "none",
      "-serial", "stdio", "-drive", drive, NULL
    };
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
    ssize_t r = read (pipefd[0], out, sizeof out);
    if (r <= 0)
      break;                            /* qemu exited */
    ok = memchr (out, 'K', r) != NULL;
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
    *why = xasprintf ("qemu with accel=kvm hung: the test guest did not run "
                      "within %d s", PROBE_TIMEOUT_MS / 1000);
  return false;
}

bool
accel_kvm_works (char **why)
{
  static int cached = -1;
  static char *cached_why;
  const char *qemu = getenv ("V2KVM_QEMU");
  char image[] = "/tmp/v2kvm-kvmprobe.XXXXXX";

  if (cached == -1) {
    if (!qemu || !*qemu)
      qemu = "qemu-system-x86_64";
    if (write_boot_sector (image) == -1) {
      cached = 0;
      cached_why = xasprintf ("cannot write the probe image: %m");
    }
    else {
      cached = run_probe (qemu, image, &cached_why);
      unlink (image);
    }
    debug ("kvm probe: %s%s%s", cached ? "works" : "unusable",
           cached ? "" : ": ", cached ? "" : cached_why);
  }
  if (!cached && why)
    *why = xstrdup (cached_why);
  return cached;
}

int
accel_choose (enum accel requested, enum accel *out)
{
  CLEANUP_FREE char *why = NULL;

  if (requested == ACCEL_TCG) {
    *out = ACCEL_TCG;
    return 0;
  }
  if (accel_kvm_works (&why)) {
    *out = ACCEL_KVM;
    return 0;
  }
  if (requested == ACCEL_KVM) {
    set_error (ENODEV, "KVM is not usable (%s); use --accel tcg to run "
               "under software emulation (much slower)", why);
    error_set_kind (V2K_ERR_HYPERVISOR);
    return -1;
  }
  warning ("KVM is not usable (%s); using software emulation (TCG), "
           "which is slower", why);
  *out = ACCEL_TCG;
  return 0;
}
