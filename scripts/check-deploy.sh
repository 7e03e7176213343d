#!/usr/bin/env bash
# Checks deploy/ on this machine, with the built binary (.build/debug/intake):
#   - systemd-analyze verify on the unit (paths moved into a scratch install root),
#   - nginx -t on the site (scratch certificate, cache and log paths),
#   - the nginx body limit equals the app's default INTAKE_MAX_BODY_BYTES,
#   - every variable that `intake config check` prints is documented in deploy/intake.env.example
#     and in README.md, and the example names no unknown variable,
#   - the pre-start backup script backs up an existing database and keeps the newest 10.
# Run by scripts/test.sh after the build. Exit 1 if any check fails.
set -uo pipefail
cd "$(dirname "$0")/.."
intake="$PWD/.build/debug/intake"
[ -x "$intake" ] || { echo "check-deploy: build first ($intake missing)" >&2; exit 1; }
scratch="$(mktemp -d /tmp/intake-deploy-check.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
passed=0; failed=0
pass() { echo "  ok   $1"; passed=$((passed + 1)); }
fail() { echo "  FAIL $1"; [ -n "${2:-}" ] && sed 's/^/       /' <<<"$2"; failed=$((failed + 1)); }

echo "check-deploy:"

# --- systemd unit ---
root="$scratch/opt"
mkdir -p "$root/bin" "$scratch/etc"
cp "$intake" "$root/bin/intake"
cp deploy/intake-pre-start-backup "$root/bin/"
: > "$scratch/etc/intake.env"
sed -e "s|/opt/samverkan-intake|$root|g" -e "s|/etc/samverkan-intake/intake.env|$scratch/etc/intake.env|" \
  deploy/samverkan-intake.service > "$scratch/samverkan-intake.service"
if out="$(systemd-analyze verify "$scratch/samverkan-intake.service" 2>&1)"; then
  # verify exits 0 on warnings too: any line about our unit is a finding.
  if grep -q "samverkan-intake.service" <<<"$out"; then fail "systemd-analyze verify: warnings" "$out"
  else pass "systemd-analyze verify deploy/samverkan-intake.service"; fi
else
  fail "systemd-analyze verify deploy/samverkan-intake.service" "$out"
fi
lacking=""
for directive in "ProtectSystem=strict" "NoNewPrivileges=yes" "StateDirectory=samverkan-intake" "ProtectHome=yes" \
                 "PrivateTmp=yes" "CapabilityBoundingSet=" "Restart=on-failure" "EnvironmentFile=" "User=samverkan-intake" \
                 "ExecStartPre=/opt/samverkan-intake/bin/intake-pre-start-backup"; do
  grep -q "^$directive" deploy/samverkan-intake.service || lacking+="$directive "
done
[ -z "$lacking" ] && pass "unit has the hardening directives and the pre-start backup" || fail "unit lacks: $lacking"

# --- nginx site ---
if command -v nginx >/dev/null 2>&1; then
  mkdir -p "$scratch/nginx/ssl" "$scratch/nginx/cache" "$scratch/nginx/logs"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=samverkan.example.se" \
    -keyout "$scratch/nginx/ssl/privkey.pem" -out "$scratch/nginx/ssl/fullchain.pem" >/dev/null 2>&1
  sed -e "s|/etc/ssl/samverkan-intake|$scratch/nginx/ssl|g" -e "s|/var/cache/nginx/samverkan-intake|$scratch/nginx/cache|" \
      -e "s|/var/log/nginx|$scratch/nginx/logs|g" deploy/nginx/samverkan-intake.conf > "$scratch/nginx/site.conf"
  cat > "$scratch/nginx/nginx.conf" <<CONF
pid $scratch/nginx/nginx.pid;
error_log $scratch/nginx/logs/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $scratch/nginx/body;
    proxy_temp_path $scratch/nginx/proxy;
    include $scratch/nginx/site.conf;
}
CONF
  if out="$(nginx -t -q -p "$scratch/nginx" -c "$scratch/nginx/nginx.conf" 2>&1)"; then pass "nginx -t deploy/nginx/samverkan-intake.conf"
  else fail "nginx -t deploy/nginx/samverkan-intake.conf" "$out"; fi
else
  fail "nginx is not installed (scripts/setup.sh --with-test-tools installs nginx-light)"
fi
limit="$(sed -n 's/^ *client_max_body_size \([0-9]*\)k;.*/\1/p' deploy/nginx/samverkan-intake.conf)"
app_limit="$(INTAKE_DEMO=true "$intake" config check | sed -n 's/^INTAKE_MAX_BODY_BYTES=\([0-9]*\).*/\1/p')"
if [ -n "$limit" ] && [ "$((limit * 1024))" = "$app_limit" ]; then pass "client_max_body_size ${limit}k = INTAKE_MAX_BODY_BYTES $app_limit"
else fail "client_max_body_size (${limit:-?}k) differs from INTAKE_MAX_BODY_BYTES ($app_limit)"; fi
grep -qi "add_header *Referrer-Policy" deploy/nginx/samverkan-intake.conf \
  && fail "the nginx site adds a Referrer-Policy (the app's Origin check needs same-origin)" \
  || pass "the nginx site leaves Referrer-Policy to the app"
grep -q "^Environment=INTAKE_TRUST_PROXY=true" deploy/samverkan-intake.service \
  && pass "the unit trusts the local proxy's X-Forwarded-For" || fail "the unit does not set INTAKE_TRUST_PROXY=true"
grep -q "location = /metrics" deploy/nginx/samverkan-intake.conf && grep -A3 "location = /metrics" deploy/nginx/samverkan-intake.conf | grep -q "deny all" \
  && pass "/metrics is restricted to localhost" || fail "/metrics is not restricted in the nginx site"

# --- every variable documented ---
variables="$(INTAKE_DEMO=true "$intake" config check | sed -n 's/^\(INTAKE_[A-Z0-9_]*\)=.*/\1/p' | sort -u)"
missing_example=""; missing_readme=""
for v in $variables; do
  grep -qE "^#? ?$v=" deploy/intake.env.example || missing_example+="$v "
  grep -q "\`$v\`" README.md || missing_readme+="$v "
done
[ -z "$missing_example" ] && pass "deploy/intake.env.example documents all $(wc -w <<<"$variables") variables" \
  || fail "deploy/intake.env.example lacks: $missing_example"
[ -z "$missing_readme" ] && pass "README.md documents every variable" || fail "README.md lacks: $missing_readme"
unknown="$(grep -oE "^#? ?INTAKE_[A-Z0-9_]+=" deploy/intake.env.example | sed 's/^# \{0,1\}//; s/=$//' | sort -u | grep -vxF -e INTAKE_CONFIG_FILE -f <(echo "$variables") || true)"
[ -z "$unknown" ] && pass "deploy/intake.env.example names no unknown variable" || fail "deploy/intake.env.example names unknown: $unknown"

# --- pre-start backup ---
state="$scratch/state"
mkdir -p "$state/backups"
export INTAKE_DATABASE="$state/intake.sqlite" INTAKE_DEMO=true
if out="$("$root/bin/intake-pre-start-backup" 2>&1)" && grep -q "first start" <<<"$out"; then pass "pre-start backup: nothing to do before the first start"
else fail "pre-start backup without a database" "$out"; fi
"$intake" migrate >/dev/null
for i in $(seq 1 11); do : > "$state/backups/pre-start-20200101T0000$(printf %02d "$i")Z.sqlite"; touch -d "2020-01-01 00:00:$i" "$state/backups/pre-start-20200101T0000$(printf %02d "$i")Z.sqlite"; done
if out="$("$root/bin/intake-pre-start-backup" 2>&1)" && [ "$(ls "$state/backups" | wc -l)" = 10 ] \
   && "$intake" verify "$(ls -1t "$state/backups"/pre-start-*.sqlite | head -1)" >/dev/null; then
  pass "pre-start backup: a verified copy, the newest 10 kept"
else
  fail "pre-start backup" "$out $(ls "$state/backups")"
fi
echo "not a database" > "$state/broken.sqlite"
if INTAKE_DATABASE="$state/broken.sqlite" "$root/bin/intake-pre-start-backup" >/dev/null 2>&1; then
  fail "pre-start backup of a broken database must fail the start"
else
  pass "pre-start backup: a failed backup fails the start"
fi
unset INTAKE_DATABASE INTAKE_DEMO

broken=""
for script in deploy/build-release.sh scripts/check-deploy.sh; do bash -n "$script" || broken+="$script "; done
sh -n deploy/intake-pre-start-backup || broken+="deploy/intake-pre-start-backup"
[ -z "$broken" ] && pass "deploy scripts parse" || fail "syntax errors: $broken"

echo "check-deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
