#!/usr/bin/env bash
# Usage: make_test_ca.sh DIR
#
# Creates in DIR (made if missing), with openssl:
#   ca.pem, ca.key               private test CA (2048-bit RSA, 30 days)
#   server.pem, server.key       server cert signed by that CA,
#                                subjectAltName DNS:localhost, IP:127.0.0.1
#   untrusted.pem, untrusted.key self-signed cert with the same names, NOT from
#                                the CA (for the "untrusted certificate" test)
#
# Idempotent: if all six files exist, server.pem verifies against ca.pem and
# no certificate expires within a day, nothing is done.  Otherwise everything
# is regenerated in a temp dir and moved into place.  Quiet on success; prints
# openssl's output and exits non-zero on failure.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
command -v openssl >/dev/null 2>&1 || { echo "$0: openssl not found" >&2; exit 1; }
mkdir -p "$dir"

files="ca.pem ca.key server.pem server.key untrusted.pem untrusted.key"

up_to_date() {
    local f
    for f in $files; do
        [ -s "$dir/$f" ] || return 1
    done
    for f in ca.pem server.pem untrusted.pem; do
        openssl x509 -in "$dir/$f" -noout -checkend 86400 >/dev/null 2>&1 || return 1
    done
    openssl verify -CAfile "$dir/ca.pem" "$dir/server.pem" >/dev/null 2>&1 || return 1
    return 0
}

if up_to_date; then
    exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/make_test_ca.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log="$tmp/openssl.log"

run() {
    if ! "$@" >>"$log" 2>&1; then
        echo "$0: failed: $*" >&2
        cat "$log" >&2
        exit 1
    fi
}

cat >"$tmp/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = Swift SMTP Test CA
O = Test
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF

cat >"$tmp/server.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
O = Test
EOF

cat >"$tmp/server_ext.cnf" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF

cat >"$tmp/untrusted.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_leaf
[dn]
CN = localhost
O = Untrusted Test
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
EOF

# CA
run openssl genrsa -out "$tmp/ca.key" 2048
run openssl req -new -x509 -sha256 -days 30 -key "$tmp/ca.key" \
    -config "$tmp/ca.cnf" -out "$tmp/ca.pem"

# server cert signed by the CA
run openssl genrsa -out "$tmp/server.key" 2048
run openssl req -new -sha256 -key "$tmp/server.key" -config "$tmp/server.cnf" \
    -out "$tmp/server.csr"
run openssl x509 -req -sha256 -days 30 -in "$tmp/server.csr" \
    -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$tmp/server_ext.cnf" -out "$tmp/server.pem"

# untrusted self-signed cert (same names, different issuer)
run openssl genrsa -out "$tmp/untrusted.key" 2048
run openssl req -new -x509 -sha256 -days 30 -key "$tmp/untrusted.key" \
    -config "$tmp/untrusted.cnf" -out "$tmp/untrusted.pem"

run openssl verify -CAfile "$tmp/ca.pem" "$tmp/server.pem"
if openssl verify -CAfile "$tmp/ca.pem" "$tmp/untrusted.pem" >/dev/null 2>&1; then
    echo "$0: untrusted.pem unexpectedly verifies against ca.pem" >&2
    exit 1
fi

# genrsa in OpenSSL 3 already writes keys 0600; make sure of it anyway
chmod 600 "$tmp"/*.key
for f in $files; do
    mv -f "$tmp/$f" "$dir/$f"
done
exit 0
