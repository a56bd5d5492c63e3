#!/bin/bash
# Latency probe of the E2E benchmark (installed as /pc/bin/latency). Reads the kernel uevents
# that /pc/bin/uevent-stamp timestamps (CLOCK_MONOTONIC, /run/uevent-stamps.log).
#
#   latency mark                      byte offset of the uevent log now
#   latency wait VID PID MARK EFFECT  wait (deadline 60 s) for the device and for its EFFECT:
#        bind  - its interface :1.0 is bound to a driver (an allowed device became usable)
#        iface - its interface :1.0 was created (the device was configured: phone, charge-only)
#     prints "<busid> <add_us> <effect_us> <latency_ms>"
set -eu
LOG=/run/uevent-stamps.log
now_ms() { local u; read -r u _ </proc/uptime; echo "${u/./}0"; }

case "$1" in
mark)
    stat -c %s "$LOG"
    ;;
wait)
    vid=$2 pid=$3 mark=$4 effect=$5
    busid=$(pc-e2e find "$vid" "$pid" 60)
    deadline=$(($(now_ms) + 60000))
    while :; do
        lines=$(tail -c +"$((mark + 1))" "$LOG")
        add=$(awk -v b="/$busid" '$2 == "add" && $4 == "usb" && $5 == "usb_device" &&
              substr($3, length($3) - length(b) + 1) == b { print $1; exit }' <<<"$lines")
        if [ "$effect" = bind ]; then
            eff=$(awk -v b="/$busid:1.0" '$2 == "bind" && $4 == "usb" &&
                  substr($3, length($3) - length(b) + 1) == b { print $1; exit }' <<<"$lines")
        else
            eff=$(awk -v b="/$busid:1.0" '$2 == "add" && $4 == "usb" &&
                  substr($3, length($3) - length(b) + 1) == b { print $1; exit }' <<<"$lines")
        fi
        if [ -n "$add" ] && [ -n "$eff" ]; then
            echo "$busid $add $eff $(((eff - add) / 1000))"
            exit 0
        fi
        [ "$(now_ms)" -lt "$deadline" ] || { echo "$busid no-effect"; exit 1; }
        sleep 0.05 # poll interval, bounded by the deadline
    done
    ;;
*)
    echo "usage: latency mark | wait VID PID MARK bind|iface" >&2
    exit 2
    ;;
esac
