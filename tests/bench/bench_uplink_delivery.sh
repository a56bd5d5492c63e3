#!/bin/bash
# Delivered records/s from pc_uplink to a local rsyslog (127.0.0.1, its own config and test CA),
# end to end: submit N records into the spool, then wait until the collector acknowledged all.
# Prints figures; never fails on timing. Skips when rsyslogd is not installed.
set -u -o pipefail
N=${BENCH_UPLINK_RECORDS:-100000}
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
[ -x "$RSYSLOGD" ] || { echo "bench_uplink_delivery: rsyslogd not installed, skipped"; exit 0; }
: "${BUILD_DIR:?}"
DRIVER=$(find "$BUILD_DIR" -name uplink_driver -type f -perm -u+x | head -n1)
HELPER=$(find "$BUILD_DIR" -name portcullis-uplink -type f -perm -u+x | head -n1)
[ -n "$DRIVER" ] && [ -n "$HELPER" ] || { echo "bench_uplink_delivery: driver not built, skipped"; exit 0; }
W=$(mktemp -d /tmp/pc-bench-uplink-XXXXXX)
chmod 755 "$W"
RPID=
trap '[ -n "$RPID" ] && kill "$RPID" 2>/dev/null; wait 2>/dev/null; rm -rf "$W"' EXIT

cd "$W" || exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key \
    -out ca.pem -days 2 -subj "/CN=Portcullis Bench CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
    -out server.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
    -days 2 -extfile server.ext 2>/dev/null
chmod 644 ./*.key
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SP=$(port)
RP=$(port)
mkdir -p work
cat > rsyslog.conf <<CONF
global(workDirectory="$W/work" defaultNetstreamDriverCAFile="$W/ca.pem"
       defaultNetstreamDriverCertFile="$W/server.pem" defaultNetstreamDriverKeyFile="$W/server.key")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1" streamDriver.authMode="anon")
module(load="imrelp" tls.tlslib="openssl")
template(name="t" type="string" string="%structured-data% %msg%\n")
ruleset(name="out") { action(type="omfile" file="$W/out.log" template="t" asyncWriting="on" flushOnTXEnd="off" ioBufferSize="256k") }
input(type="imtcp" address="127.0.0.1" port="$SP" ruleset="out")
input(type="imrelp" address="127.0.0.1" port="$RP" ruleset="out" tls="on"
      tls.caCert="$W/ca.pem" tls.myCert="$W/server.pem" tls.myPrivKey="$W/server.key")
CONF
"$RSYSLOGD" -n -f rsyslog.conf -i "$W/pid" >"$W/rsyslog.log" 2>&1 &
RPID=$!
deadline=$((SECONDS + 20))
until (exec 3<>"/dev/tcp/127.0.0.1/$RP") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$SP") 2>/dev/null; do
    [ $SECONDS -ge $deadline ] && { echo "bench_uplink_delivery: rsyslog did not start"; exit 0; }
    sleep 0.05
done
for proto in relp:$RP syslog:$SP; do
    p=${proto%%:*}
    out=$("$DRIVER" --helper "$HELPER" --ca "$W/ca.pem" --user nobody --spool "$W/spool-$p" \
          --protocol "$p" --port "${proto##*:}" --count "$N" --size 300 --drain --timeout 300 2>/dev/null | tail -n1)
    el=$(echo "$out" | grep -o 'elapsed=[0-9.]*' | cut -d= -f2)
    if [[ "$out" == OK:* ]] && [ -n "$el" ]; then
        awk -v n="$N" -v t="$el" -v p="$p" 'BEGIN { printf "bench_uplink_delivery: %-6s+TLS %d records of 300 B delivered and acknowledged in %.3f s = %.0f records/s\n", p, n, t, n / t }'
    else
        echo "bench_uplink_delivery: $p: no figure ($out)"
    fi
done
echo "bench_uplink_delivery: target >= 20000 delivered records/s"
