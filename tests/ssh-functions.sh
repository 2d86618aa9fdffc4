# SPDX-License-Identifier: BSD-3-Clause
# tests/ssh-functions.sh: a real OpenSSH server on 127.0.0.1 for the
# tests of -it ssh.  Source after functions.sh:
#   . "$srcdir/functions.sh"
#   . "$srcdir/ssh-functions.sh"
#
#   ssh_start             start Debian's /usr/sbin/sshd -D on 127.0.0.1
#                         on a free port, with a throwaway ed25519 host
#                         key, public-key login only, SFTP (internal-sftp),
#                         for the user running the test; a throwaway user
#                         key loaded in an ssh-agent the test starts
#                         (SSH_AUTH_SOCK exported); HOME pointed at
#                         $SSH_HOME, whose .ssh/known_hosts holds the host
#                         key (v2kvm takes ~ from $HOME, as ssh does for
#                         the shell's ~).  Sets SSH_PORT, SSH_USER,
#                         SSH_URL (ssh://USER@127.0.0.1:PORT), SSH_DIR.
#                         sshd and the agent are stopped by PID at exit.
#                         Skips (77) when sshd or the client tools are
#                         not installed.  Bounded waits (20 s).
#                         With SSH_SFTP_USER=NAME set before, the SFTP
#                         server runs as NAME (setpriv): files that user
#                         may not read give SFTP's permission denied,
#                         while exec channels still run as the test user.
#                         With SSH_SFTP_RATE=BYTES set before, the SFTP
#                         server sends at most BYTES a second
#                         (tests/sftp-throttle.py), so that a copy lasts
#                         long enough to be interrupted on purpose.
#   ssh_esx_layout VMX DIR  lay the VMware test guest's input VMX (with
#                         its monolithicSparse VMDK beside it) out as on
#                         an ESXi datastore in DIR (.../vmfs/volumes/DS/
#                         GUEST): GUEST.vmx and a createType="vmfs"
#                         descriptor with a thin (sparse) -flat.vmdk VMFS
#                         extent, written by qemu-img; sets ESX_VMX (the
#                         new .vmx) and ESX_USED (bytes the -flat holds)
#   ssh_run CMD...        run CMD on the server with OpenSSH's client
#                         (the oracle), as the test user
#   ssh_kill_sessions [stop]  kill the sshd processes serving the current
#                         connections (children of the listener), by PID,
#                         with the listener frozen (SIGSTOP) meanwhile so
#                         that a connection waiting in its backlog cannot
#                         be forked a session after the list was read;
#                         with "stop" the listener is then stopped for
#                         good (no new connection works), else it goes on
#   ssh_stop_listener     stop the listening sshd (existing sessions go on)
SSHD=${V2KVM_SSHD:-/usr/sbin/sshd}
SSH_PID= SSH_AGENT_PID=

_ssh_free_port () {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ssh_start () {
  local i ok
  requires ssh ssh-keygen ssh-agent ssh-add python3
  [ -x "$SSHD" ] || skip "$SSHD is not installed (openssh-server)"
  SSH_DIR=$TMP/sshd SSH_HOME=$TMP/ssh-home
  SSH_USER=$(id -un)
  mkdir -p "$SSH_DIR" "$SSH_HOME/.ssh"
  chmod 700 "$SSH_HOME/.ssh"
  [ -d /run/sshd ] || mkdir -p /run/sshd   # sshd's privilege separation dir
  ssh-keygen -q -t ed25519 -N '' -C v2kvm-test-host -f "$SSH_DIR/host_key" ||
    fail "ssh-keygen (host)"
  ssh-keygen -q -t ed25519 -N '' -C v2kvm-test-user -f "$SSH_DIR/user_key" ||
    fail "ssh-keygen (user)"
  cp "$SSH_DIR/user_key.pub" "$SSH_DIR/authorized_keys"
  local sftp=internal-sftp
  if [ -n "${SSH_SFTP_USER:-}" ]; then
    requires setpriv
    [ -x /usr/lib/openssh/sftp-server ] || skip "no /usr/lib/openssh/sftp-server"
    sftp="/usr/bin/setpriv --reuid=$SSH_SFTP_USER --regid=$(id -g "$SSH_SFTP_USER") --clear-groups /usr/lib/openssh/sftp-server"
  fi
  if [ -n "${SSH_SFTP_RATE:-}" ]; then
    [ -x /usr/lib/openssh/sftp-server ] || skip "no /usr/lib/openssh/sftp-server"
    sftp="/usr/bin/python3 $srcdir/sftp-throttle.py $SSH_SFTP_RATE ${sftp/#internal-sftp//usr/lib/openssh/sftp-server}"
  fi

  for i in 1 2 3; do                 # a free port can be taken meanwhile
    SSH_PORT=$(_ssh_free_port)
    cat >"$SSH_DIR/sshd_config" <<EOC
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $SSH_DIR/host_key
PidFile $SSH_DIR/sshd.pid
AuthorizedKeysFile $SSH_DIR/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
MaxSessions 32
MaxStartups 64
Subsystem sftp $sftp
LogLevel VERBOSE
EOC
    "$SSHD" -D -f "$SSH_DIR/sshd_config" -E "$SSH_DIR/sshd.log" </dev/null &
    SSH_PID=$!
    cleanup_fn ssh_stop_all
    ok=
    for _ in $(seq 1 40); do
      kill -0 "$SSH_PID" 2>/dev/null || break
      if timeout 5 ssh-keyscan -T 2 -p "$SSH_PORT" -t ed25519 127.0.0.1 \
           >"$SSH_DIR/scan" 2>/dev/null && [ -s "$SSH_DIR/scan" ]; then
        ok=1; break
      fi
      sleep 0.5
    done
    [ -n "$ok" ] && break
    kill "$SSH_PID" 2>/dev/null; wait "$SSH_PID" 2>/dev/null; SSH_PID=
  done
  [ -n "$ok" ] || fail "sshd did not start: $(tail -5 "$SSH_DIR/sshd.log")"
  # known_hosts: the host key as ssh-keyscan saw it ([127.0.0.1]:PORT).
  cp "$SSH_DIR/scan" "$SSH_HOME/.ssh/known_hosts"
  export HOME=$SSH_HOME
  eval "$(ssh-agent -s -a "$SSH_DIR/agent.sock")" >/dev/null ||
    fail "ssh-agent did not start"
  export SSH_AUTH_SOCK SSH_AGENT_PID
  ssh-add -q "$SSH_DIR/user_key" 2>/dev/null || fail "ssh-add failed"
  SSH_URL="ssh://$SSH_USER@127.0.0.1:$SSH_PORT"
  ssh_run true || fail "OpenSSH's client cannot log in: $(tail -5 "$SSH_DIR/sshd.log")"
}

ssh_run () {
  ssh -q -p "$SSH_PORT" -o BatchMode=yes -o ConnectTimeout=10 \
      -o UserKnownHostsFile="$SSH_HOME/.ssh/known_hosts" \
      -o StrictHostKeyChecking=yes "$SSH_USER@127.0.0.1" "$@"
}

# PIDs of the sshd processes serving connections (children of listener).
_ssh_sessions () {
  [ -n "$SSH_PID" ] && ps -o pid= --ppid "$SSH_PID" 2>/dev/null
}

# 1 once the listener is stopped (state T in /proc/PID/stat): a fork it
# had begun is then finished, and its child listed by _ssh_sessions.
_ssh_listener_frozen () {
  local i
  for i in $(seq 1 100); do
    [ "$(awk '{print $3}' "/proc/$SSH_PID/stat" 2>/dev/null)" = T ] && return 0
    sleep 0.02
  done
  return 1
}

ssh_kill_sessions () {
  local p
  [ -n "$SSH_PID" ] || return 0
  kill -STOP "$SSH_PID" 2>/dev/null
  _ssh_listener_frozen || fail "sshd $SSH_PID did not stop (SIGSTOP)"
  for p in $(_ssh_sessions); do kill "$p" 2>/dev/null; done
  if [ "${1:-}" = stop ]; then
    kill "$SSH_PID" 2>/dev/null    # pending: acted on once continued
    kill -CONT "$SSH_PID" 2>/dev/null
    wait "$SSH_PID" 2>/dev/null
    SSH_PID=
  else
    kill -CONT "$SSH_PID" 2>/dev/null
  fi
}

ssh_stop_listener () {
  [ -n "$SSH_PID" ] || return 0
  kill "$SSH_PID" 2>/dev/null
  wait "$SSH_PID" 2>/dev/null
  SSH_PID=
}

ssh_stop_all () {
  local p sessions
  sessions=$(_ssh_sessions)
  ssh_stop_listener
  for p in $sessions; do kill "$p" 2>/dev/null; done
  [ -n "$SSH_AGENT_PID" ] && kill "$SSH_AGENT_PID" 2>/dev/null
  SSH_PID= SSH_AGENT_PID=
  return 0
}

ssh_esx_layout () {
  local vmx=$1 ds=$2 src
  src=$(dirname "$vmx")/$(sed -n 's/^scsi0:0.fileName = "\(.*\)"$/\1/p' "$vmx")
  [ -f "$src" ] || fail "ssh_esx_layout: no disk next to $vmx"
  mkdir -p "$ds"
  qemu-img convert -f vmdk -O vmdk -o subformat=monolithicFlat "$src" \
    "$ds/guest.vmdk" || fail "qemu-img convert to monolithicFlat"
  sed -i -e 's/^createType=.*/createType="vmfs"/' \
      -e 's/^RW \([0-9]*\) FLAT \("[^"]*"\) 0$/RW \1 VMFS \2/' \
      -e '$a ddb.thinProvisioned = "1"' "$ds/guest.vmdk"
  grep -q '^RW [0-9]* VMFS "guest-flat.vmdk"$' "$ds/guest.vmdk" ||
    fail "descriptor: $(cat "$ds/guest.vmdk")"
  sed 's|^scsi0:0.fileName = .*|scsi0:0.fileName = "guest.vmdk"|' "$vmx" \
    > "$ds/guest.vmx"
  ESX_VMX=$ds/guest.vmx
  ESX_USED=$(du -B1 "$ds/guest-flat.vmdk" | cut -f1)
}
