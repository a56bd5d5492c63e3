#!/bin/bash
# Upstream delivery against a real rsyslog on 127.0.0.1 (own config, work dir, pidfile, test CA):
#   a) syslog+TLS and RELP+TLS: records arrive and parse
#   b) collector down for a while, then back: every record arrives, in sequence
#   c) the sender SIGKILLed in the middle of a burst: after a restart every submitted record arrives
#   d) spool full: on_dropped reports the count
#   e) collector certificate from the wrong CA: refused, reported, nothing sent
#   f) a malformed message from the child: killed and restarted with backoff, counted
#   g) the configured user does not exist: refused with a message
#   h) mutual TLS (RELP): with the client certificate records arrive; without it the collector
#      refuses the session, the error is reported and nothing is acknowledged
#   i) a RELP collector that accepts the session but never answers: timed out, the session
#      re-made, every unacknowledged record resent and then acknowledged
# Waits poll with deadlines. Exit 77 (skip) only when rsyslogd is missing.
set -u -o pipefail
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || { echo "SKIP: rsyslogd not installed"; exit 77; }
: "${BUILD_DIR:?}"
DRIVER=$(find "$BUILD_DIR" -name uplink_driver -type f -perm -u+x | head -n1)
HELPER=$(find "$BUILD_DIR" -name portcullis-uplink -type f -perm -u+x | head -n1)
[ -n "$DRIVER" ] && [ -n "$HELPER" ] || { echo "FAIL: uplink_driver/portcullis-uplink not built"; exit 1; }

W=$(mktemp -d /tmp/pc-uplink-XXXXXX)
chmod 755 "$W"
PIDFILE=$W/rsyslog.pid
RPID=
fails=0
passes=0

cleanup() {
    stop_rsyslog
    rm -rf "$W"
}
trap cleanup EXIT

ok() { echo "PASS: $*"; passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds or the deadline passes
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    while ! "$@"; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.05
    done
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

has_segments() { compgen -G "$1/seg-*" >/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---- PKI made at test time ----
pki() {
    local d=$W/pki
    mkdir -p "$d"
    cd "$d" || exit 1
    for ca in ca wrongca; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $ca.key \
            -out $ca.pem -days 2 -subj "/CN=Portcullis Test $ca" 2>/dev/null || return 1
    done
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > server.ext
    for who in server:ca rogue:wrongca; do
        local n=${who%%:*} ca=${who##*:}
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $n.key \
            -out $n.csr -subj "/CN=localhost" 2>/dev/null || return 1
        openssl x509 -req -in $n.csr -CA $ca.pem -CAkey $ca.key -CAcreateserial -out $n.pem \
            -days 2 -extfile server.ext 2>/dev/null || return 1
    done
    printf 'subjectAltName=DNS:portcullis-test-agent\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n' > client.ext
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client.key \
        -out client.csr -subj "/CN=portcullis-test-agent" 2>/dev/null || return 1
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem \
        -days 2 -extfile client.ext 2>/dev/null || return 1
    chmod 600 client.key   # the child must read it before dropping to "nobody"
    chmod 644 ca.key server.key rogue.key wrongca.key
    cd - >/dev/null || exit 1
}
pki || { echo "FAIL: openssl could not make the test PKI"; exit 1; }

SYSLOG_PORT=$(free_port)
RELP_PORT=$(free_port)
ROGUE_PORT=$(free_port)
MTLS_PORT=$(free_port)
mkdir -p "$W/work"
cat > "$W/rsyslog.conf" <<CONF
global(workDirectory="$W/work" maxMessageSize="64k"
       defaultNetstreamDriverCAFile="$W/pki/ca.pem"
       defaultNetstreamDriverCertFile="$W/pki/server.pem"
       defaultNetstreamDriverKeyFile="$W/pki/server.key")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
module(load="imrelp" tls.tlslib="openssl")
template(name="dump" type="string" string="%app-name% %procid% %msgid% %structured-data% %msg%\n")
ruleset(name="fromsyslog") { action(type="omfile" file="$W/syslog.out" template="dump") }
ruleset(name="fromrelp") { action(type="omfile" file="$W/relp.out" template="dump") }
input(type="imtcp" address="127.0.0.1" port="$SYSLOG_PORT" ruleset="fromsyslog")
input(type="imrelp" address="127.0.0.1" port="$RELP_PORT" ruleset="fromrelp" tls="on"
      tls.caCert="$W/pki/ca.pem" tls.myCert="$W/pki/server.pem" tls.myPrivKey="$W/pki/server.key")
ruleset(name="frommtls") { action(type="omfile" file="$W/mtls.out" template="dump") }
input(type="imrelp" address="127.0.0.1" port="$MTLS_PORT" ruleset="frommtls" tls="on"
      tls.caCert="$W/pki/ca.pem" tls.myCert="$W/pki/server.pem" tls.myPrivKey="$W/pki/server.key"
      tls.authMode="name" tls.permittedPeer=["portcullis-test-agent"])
CONF
"$RSYSLOGD" -N1 -f "$W/rsyslog.conf" >"$W/check.log" 2>&1 || { cat "$W/check.log"; echo "FAIL: rsyslog config"; exit 1; }

start_rsyslog() {
    rm -f "$PIDFILE"
    "$RSYSLOGD" -n -f "$W/rsyslog.conf" -i "$PIDFILE" >>"$W/rsyslog.log" 2>&1 &
    RPID=$!
    wait_for 20 port_open "$SYSLOG_PORT" && wait_for 20 port_open "$RELP_PORT" &&
        wait_for 20 port_open "$MTLS_PORT"
}
stop_rsyslog() {
    [ -n "$RPID" ] || return 0
    kill "$RPID" 2>/dev/null
    wait "$RPID" 2>/dev/null
    RPID=
}

# seqs FILE: the seq SD values in arrival order
seqs() { grep -o 'portcullis@32473 seq="[0-9]*"' "$1" 2>/dev/null | grep -o '[0-9]*"$' | tr -d '"'; }
# complete FILE FIRST LAST: every seq FIRST..LAST arrived, first arrivals in increasing order
complete() {
    local got
    got=$(seqs "$1" | awk '!seen[$0]++' | awk -v a="$2" -v b="$3" '$1>=a && $1<=b')
    [ "$got" = "$(seq "$2" "$3")" ]
}
drv() { "$DRIVER" --helper "$HELPER" --ca "$W/pki/ca.pem" --user nobody "$@"; }
: "${SOURCE_DIR:?}"

start_rsyslog || { cat "$W/rsyslog.log"; echo "FAIL: rsyslog did not start"; exit 1; }

# ---- a) both protocols over TLS ----
if drv --spool "$W/sp-a1" --protocol syslog --port "$SYSLOG_PORT" --count 50 --drain --timeout 60 \
   && wait_for 20 complete "$W/syslog.out" 1 50; then
    line=$(grep 'seq="7"' "$W/syslog.out" | head -n1)
    if [[ "$line" == "portcullisd "[0-9]*" EVENT [portcullis@32473 seq=\"7\"] {\"seq\":7,\"type\":\"test\""* ]]; then
        ok "a) syslog+TLS: 50 records arrived and parse ($line)"
    else
        bad "a) syslog+TLS: unexpected line: $line"
    fi
else
    bad "a) syslog+TLS: records missing"; tail -n 5 "$W/syslog.out" 2>/dev/null
fi
if drv --spool "$W/sp-a2" --protocol relp --port "$RELP_PORT" --count 50 --drain --timeout 60 \
   && wait_for 20 complete "$W/relp.out" 1 50; then
    line=$(grep 'seq="9"' "$W/relp.out" | head -n1)
    if [[ "$line" == "portcullisd "[0-9]*" EVENT [portcullis@32473 seq=\"9\"] {\"seq\":9,\"type\":\"test\""* ]]; then
        ok "a) RELP+TLS: 50 records arrived and parse"
    else
        bad "a) RELP+TLS: unexpected line: $line"
    fi
else
    bad "a) RELP+TLS: records missing"
fi

# ---- b) collector down, then back ----
stop_rsyslog
rm -f "$W/relp.out"
drv --spool "$W/sp-b" --protocol relp --port "$RELP_PORT" --count 300 --drain --timeout 120 >"$W/b.log" 2>&1 &
BPID=$!
wait_for 20 has_segments "$W/sp-b" || bad "b) driver did not spool"
wait_for 20 grep -q "Connection refused" "$W/b.log" || bad "b) the child did not see the outage"
# the driver has spooled and its child failed to connect: bring the collector back
start_rsyslog || bad "b) rsyslog restart"
if wait "$BPID" && wait_for 20 complete "$W/relp.out" 1 300; then
    ok "b) RELP: collector outage, all 300 records arrived in sequence"
else
    bad "b) RELP outage: $(tail -n 3 "$W/b.log")"
fi
rm -f "$W/syslog.out"
stop_rsyslog
drv --spool "$W/sp-b2" --protocol syslog --port "$SYSLOG_PORT" --count 300 --drain --timeout 120 >"$W/b2.log" 2>&1 &
BPID=$!
wait_for 20 has_segments "$W/sp-b2" || bad "b) driver did not spool"
wait_for 20 grep -q "Connection refused" "$W/b2.log" || bad "b) the child did not see the outage"
start_rsyslog || bad "b) rsyslog restart"
if wait "$BPID" && wait_for 20 complete "$W/syslog.out" 1 300; then
    ok "b) syslog: collector outage, all 300 records arrived in sequence"
else
    bad "b) syslog outage: $(tail -n 3 "$W/b2.log")"
fi

# ---- c) SIGKILL in the middle of a burst of 1000 ----
rm -f "$W/relp.out"
drv --spool "$W/sp-c" --protocol relp --port "$RELP_PORT" --count 1000 --die-after 637 >"$W/c.log" 2>&1
rc=$?
if [ $rc -eq 137 ] && grep -q "submitted 637, dying" "$W/c.log"; then
    if drv --spool "$W/sp-c" --protocol relp --port "$RELP_PORT" --count 0 --drain --timeout 120 >>"$W/c.log" 2>&1 \
       && wait_for 20 complete "$W/relp.out" 1 637; then
        ok "c) SIGKILL after 637 of 1000: all 637 submitted records delivered after restart ($(seqs "$W/relp.out" | wc -l) lines incl. duplicates)"
    else
        bad "c) records lost after SIGKILL: $(tail -n 3 "$W/c.log")"
    fi
else
    bad "c) driver did not die as planned (rc=$rc)"
fi

# ---- d) spool full ----
DEAD_PORT=$(free_port)
out=$(drv --spool "$W/sp-d" --protocol relp --port "$DEAD_PORT" --count 2000 --size 200 \
      --max-bytes 65536 --expect-dropped --timeout 60 2>&1)
if [ $? -eq 0 ] && [[ "$out" =~ callback_dropped=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
    ok "d) spool full: on_dropped reported ${BASH_REMATCH[1]} records ($out)"
else
    bad "d) spool full: $out"
fi

# ---- e) collector certificate from the wrong CA ----
before=$(seqs "$W/syslog.out" | wc -l)
cat > "$W/rogue.conf" <<CONF
global(workDirectory="$W/work2"
       defaultNetstreamDriverCAFile="$W/pki/wrongca.pem"
       defaultNetstreamDriverCertFile="$W/pki/rogue.pem"
       defaultNetstreamDriverKeyFile="$W/pki/rogue.key")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
template(name="dump" type="string" string="%structured-data% %msg%\n")
ruleset(name="r") { action(type="omfile" file="$W/rogue.out" template="dump") }
input(type="imtcp" address="127.0.0.1" port="$ROGUE_PORT" ruleset="r")
CONF
mkdir -p "$W/work2"
"$RSYSLOGD" -n -f "$W/rogue.conf" -i "$W/rogue.pid" >>"$W/rogue.log" 2>&1 &
ROGUE=$!
if wait_for 20 port_open "$ROGUE_PORT"; then
    out=$(drv --spool "$W/sp-e" --protocol syslog --port "$ROGUE_PORT" --count 20 \
          --expect-error "certificate" --timeout 60 2>&1)
    if [ $? -eq 0 ] && [[ "$out" == *"depth=20 acked=0"* ]] && [ ! -s "$W/rogue.out" ]; then
        ok "e) wrong CA refused and reported, nothing sent: $(echo "$out" | grep -o 'error=.*' | head -n1)"
    else
        bad "e) wrong CA: $out; rogue got: $(head -c 200 "$W/rogue.out" 2>/dev/null)"
    fi
else
    bad "e) rogue rsyslog did not start"
fi
kill "$ROGUE" 2>/dev/null
wait "$ROGUE" 2>/dev/null

# ---- f) a compromised child ----
out=$("$DRIVER" --helper "$SOURCE_DIR/tests/integration/uplink-evil-child.py" --ca "$W/pki/ca.pem" \
      --user nobody --spool "$W/sp-f" --protocol relp --port "$RELP_PORT" --count 5 \
      --expect-violation --timeout 60 2>&1)
if [ $? -eq 0 ] && [[ "$out" == *"malformed message from portcullis-uplink"* ]]; then
    ok "f) malformed message from the child: killed and restarted ($(echo "$out" | grep -o 'restarts=[0-9]* violations=[0-9]*' | tail -n1))"
else
    bad "f) compromised child: $out"
fi

# ---- g) the configured user does not exist ----
out=$(drv --spool "$W/sp-g" --protocol relp --port "$RELP_PORT" --user pc-no-such-user-4242 \
      --count 1 --drain --timeout 10 2>&1)
if [ $? -ne 0 ] && [[ "$out" == *'user "pc-no-such-user-4242" does not exist'* ]]; then
    ok "g) missing user refused: $(echo "$out" | grep -o 'user "pc-no-such-user-4242".*' | head -n1)"
else
    bad "g) missing user: $out"
fi

# ---- h) mutual TLS ----
out=$(drv --spool "$W/sp-h1" --protocol relp --port "$MTLS_PORT" --count 20 --timeout 60 \
      --expect-error "RELP open" 2>&1)
if [ $? -eq 0 ] && [[ "$out" == *"depth=20 acked=0"* ]] && [ ! -s "$W/mtls.out" ]; then
    ok "h) mTLS without a client certificate: refused and reported, nothing acknowledged"
else
    bad "h) mTLS without a client certificate: $out"
fi
if drv --spool "$W/sp-h2" --protocol relp --port "$MTLS_PORT" --cert "$W/pki/client.pem" \
       --key "$W/pki/client.key" --count 20 --drain --timeout 60 >"$W/h.log" 2>&1 \
   && wait_for 20 complete "$W/mtls.out" 1 20; then
    ok "h) mTLS with the client certificate: 20 records arrived"
else
    bad "h) mTLS with the client certificate: $(tail -n 3 "$W/h.log")"
fi

# ---- i) a RELP collector that accepts the session and never answers ----
MUTE_PORT=$(free_port)
"$SOURCE_DIR/tests/integration/relp-mute-collector.py" "$MUTE_PORT" "$W/pki/server.pem" \
    "$W/pki/server.key" "$W/mute.log" >"$W/mute.out" 2>&1 &
MPID=$!
wait_for 10 port_open "$MUTE_PORT" || bad "i) the mute collector did not start"
t0=$SECONDS
if drv --spool "$W/sp-i" --protocol relp --port "$MUTE_PORT" --count 20 --drain --timeout 90 \
       >"$W/i.log" 2>&1 &&
   [ "$(awk '$1 == 1' "$W/mute.log" | wc -l)" -eq 20 ] &&
   [ "$(awk '$1 >= 2 {print $2}' "$W/mute.log" | sort -n | uniq | tr '\n' ' ')" = "$(seq 1 20 | tr '\n' ' ')" ] &&
   grep -q "answered none of 20 record(s)" "$W/i.log"; then
    ok "i) mute RELP collector: timed out, reconnected, all 20 resent and acknowledged ($((SECONDS - t0)) s)"
else
    bad "i) mute RELP collector: $(tail -n 5 "$W/i.log"); $(sort "$W/mute.log" | uniq -c | head -n 3)"
fi
kill "$MPID" 2>/dev/null; wait "$MPID" 2>/dev/null

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
