#!/bin/sh
# portcullisd --once with a real signed policy (portcullis policy keygen/sign, the policy store):
# the policy allows storage, so a usable stick stays authorized; with its signature broken the
# store rejects it and the built-in default blocks the stick.
set -eu
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cli="$BUILD_DIR/agent/cli/portcullis"
. "$SOURCE_DIR/tests/integration/umockdev-bed.sh"
{
    bed_root_hub 1
    bed_device usb-stick 1-2 2
} >"$tmp/bed.umockdev"

mkdir -p "$tmp/keys" "$tmp/etc"
"$cli" policy keygen --out "$tmp/keys" --id test >/dev/null
mv "$tmp/keys/test.key" "$tmp/test.key"
cat >"$tmp/etc/policy.conf" <<'EOT'
version = 1;
serial = 7;
key_id = "test";
mode = "enforce";
default = "block";
rules = (
  { id = "allow-storage"; action = "allow"; kind = [ "mass-storage", "hid", "hub" ]; }
);
EOT
"$cli" policy sign --key "$tmp/test.key" "$tmp/etc/policy.conf" >/dev/null
printf 'agent = { keys_dir = "%s/keys"; };\n' "$tmp" >"$tmp/etc/portcullisd.conf"

run() {
    umockdev-run -d "$tmp/bed.umockdev" -- sh -c '
      "$1/agent/daemon/portcullisd" --once --foreground --config "$2/etc/portcullisd.conf" \
          --no-owner-check --policy "$2/etc/policy.conf" --state-dir "$2/state$3" \
          --log-dir "$2/log$3" || exit 1
      echo "1-2=$(cat /sys/bus/usb/devices/1-2/authorized)"' sh "$BUILD_DIR" "$tmp" "$1" \
      >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" "$tmp/out"; exit 1; }
    cat "$tmp/err" "$tmp/out"
}

run 1
grep -qx "1-2=1" "$tmp/out" || { echo "FAIL: signed policy allowing storage not applied"; exit 1; }
grep -q "allow-storage" "$tmp/err" || { echo "FAIL: decision does not name the rule"; exit 1; }

# One flipped byte in the signature: rejected, and the built-in default blocks the stick.
printf '\001' | dd of="$tmp/etc/policy.conf.sig" bs=1 seek=10 conv=notrunc 2>/dev/null
run 2
grep -qx "1-2=0" "$tmp/out" || { echo "FAIL: stick usable under a rejected policy"; exit 1; }
grep -q "policy_rejected" "$tmp/err" || { echo "FAIL: no policy_rejected event"; exit 1; }
echo PASS
