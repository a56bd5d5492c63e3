#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Makes a fleet-scale signed policy at bench time (never committed): N allow rules, one per
# registered USB stick, of the shape issue 15 measured:
#   { id = "s000042"; action = "allow"; vid = 0x0781; pid = 0x5567; serial = "SN00000042";
#     kind = "mass-storage"; },
# or, with --list, the same devices as ONE rule whose serial is a list (the compact form).
#
#   [SERIAL=S] gen_fleet_policy.sh [--list] N DIR
#
# Writes DIR/policy.conf, DIR/policy.conf.sig (raw Ed25519, openssl pkeyutl -rawin) and
# DIR/keys/fleet.pem (the public key; DIR/fleet.key is the private one, made unless it is there).
# SERIAL (default 1) is the policy's serial. Needs awk and openssl.
set -eu

list=0
if [ "${1:-}" = "--list" ]; then
	list=1
	shift
fi
[ $# -eq 2 ] || {
	echo "usage: $0 [--list] N DIR" >&2
	exit 2
}
n=$1
dir=$2
mkdir -p "$dir/keys"

if [ ! -f "$dir/fleet.key" ]; then
	openssl genpkey -algorithm ed25519 -out "$dir/fleet.key" 2>/dev/null
	openssl pkey -in "$dir/fleet.key" -pubout -out "$dir/keys/fleet.pem"
fi

awk -v n="$n" -v list="$list" -v serial="${SERIAL:-1}" 'BEGIN {
	printf "version = 1;\nserial = %d;\nkey_id = \"fleet\";\ndefault = \"block\";\nrules = (\n", serial
	printf "  { id = \"input\"; action = \"allow\"; kind = [ \"hid\", \"hub\" ]; },\n"
	if (list) {
		printf "  { id = \"fleet-sticks\"; action = \"allow\"; vid = 0x0781; pid = 0x5567;\n"
		printf "    kind = \"mass-storage\"; serial = [\n"
		for (i = 0; i < n; i++)
			printf "      \"SN%08d\"%s\n", i, (i + 1 < n ? "," : "")
		printf "    ]; },\n"
	} else {
		for (i = 0; i < n; i++)
			printf "  { id = \"s%06d\"; action = \"allow\"; vid = 0x0781; pid = 0x5567; serial = \"SN%08d\"; kind = \"mass-storage\"; },\n", i, i
	}
	printf "  { id = \"no-storage\"; action = \"block\"; kind = \"mass-storage\"; }\n);\n"
}' >"$dir/policy.conf"

openssl pkeyutl -sign -inkey "$dir/fleet.key" -rawin -in "$dir/policy.conf" \
	-out "$dir/policy.conf.sig"
