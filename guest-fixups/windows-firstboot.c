/* SPDX-License-Identifier: BSD-3-Clause */
/* v2kvm: the Windows first boot, bounded.
 *
 * Mechanism: a machine Group Policy startup script of the Local GPO.
 * Windows runs machine startup scripts as SYSTEM at every boot before
 * anyone logs on, with only what it ships (gpscript.exe), and kills a
 * script that runs longer than MaxGPOScriptWait (10 minutes by default),
 * so a hung driver install cannot hold the boot for ever.  We write
 *   %SystemRoot%\System32\GroupPolicy\gpt.ini           (only if absent)
 *   %SystemRoot%\System32\GroupPolicy\Machine\Scripts\scripts.ini (idem)
 *   SOFTWARE\Microsoft\Windows\CurrentVersion\Group Policy\Scripts\
 *     Startup\N and ...\State\Machine\Scripts\Startup\N (what gpscript
 *     reads, so the script runs even before the Scripts extension has
 *     processed scripts.ini)
 * docs/windows.md compares this with the other routes (rhsrvany service,
 * scheduled-task XML, HKLM\SYSTEM\Setup CmdLine, RunOnce).
 *
 * The script (%SystemRoot%\v2kvm\firstboot.cmd, plain cmd.exe batch):
 * pnputil-installs every staged driver, installs qemu-guest-agent when
 * staged, re-applies static IPv4 settings to the adapter with the same
 * MAC (getmac + netsh), removes the transient DriverDatabase binding,
 * logs to %SystemDrive%\v2kvm-firstboot.log, and unregisters itself when
 * everything worked.  Bounds: a run counter in %SystemRoot%\v2kvm\runs
 * (gives up and unregisters after WIN_FIRSTBOOT_MAX_RUNS runs) and a
 * reboot counter (never more than WIN_FIRSTBOOT_MAX_REBOOTS reboots);
 * every goto jumps forward, so one run always ends.
 *
 * Not done: uninstalling VMware Tools (its services are disabled
 * offline, which is what matters for booting).
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "fixup-internal.h"
#include "windows.h"
#include "xalloc.h"

#define GP_KEY "Microsoft\\Windows\\CurrentVersion\\Group Policy"
#define GP_SCRIPTS GP_KEY "\\Scripts\\Startup"
#define GP_STATE GP_KEY "\\State\\Machine\\Scripts\\Startup"
/* Group Policy Scripts client-side extension and its snap-in. */
#define GP_SCRIPTS_CSE "{42B5FAAE-6536-11D2-AE5A-0000F87571E3}"
#define GP_SCRIPTS_TOOL "{40B6664F-4972-11D1-A7CA-0000F87571E3}"

/* One line of the script, CRLF-terminated. */
static void __attribute__((format (printf, 2, 3)))
L (FILE *fp, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vfprintf (fp, fmt, ap);
  va_end (ap);
  fputs ("\r\n", fp);
}

static void
script_head (FILE *fp)
{
  L (fp, "@echo off");
  L (fp, "rem v2kvm first boot: installs the virtio drivers, the guest agent");
  L (fp, "rem and the static IPv4 settings.  Runs as a Group Policy startup");
  L (fp, "rem script (SYSTEM, before logon).  Bounded: at most %d runs and %d",
     WIN_FIRSTBOOT_MAX_RUNS, WIN_FIRSTBOOT_MAX_REBOOTS);
  L (fp, "rem reboots; every goto jumps forward.");
  L (fp, "setlocal EnableExtensions EnableDelayedExpansion");
  L (fp, "set \"V2K=%%SystemRoot%%\\%s\"", WIN_FIRSTBOOT_DIR);
  L (fp, "set \"LOG=%%SystemDrive%%\\v2kvm-firstboot.log\"");
  L (fp, "set MAXRUNS=%d", WIN_FIRSTBOOT_MAX_RUNS);
  L (fp, "set MAXREBOOTS=%d", WIN_FIRSTBOOT_MAX_REBOOTS);
  L (fp, "set RUNS=0");
  L (fp, "if exist \"%%V2K%%\\runs\" set /p RUNS=<\"%%V2K%%\\runs\"");
  L (fp, "set /a RUNS=RUNS+1");
  L (fp, "> \"%%V2K%%\\runs\" echo !RUNS!");
  L (fp, ">> \"%%LOG%%\" echo %%DATE%% %%TIME%% v2kvm first boot, run !RUNS! of %%MAXRUNS%%");
  L (fp, "if !RUNS! GTR %%MAXRUNS%% goto giveup");
  L (fp, "set FAILED=0");
  L (fp, "set NEEDREBOOT=0");
  L (fp, "call :drivers");
  L (fp, "call :agent");
  L (fp, "call :network");
  L (fp, "if !FAILED! NEQ 0 goto retry");
  L (fp, "goto done");
}

static void
script_drivers (FILE *fp, const struct fx *fx)
{
  const struct fx_windows *w = fx->win;
  CLEANUP_FREE char *inf = NULL;
  CLEANUP_FREE char *pkg = NULL;

  L (fp, ":drivers");
  L (fp, ">> \"%%LOG%%\" echo installing the drivers in %%SystemRoot%%\\Drivers\\VirtIO");
  if (w->major >= 10) {
    L (fp, "pnputil /add-driver \"%%SystemRoot%%\\Drivers\\VirtIO\\*.inf\" /subdirs /install >> \"%%LOG%%\" 2>&1");
    L (fp, "set RC=!ERRORLEVEL!");
  }
  else {
    /* pnputil before Windows 10 1607 has only -i -a and no /subdirs. */
    L (fp, "set RC=0");
    L (fp, "for /r \"%%SystemRoot%%\\Drivers\\VirtIO\" %%%%f in (*.inf) do (");
    L (fp, "  pnputil -i -a \"%%%%f\" >> \"%%LOG%%\" 2>&1");
    L (fp, "  if errorlevel 1 set RC=!ERRORLEVEL!");
    L (fp, ")");
  }
  L (fp, ">> \"%%LOG%%\" echo pnputil exit status !RC!");
  L (fp, "if !RC! EQU 3010 set NEEDREBOOT=1");
  L (fp, "if !RC! NEQ 0 if !RC! NEQ 3010 if !RC! NEQ 259 set FAILED=1");
  if (w->use_driverdb) {
    const char *drv = fx->opts->virtio_scsi ? "vioscsi" : "viostor";
    inf = xasprintf (WIN_DRIVERDB_INF_FMT, drv);
    pkg = xasprintf (WIN_DRIVERDB_PKG_FMT, drv);
    L (fp, "rem The real package is staged now: drop the transient binding.");
    L (fp, "if !FAILED! NEQ 0 goto :eof");
    L (fp, "set \"DDB=HKLM\\SYSTEM\\DriverDatabase\"");
    L (fp, "reg delete \"!DDB!\\DriverPackages\\%s\" /f >> \"%%LOG%%\" 2>&1", pkg);
    L (fp, "reg delete \"!DDB!\\DriverInfFiles\\%s\" /f >> \"%%LOG%%\" 2>&1", inf);
    L (fp, "for /f \"delims=\" %%%%k in ('reg query \"!DDB!\\DeviceIds\\PCI\" /s /f \"%s\" /v ^| findstr /b /i HKEY') do reg delete \"%%%%k\" /v \"%s\" /f >> \"%%LOG%%\" 2>&1",
       inf, inf);
  }
  L (fp, "goto :eof");
}

static void
script_agent (FILE *fp, const struct fx *fx)
{
  const struct fx_windows *w = fx->win;

  L (fp, ":agent");
  if (w->qga_msi) {
    L (fp, ">> \"%%LOG%%\" echo installing qemu-guest-agent");
    L (fp, "msiexec /i \"%%V2K%%\\%s\" /qn /norestart /l*v \"%%V2K%%\\qemu-ga-install.log\"",
       w->qga_msi);
    L (fp, "set RC=!ERRORLEVEL!");
    L (fp, ">> \"%%LOG%%\" echo msiexec exit status !RC!");
    L (fp, "if !RC! EQU 3010 set NEEDREBOOT=1");
    L (fp, "if !RC! NEQ 0 if !RC! NEQ 3010 if !RC! NEQ 1638 set FAILED=1");
  }
  L (fp, "goto :eof");
}

/* Keep only characters that are safe inside the batch file. */
static bool
safe_word (const char *s)
{
  for (; *s; ++s)
    if (!strchr ("0123456789abcdefABCDEF.:-,", *s))
      return false;
  return true;
}

static void
script_network (FILE *fp, const struct fx *fx)
{
  const struct fx_windows *w = fx->win;

  L (fp, ":network");
  for (size_t i = 0; i < w->ips.len; ++i) {
    const struct win_static_ip *s = &w->ips.ptr[i];
    const char *mac = s->mac ? s->mac : "*";
    if (!safe_word (s->address) || (s->mask && !safe_word (s->mask)) ||
        (s->gateway && !safe_word (s->gateway)) ||
        (s->dns && !safe_word (s->dns)) || !(*mac == '*' || safe_word (mac))) {
      warning ("static-address-unusual", "interface %s: unusual static address, not re-applied", s->guid);
      continue;
    }
    L (fp, "rem interface %s", s->guid);
    L (fp, "call :setip \"%s\" \"%s\" \"%s\" \"%s\" \"%s\"", mac, s->address,
       s->mask ? s->mask : "255.255.255.0", s->gateway ? s->gateway : "none",
       s->dns ? s->dns : "");
  }
  L (fp, "goto :eof");
  L (fp, "rem setip MAC ADDRESS MASK GATEWAY DNS: MAC \"*\" means the only adapter");
  L (fp, ":setip");
  L (fp, "set \"NIC=\"");
  L (fp, "set NICS=0");
  L (fp, "for /f \"tokens=1,3 delims=,\" %%%%a in ('getmac /fo csv /nh /v') do (");
  L (fp, "  set /a NICS=NICS+1");
  L (fp, "  if /i \"%%%%~b\"==\"%%~1\" set \"NIC=%%%%~a\"");
  L (fp, "  if \"%%~1\"==\"*\" set \"NIC=%%%%~a\"");
  L (fp, ")");
  L (fp, "if \"%%~1\"==\"*\" if !NICS! NEQ 1 set \"NIC=\"");
  L (fp, "if not defined NIC (");
  L (fp, "  >> \"%%LOG%%\" echo no adapter with MAC %%~1 yet");
  L (fp, "  set FAILED=1");
  L (fp, "  goto :eof");
  L (fp, ")");
  L (fp, ">> \"%%LOG%%\" echo adapter \"!NIC!\": %%~2/%%~3 gateway %%~4 dns %%~5");
  L (fp, "netsh interface ipv4 set address name=\"!NIC!\" source=static address=%%~2 mask=%%~3 gateway=%%~4 >> \"%%LOG%%\" 2>&1");
  L (fp, "if errorlevel 1 set FAILED=1");
  L (fp, "if \"%%~5\"==\"\" goto :eof");
  L (fp, "set N=0");
  L (fp, "for %%%%d in (%%~5) do (");
  L (fp, "  set /a N=N+1");
  L (fp, "  if !N! EQU 1 netsh interface ipv4 set dnsservers name=\"!NIC!\" source=static address=%%%%d register=primary validate=no >> \"%%LOG%%\" 2>&1");
  L (fp, "  if !N! GTR 1 netsh interface ipv4 add dnsservers name=\"!NIC!\" address=%%%%d index=!N! validate=no >> \"%%LOG%%\" 2>&1");
  L (fp, ")");
  L (fp, "goto :eof");
}

static void
script_tail (FILE *fp, const struct fx *fx)
{
  const struct fx_windows *w = fx->win;

  L (fp, ":retry");
  L (fp, ">> \"%%LOG%%\" echo some steps failed: trying again at the next boot");
  L (fp, "if !NEEDREBOOT! EQU 1 goto reboot");
  L (fp, "goto end");
  L (fp, ":giveup");
  L (fp, ">> \"%%LOG%%\" echo giving up after %%MAXRUNS%% runs: see the messages above");
  L (fp, "call :unregister");
  L (fp, "goto end");
  L (fp, ":done");
  L (fp, ">> \"%%LOG%%\" echo all steps done");
  L (fp, "call :unregister");
  L (fp, "if !NEEDREBOOT! EQU 1 goto reboot");
  L (fp, "goto end");
  L (fp, ":reboot");
  L (fp, "set REBOOTS=0");
  L (fp, "if exist \"%%V2K%%\\reboots\" set /p REBOOTS=<\"%%V2K%%\\reboots\"");
  L (fp, "if !REBOOTS! GEQ %%MAXREBOOTS%% goto noreboot");
  L (fp, "set /a REBOOTS=REBOOTS+1");
  L (fp, "> \"%%V2K%%\\reboots\" echo !REBOOTS!");
  L (fp, ">> \"%%LOG%%\" echo restarting, reboot !REBOOTS! of %%MAXREBOOTS%%");
  L (fp, "shutdown /r /t 30 /c \"v2kvm: virtio drivers installed, restarting\"");
  L (fp, "goto end");
  L (fp, ":noreboot");
  L (fp, ">> \"%%LOG%%\" echo a restart is needed but the limit is reached: not restarting");
  L (fp, "goto end");
  L (fp, ":unregister");
  L (fp, "reg delete \"HKLM\\SOFTWARE\\%s\\%d\" /f >> \"%%LOG%%\" 2>&1", GP_SCRIPTS, w->gp_index);
  L (fp, "reg delete \"HKLM\\SOFTWARE\\%s\\%d\" /f >> \"%%LOG%%\" 2>&1", GP_STATE, w->gp_index);
  if (w->gp_ini_created) {
    L (fp, "del /f /a \"%%SystemRoot%%\\System32\\GroupPolicy\\Machine\\Scripts\\scripts.ini\" >> \"%%LOG%%\" 2>&1");
    L (fp, "del /f /a \"%%SystemRoot%%\\System32\\GroupPolicy\\gpt.ini\" >> \"%%LOG%%\" 2>&1");
  }
  L (fp, "goto :eof");
  L (fp, ":end");
  L (fp, "endlocal");
  L (fp, "exit /b 0");
}

char *
win_firstboot_script (const struct fx *fx)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream (&buf, &len);

  if (!fp)
    abort ();
  script_head (fp);
  script_drivers (fp, fx);
  script_agent (fp, fx);
  script_network (fp, fx);
  script_tail (fp, fx);
  if (fclose (fp) != 0)
    abort ();
  return buf;
}

/* The full Windows path of the script, e.g. C:\Windows\v2kvm\firstboot.cmd */
static char *
script_winpath (const struct fx *fx)
{
  const struct fx_windows *w = fx->win;
  CLEANUP_FREE char *sr = xstrdup (w->systemroot);

  for (char *p = sr; *p; ++p)
    if (*p == '/')
      *p = '\\';
  return xasprintf ("%s%s\\%s\\firstboot.cmd", w->drive, sr,
                    WIN_FIRSTBOOT_DIR);
}

/* First free N under KEY (0 if KEY has no children). */
static int
free_index (struct fx *fx, int64_t key)
{
  for (int i = 0; i < 1000; ++i) {
    char n[8];
    snprintf (n, sizeof n, "%d", i);
    int64_t c = guestfs_hivex_node_get_child (fx->g, key, n);
    if (c == -1)
      return gfs_error (fx->g, n);
    if (c == 0)
      return i;
  }
  set_error (E2BIG, "SOFTWARE: 1000 startup scripts already registered");
  error_set_kind (V2K_ERR_GUEST);
  return -1;
}

/* Startup\N (GPO values) and Startup\N\0 (the script). */
static int
register_under (struct fx *fx, int64_t root, const char *path,
                const char *script, const char *filesys)
{
  struct fx_windows *w = fx->win;
  static const unsigned char zero8[8];
  CLEANUP_FREE char *np = xasprintf ("%s\\%d", path, w->gp_index);
  CLEANUP_FREE char *sp = xasprintf ("%s\\%d\\0", path, w->gp_index);
  int64_t n = win_reg_node (fx, root, np, true), s;

  if (n <= 0 || (s = win_reg_node (fx, root, sp, true)) <= 0)
    return -1;
  if (win_reg_set_str (fx, n, "GPO-ID", REG_SZ, "LocalGPO") == -1 ||
      win_reg_set_str (fx, n, "SOM-ID", REG_SZ, "Local") == -1 ||
      win_reg_set_str (fx, n, "FileSysPath", REG_SZ, filesys) == -1 ||
      win_reg_set_str (fx, n, "DisplayName", REG_SZ, "Local Group Policy") == -1 ||
      win_reg_set_str (fx, n, "GPOName", REG_SZ, "Local Group Policy") == -1 ||
      win_reg_set_dword (fx, n, "PSScriptOrder", 1) == -1)
    return -1;
  if (win_reg_set_str (fx, s, "Script", REG_SZ, script) == -1 ||
      win_reg_set_str (fx, s, "Parameters", REG_SZ, "") == -1 ||
      win_reg_set_dword (fx, s, "IsPowershell", 0) == -1 ||
      win_reg_set (fx, s, "ExecTime", REG_QWORD, zero8, 8) == -1)
    return -1;
  return 0;
}

int
win_firstboot_register (struct fx *fx, int64_t root)
{
  struct fx_windows *w = fx->win;
  CLEANUP_FREE char *script = script_winpath (fx);
  CLEANUP_FREE char *sr = xstrdup (w->systemroot);
  CLEANUP_FREE char *filesys = NULL;
  CLEANUP_FREE char *gpt = win_path (fx, "System32/GroupPolicy/gpt.ini");
  int64_t key;
  int i1, i2;

  if (!gpt)
    return -1;
  for (char *p = sr; *p; ++p)
    if (*p == '/')
      *p = '\\';
  filesys = xasprintf ("%s%s\\System32\\GroupPolicy\\Machine", w->drive, sr);
  /* The same N in both trees, free in both. */
  if ((key = win_reg_node (fx, root, GP_SCRIPTS, true)) <= 0 ||
      (i1 = free_index (fx, key)) == -1 ||
      (key = win_reg_node (fx, root, GP_STATE, true)) <= 0 ||
      (i2 = free_index (fx, key)) == -1)
    return -1;
  w->gp_index = i1 > i2 ? i1 : i2;
  w->gp_ini_created = guestfs_exists (fx->g, gpt) == 0;
  if (!w->gp_ini_created)
    warning ("group-policy-exists", "the guest has a Local Group Policy already: the first-boot "
             "script is registered in the registry only");
  return register_under (fx, root, GP_SCRIPTS, script, filesys) == -1 ||
         register_under (fx, root, GP_STATE, script, filesys) == -1 ? -1 : 0;
}

/* UTF-16LE with a BOM, as the Group Policy editor writes scripts.ini. */
static char *
utf16_bom (const char *s, size_t *len)
{
  size_t n = strlen (s);
  char *o = xmalloc (2 * n + 2);

  o[0] = (char) 0xff;
  o[1] = (char) 0xfe;
  for (size_t i = 0; i < n; ++i) {
    o[2 + 2 * i] = s[i];
    o[3 + 2 * i] = 0;
  }
  *len = 2 * n + 2;
  return o;
}

static int
write_gp_files (struct fx *fx)
{
  CLEANUP_FREE char *script = script_winpath (fx);
  CLEANUP_FREE char *dir = win_path (fx, "System32/GroupPolicy/Machine/Scripts/Startup");
  CLEANUP_FREE char *gpt = win_path (fx, "System32/GroupPolicy/gpt.ini");
  CLEANUP_FREE char *ini = win_path (fx, "System32/GroupPolicy/Machine/Scripts/scripts.ini");
  CLEANUP_FREE char *gpt_text = xasprintf (
    "[General]\r\ngPCMachineExtensionNames=[%s%s]\r\nVersion=1\r\n",
    GP_SCRIPTS_CSE, GP_SCRIPTS_TOOL);
  CLEANUP_FREE char *ini_text = xasprintf (
    "\r\n[Startup]\r\n0CmdLine=%s\r\n0Parameters=\r\n", script);
  size_t len;
  CLEANUP_FREE char *ini16 = utf16_bom (ini_text, &len);

  if (!dir || !gpt || !ini)
    return -1;
  if (guestfs_mkdir_p (fx->g, dir) == -1)
    return gfs_error (fx->g, dir);
  if (guestfs_write (fx->g, gpt, gpt_text, strlen (gpt_text)) == -1)
    return gfs_error (fx->g, gpt);
  if (guestfs_write (fx->g, ini, ini16, len) == -1)
    return gfs_error (fx->g, ini);
  return 0;
}

int
win_firstboot_install (struct fx *fx)
{
  struct fx_windows *w = fx->win;
  CLEANUP_FREE char *dir = win_path (fx, WIN_FIRSTBOOT_DIR);
  CLEANUP_FREE char *path = win_path (fx, WIN_FIRSTBOOT_DIR "/firstboot.cmd");
  CLEANUP_FREE char *text = win_firstboot_script (fx);

  if (!dir || !path)
    return -1;
  if (guestfs_mkdir_p (fx->g, dir) == -1)
    return gfs_error (fx->g, dir);
  if (guestfs_write (fx->g, path, text, strlen (text)) == -1)
    return gfs_error (fx->g, path);
  return w->gp_ini_created ? write_gp_files (fx) : 0;
}
