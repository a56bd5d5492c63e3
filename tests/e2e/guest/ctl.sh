#!/bin/bash
# Command server of the E2E guest. The host writes one line per command: the command text in
# "<id> <base64 of the command>". The guest runs it with bash and answers one line:
# "<id> <rc> <base64 of stdout+stderr>" (the host drops answers whose id it no longer waits for).
# Commands run one at a time; long ones (waits with deadlines) simply answer later.
PORT=$1
while :; do
    exec 3<>"$PORT" || exit 1
    while IFS=' ' read -r id b64 <&3; do
        cmd=$(printf '%s' "$b64" | base64 -d 2>/dev/null)
        out=$(bash -c "$cmd" 2>&1 </dev/null)
        rc=$?
        printf '%s %s %s\n' "$id" "$rc" "$(printf '%s' "$out" | base64 -w0)" >&3
    done
    exec 3>&-
done
