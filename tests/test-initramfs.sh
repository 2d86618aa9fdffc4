#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# formats/initramfs.c, what the Debian fixup uses to add the virtio
# drivers to an initramfs without running mkinitramfs, checked against
# tools nobody here wrote: images are built with cpio(1) + zstd/gzip
# (an early microcode-style cpio in front, as initramfs-tools does),
# edited with irdtool, then unpacked with unmkinitramfs(8) and compared
# tree against tree; the host's own /boot/initrd.img is edited the same
# way; corrupt and unsupported images fail with one line naming them.
# The tar writer (the module tree handed to the guest's depmod) is read
# back with GNU tar.
. "$srcdir/functions.sh"
requires cpio zstd gzip xz unmkinitramfs tar
IRD=${IRDTOOL:-$top_builddir/tests/irdtool}
[ -x "$IRD" ] || fail "irdtool not built"

# The reference tree: dirs, files, a symlink, a hard-linked pair, a
# module tree, an empty file, a long path.
T=$TMP/tree
mkdir -p "$T/conf/conf.d" "$T/usr/lib/modules/6.1.0-t/kernel/drivers/scsi" \
  "$T/etc/modprobe.d" "$T/scripts" "$T/a/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})"
printf 'RESUME=/dev/sda2\n' >"$T/conf/conf.d/resume"
printf 'mptspi\nxen-blkfront\n' >"$T/conf/modules"
head -c 100000 /dev/urandom >"$T/usr/lib/modules/6.1.0-t/kernel/drivers/scsi/old.ko"
printf 'kernel/drivers/scsi/old.ko:\n' >"$T/usr/lib/modules/6.1.0-t/modules.dep"
: >"$T/etc/empty"
printf 'x\n' >"$T/a/$(printf 'd%.0s' {1..60})/$(printf 'e%.0s' {1..60})/long"
printf '#!/bin/sh\n' >"$T/scripts/init"
ln -s usr/lib "$T/lib"
printf 'same\n' >"$T/etc/hard1"; ln "$T/etc/hard1" "$T/etc/hard2"
mkdir -p "$TMP/early/kernel/x86/microcode"
head -c 5000 /dev/urandom >"$TMP/early/kernel/x86/microcode/GenuineIntel.bin"

(cd "$TMP/early" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) >"$TMP/early.cpio"
(cd "$T" && find . | LC_ALL=C sort | cpio --quiet -o -H newc) >"$TMP/main.cpio"

# The edit: what the Debian fixup does (a module added in a new
# directory, indexes and config replaced, a file dropped).
printf 'RESUME=/dev/vda2\n' >"$TMP/resume.new"
printf 'mptspi\nvirtio_blk\n' >"$TMP/modules.new"
head -c 70000 /dev/urandom >"$TMP/virtio_blk.ko"
printf 'kernel/drivers/scsi/old.ko:\nkernel/drivers/block/virtio_blk.ko:\n' >"$TMP/dep.new"
edits=(conf/conf.d/resume="$TMP/resume.new" conf/modules="$TMP/modules.new"
       usr/lib/modules/6.1.0-t/kernel/drivers/block/virtio_blk.ko="$TMP/virtio_blk.ko"
       usr/lib/modules/6.1.0-t/modules.dep="$TMP/dep.new" -etc/empty)
cp -a "$T" "$TMP/want"
cp "$TMP/resume.new" "$TMP/want/conf/conf.d/resume"
cp "$TMP/modules.new" "$TMP/want/conf/modules"
mkdir -p "$TMP/want/usr/lib/modules/6.1.0-t/kernel/drivers/block"
cp "$TMP/virtio_blk.ko" "$TMP/want/usr/lib/modules/6.1.0-t/kernel/drivers/block/"
cp "$TMP/dep.new" "$TMP/want/usr/lib/modules/6.1.0-t/modules.dep"
rm "$TMP/want/etc/empty"

for codec in zstd gzip none; do
  case $codec in
    zstd) zstd -q -19 -c "$TMP/main.cpio" >"$TMP/main.z" ;;
    gzip) gzip -9 -c "$TMP/main.cpio" >"$TMP/main.z" ;;
    none) cp "$TMP/main.cpio" "$TMP/main.z" ;;
  esac
  cat "$TMP/early.cpio" "$TMP/main.z" >"$TMP/in.img"
  cp "$TMP/in.img" "$TMP/in.copy"
  want_codec=$codec; [ "$codec" = none ] && want_codec=uncompressed
  "$IRD" list "$TMP/in.img" >"$TMP/list" || fail "$codec: list failed"
  read -r got_codec early_len <"$TMP/list"
  [ "$got_codec $early_len" = "$want_codec $(stat -c %s "$TMP/early.cpio")" ] ||
    fail "$codec: header line '$got_codec $early_len'"
  [ "$(($(wc -l <"$TMP/list") - 1))" = "$(cpio --quiet -t <"$TMP/main.cpio" | wc -l)" ] ||
    fail "$codec: entry count differs from cpio -t"
  "$IRD" put "$TMP/in.img" "$TMP/out.img" "${edits[@]}" || fail "$codec: put failed"
  cmp -s "$TMP/in.img" "$TMP/in.copy" || fail "$codec: the input image changed"
  cmp -s <(head -c "$early_len" "$TMP/out.img") "$TMP/early.cpio" ||
    fail "$codec: the early archive is not kept byte for byte"
  rm -rf "$TMP/x"
  if [ "$codec" = none ]; then
    # unmkinitramfs wants a compressed main archive: cpio(1) on each part
    mkdir -p "$TMP/x/early" "$TMP/x/main"
    (cd "$TMP/x/early" && head -c "$early_len" "$TMP/out.img" | cpio --quiet -id) &&
    (cd "$TMP/x/main" && tail -c +$((early_len + 1)) "$TMP/out.img" | cpio --quiet -id) ||
      fail "$codec: cpio cannot read our image"
  else
    unmkinitramfs "$TMP/out.img" "$TMP/x" || fail "$codec: unmkinitramfs cannot read our image"
  fi
  main=$TMP/x/main
  diff -r --no-dereference "$TMP/want" "$main" || fail "$codec: unpacked tree differs"
  diff -r "$TMP/early" "$TMP/x/early" || fail "$codec: early tree differs"
  [ "$(stat -c %h "$main/etc/hard1")" = 2 ] || fail "$codec: hard link lost"
  [ "$(readlink "$main/lib")" = usr/lib ] || fail "$codec: symlink lost"
  echo "$codec: $(stat -c %s "$TMP/in.img") -> $(stat -c %s "$TMP/out.img") bytes, tree as expected"
done

# Putting a hard-linked file or a directory is refused, not corrupted.
zstd -q -c "$TMP/main.cpio" >"$TMP/in.img"
for name in etc/hard1 conf; do
  if "$IRD" put "$TMP/in.img" "$TMP/bad.img" "$name=$TMP/resume.new" 2>"$TMP/err"; then
    fail "put over $name succeeded"
  fi
  grep -q "is a \(hard-linked file\|directory\)" "$TMP/err" || fail "put over $name: $(cat "$TMP/err")"
done

# The host's own initramfs (a real initramfs-tools image, MODULES=most):
# one file added, everything else must unpack identically.
host=$(ls /boot/initrd.img-* 2>/dev/null | head -1 || :)
if [ -n "$host" ] && [ -r "$host" ]; then
  "$IRD" put "$host" "$TMP/host.img" etc/v2kvm-test="$TMP/resume.new" ||
    fail "cannot rewrite $host"
  rm -rf "$TMP/h1" "$TMP/h2"
  unmkinitramfs "$host" "$TMP/h1" && unmkinitramfs "$TMP/host.img" "$TMP/h2" ||
    fail "unmkinitramfs failed on $host or its rewrite"
  d=$TMP/h2; [ -d "$d/main" ] && d=$d/main
  cmp -s "$d/etc/v2kvm-test" "$TMP/resume.new" || fail "host image: added file differs"
  rm "$d/etc/v2kvm-test"
  diff -r --no-dereference "$TMP/h1" "$TMP/h2" >/dev/null || fail "host image: trees differ"
  echo "host $host: $(stat -c %s "$host") -> $(stat -c %s "$TMP/host.img") bytes, $(lsinitramfs "$TMP/host.img" | wc -l) entries, identical but for the added file"
else
  echo "no readable /boot/initrd.img-*: host image case not run"
fi

# Bad images: exit 1, one line naming the image, no crash (ASan runs).
zstd -q -c "$TMP/main.cpio" >"$TMP/good.img"
len=$(stat -c %s "$TMP/good.img")
head -c $((len / 2)) "$TMP/good.img" >"$TMP/bad-truncated.img"
head -c $((len / 2)) "$TMP/main.cpio" >"$TMP/bad-truncated-cpio.img"
: >"$TMP/bad-empty.img"
head -c 4096 /dev/urandom | tr '\0\060' '\001\001' >"$TMP/bad-random.img"
xz -c "$TMP/main.cpio" >"$TMP/bad-xz.img"
cat "$TMP/good.img" "$TMP/resume.new" >"$TMP/bad-trailing.img"
# a bad magic; a header field that is not hex; a name size past the
# end; a file size past the end
sed '0,/070701/s//07070Z/' "$TMP/main.cpio" >"$TMP/bad-magic.img"
python3 - "$TMP/main.cpio" "$TMP" <<'PY'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
n = bytearray(d); n[94:102] = b'7FFFFFFF'; open(sys.argv[2] + '/bad-namesize.img', 'wb').write(n)
f = bytearray(d); f[54:62] = b'7FFFFFFF'; open(sys.argv[2] + '/bad-filesize.img', 'wb').write(f)
m = bytearray(d); m[14] = ord('Z'); open(sys.argv[2] + '/bad-field.img', 'wb').write(m)
PY
for f in "$TMP"/bad-*.img; do
  rc=0
  "$IRD" list "$f" >/dev/null 2>"$TMP/err" || rc=$?
  [ "$rc" = 1 ] || fail "$(basename "$f"): exit $rc, expected 1"
  [ "$(wc -l <"$TMP/err")" = 1 ] || fail "$(basename "$f"): not one line: $(cat "$TMP/err")"
  grep -q "$f" "$TMP/err" || fail "$(basename "$f"): message does not name the image: $(cat "$TMP/err")"
  echo "$(basename "$f"): $(cat "$TMP/err")"
done
grep -q "xz-compressed initramfs" <("$IRD" list "$TMP/bad-xz.img" 2>&1) ||
  fail "xz image: no 'xz-compressed' message"

# The tar writer: short and long (prefix-split) names, read back by tar.
long=lib/modules/6.1.0-t/kernel/$(printf 'd%.0s' {1..80})/$(printf 'f%.0s' {1..90}).ko
"$IRD" tar "$TMP/t.tar" a.ko="$TMP/virtio_blk.ko" "$long=$TMP/resume.new" empty="$T/etc/empty" ||
  fail "tar writer failed"
mkdir "$TMP/tx"
tar -C "$TMP/tx" -xf "$TMP/t.tar" || fail "GNU tar cannot read our tar"
cmp -s "$TMP/tx/a.ko" "$TMP/virtio_blk.ko" && cmp -s "$TMP/tx/$long" "$TMP/resume.new" &&
  [ -f "$TMP/tx/empty" ] && [ ! -s "$TMP/tx/empty" ] || fail "tar contents differ"
too_long=$(printf 'x%.0s' {1..200})/$(printf 'y%.0s' {1..120})
if "$IRD" tar "$TMP/t2.tar" "$too_long=$TMP/resume.new" 2>"$TMP/err"; then
  fail "an unrepresentable tar name was accepted"
fi
grep -q "too long" "$TMP/err" || fail "long name: $(cat "$TMP/err")"
echo "tar writer: read back by GNU tar"
exit 0
