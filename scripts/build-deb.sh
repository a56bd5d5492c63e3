#!/bin/bash
# Builds the Debian packages from this checkout and checks them (scripts/test.sh stage "package").
#
#   scripts/build-deb.sh [OUTDIR]        (default build/deb)
#
# Copies the checkout's files (tracked and new, not ignored) to OUTDIR/src, so that the build
# never writes into the checkout, runs `dpkg-buildpackage -b -us -uc` there (DEB_BUILD_OPTIONS
# defaults to "nocheck": the tests run in scripts/test.sh's own stages), then checks
#   - the version in debian/changelog is the CMake project version;
#   - every file the packages must carry is in `dpkg-deb -c`, nothing is left uninstalled
#     (dh_missing fails the build), no test or build artefact is shipped;
#   - the maintainer scripts create the account and directories, enable and start the service,
#     reload udev, announce the USB state on removal, never delete the incident log, and the
#     package activates the update-initramfs trigger;
#   - lintian reports no error (warnings are printed).
# The .debs are left in OUTDIR. Prints "PASS ..."/"FAIL ..." lines; exit status 1 on any FAIL.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT/build/deb}" && cd "${1:-$ROOT/build/deb}" && pwd)
JOBS=${JOBS:-$(nproc)}
failed=0
check() { # NAME COMMAND...
	local name=$1
	shift
	if "$@"; then echo "PASS $name"; else echo "FAIL $name"; failed=1; fi
}

rm -rf "$OUT/src" "$OUT"/*.deb "$OUT"/*.changes "$OUT"/*.buildinfo
mkdir -p "$OUT/src"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -z -c -o --exclude-standard | while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	done | cpio --null -pdm --quiet "$OUT/src")
else
	tar -C "$ROOT" --exclude=./build --exclude=./tests/e2e/cache -cf - . | tar -C "$OUT/src" -xf -
fi

t0=$SECONDS
echo "build-deb: dpkg-buildpackage -b -us -uc in $OUT/src (log: $OUT/build.log)"
if ! (cd "$OUT/src" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck} parallel=$JOBS" \
	dpkg-buildpackage -b -us -uc) >"$OUT/build.log" 2>&1; then
	tail -n 60 "$OUT/build.log"
	echo "FAIL dpkg-buildpackage -b -us -uc"
	exit 1
fi
echo "PASS dpkg-buildpackage -b -us -uc ($((SECONDS - t0)) s)"

version=$(dpkg-parsechangelog -l "$ROOT/debian/changelog" -S Version)
cmake_version=$(sed -n 's/^project(portcullis VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
check "debian/changelog version $version is the CMake project version $cmake_version" \
	[ "$version" = "$cmake_version" ]
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
agent=$OUT/portcullis_${version}_$arch.deb
tools=$OUT/portcullis-tools_${version}_$arch.deb
check "built $(basename "$agent")" [ -f "$agent" ]
check "built $(basename "$tools")" [ -f "$tools" ]
[ -f "$agent" ] && [ -f "$tools" ] || exit 1

# What each package must carry (path as dpkg-deb -c prints it, minus the leading ".").
has_all() { # DEB PATH...
	local deb=$1 listing missing=""
	shift
	listing=$(dpkg-deb -c "$deb" | awk '{print substr($6, 2)}')
	for p in "$@"; do
		grep -qxF "$p" <<<"$listing" || missing="$missing $p"
	done
	[ -z "$missing" ] || { echo "  .. missing from $(basename "$deb"):$missing"; return 1; }
}
check "agent package: programs, unit, udev rule, modprobe/initramfs snippets, sysusers, tmpfiles, man pages, docs" \
	has_all "$agent" /usr/sbin/portcullisd /usr/libexec/portcullis/portcullis-uplink \
	/lib/systemd/system/portcullisd.service /lib/udev/rules.d/70-portcullis-fail-closed.rules \
	/lib/modprobe.d/portcullis.conf /usr/share/portcullis/boot/grub-portcullis.cfg \
	/usr/share/portcullis/boot/dracut-portcullis.conf /usr/lib/sysusers.d/portcullis.conf \
	/usr/lib/tmpfiles.d/portcullis.conf /usr/lib/systemd/user/portcullis-notify.service \
	/etc/xdg/autostart/portcullis-notify.desktop /usr/share/man/man8/portcullisd.8.gz \
	/usr/share/man/man5/portcullisd.conf.5.gz /usr/share/doc/portcullis/operator-guide.md \
	/usr/share/doc/portcullis/operator-notice.md /usr/share/doc/portcullis/copyright
check "tools package: portcullis, its man pages, IT and reviewer docs" \
	has_all "$tools" /usr/bin/portcullis /usr/share/man/man8/portcullis.8.gz \
	/usr/share/man/man5/portcullis-policy.5.gz /usr/share/doc/portcullis-tools/it-guide.md \
	/usr/share/doc/portcullis-tools/reviewer-guide.md /usr/share/doc/portcullis-tools/copyright
check "no test, bench or build artefact shipped" \
	bash -c "! { dpkg-deb -c '$agent'; dpkg-deb -c '$tools'; } | grep -E 'check_|bench|fuzz|/tests?/|CMake|\\.a\$'"
check "the agent's unit is the project's, hardened (ProtectSystem=strict)" \
	bash -c "dpkg-deb --fsys-tarfile '$agent' | tar -xOf - ./lib/systemd/system/portcullisd.service \
	| grep -qx 'ProtectSystem=strict'"
check "the agent's programs are not in the tools package and vice versa" \
	bash -c "! dpkg-deb -c '$tools' | grep -q portcullisd && ! dpkg-deb -c '$agent' | grep -q 'usr/bin/portcullis\$'"

ctl=$OUT/control
rm -rf "$ctl" && dpkg-deb -e "$agent" "$ctl"
check "postinst creates the account (systemd-sysusers portcullis.conf)" \
	grep -q 'systemd-sysusers.*portcullis.conf' "$ctl/postinst"
check "postinst creates the directories (systemd-tmpfiles --create portcullis.conf)" \
	grep -q 'systemd-tmpfiles.*--create portcullis.conf' "$ctl/postinst"
check "postinst enables and starts portcullisd.service" \
	bash -c "grep -q 'deb-systemd-helper enable .portcullisd.service' '$ctl/postinst' && \
	grep -q '_dh_action=start' '$ctl/postinst' && grep -q 'deb-systemd-invoke \$_dh_action .portcullisd.service' '$ctl/postinst'"
check "postinst reloads udev" grep -q 'udevadm control --reload' "$ctl/postinst"
check "the package activates the update-initramfs trigger" \
	grep -qx 'activate-noawait update-initramfs' "$ctl/triggers"
check "postrm says what state USB is left in" \
	bash -c "grep -q 'USB stays LOCKED' '$ctl/postrm' && grep -q 'USB is OPEN' '$ctl/postrm'"
check "no maintainer script deletes /var/log/portcullis or /var/lib/portcullis" \
	bash -c "! cat '$ctl'/*inst '$ctl'/*rm 2>/dev/null | grep -E 'rm .*(/var/log|/var/lib)/portcullis'"

echo "build-deb: lintian"
lintian --info --display-info "$OUT"/portcullis*_"$version"_"$arch".changes >"$OUT/lintian.log" 2>&1
lint_rc=$?
cat "$OUT/lintian.log"
check "lintian: no errors ($(grep -c '^E:' "$OUT/lintian.log") errors, $(grep -c '^W:' "$OUT/lintian.log") warnings)" \
	bash -c "[ $lint_rc -eq 0 ] || [ $lint_rc -eq 2 ]; ! grep -q '^E:' '$OUT/lintian.log'"

echo "build-deb: $(dpkg-deb -c "$agent" | wc -l) entries in $(basename "$agent"), $(dpkg-deb -c "$tools" | wc -l) in $(basename "$tools")"
exit $failed
