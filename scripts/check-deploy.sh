#!/usr/bin/env bash
# Checks deploy/ on this machine, with the built binary (.build/debug/intake):
#   - systemd-analyze verify on the unit (paths moved into a scratch install root),
#   - nginx -t on the site (scratch certificate, cache and log paths),
#   - the nginx body limit equals the app's default INTAKE_MAX_BODY_BYTES,
#   - every variable that `intake config check` prints is documented in deploy/intake.env.example
#     and in README.md, and the example names no unknown variable,
#   - the pre-start backup script backs up an existing database and keeps the newest 10,
#     at most one per 10 minutes (systemd restarts without giving up),
#   - nginx for real, in front of `intake serve`: /metrics and /ready refused by prefix from
#     another address, reset and tracking tokens absent from the access log.
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
                 "PrivateTmp=yes" "CapabilityBoundingSet=" "Restart=on-failure" "RestartSec=" "StartLimitIntervalSec=0" \
                 "EnvironmentFile=" "User=samverkan-intake" "ExecStartPre=/opt/samverkan-intake/bin/intake-pre-start-backup"; do
  grep -q "^$directive" deploy/samverkan-intake.service || lacking+="$directive "
done
[ -z "$lacking" ] && pass "unit has the hardening directives, the pre-start backup and restarts without a limit" || fail "unit lacks: $lacking"
grep -q "^StartLimitBurst=" deploy/samverkan-intake.service \
  && fail "the unit sets StartLimitBurst: systemd would give up restarting after a crash loop" \
  || pass "the unit sets no StartLimitBurst (restarts never give up)"

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
for route in metrics ready; do
  grep -A3 "location ^~ /$route {" deploy/nginx/samverkan-intake.conf | grep -q "deny all" \
    && pass "/$route is restricted to localhost by prefix (location ^~)" || fail "/$route is not restricted by prefix in the nginx site"
done
grep -q 'losenord/aterstall' deploy/nginx/samverkan-intake.conf && grep -q 'kvitto|arende' deploy/nginx/samverkan-intake.conf \
  && pass "the access log format hides reset and tracking tokens" || fail "the nginx log map lacks the reset or tracking routes"

# nginx for real, in front of the real app, on free loopback ports: what an outside client gets.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
if command -v nginx >/dev/null 2>&1 && command -v curl >/dev/null 2>&1; then
  live="$scratch/live"
  mkdir -p "$live/logs" "$live/cache" "$live/state"
  app_port="$(free_port)"; tls_port="$(free_port)"; plain_port="$(free_port)"
  sed -e "s|/etc/ssl/samverkan-intake|$scratch/nginx/ssl|g" -e "s|/var/cache/nginx/samverkan-intake|$live/cache|" \
      -e "s|/var/log/nginx|$live/logs|g" -e "s|server 127.0.0.1:8080;|server 127.0.0.1:$app_port;|" \
      -e "s|listen 443 ssl http2;|listen 127.0.0.1:$tls_port ssl http2;|" -e "s|listen 80;|listen 127.0.0.1:$plain_port;|" \
      -e "/listen \[::\]/d" deploy/nginx/samverkan-intake.conf > "$live/site.conf"
  user_line=""; [ "$(id -u)" = 0 ] && user_line="user root;"
  cat > "$live/nginx.conf" <<CONF
$user_line
pid $live/nginx.pid;
error_log $live/logs/error.log;
daemon off;
events {}
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $live/body;
    proxy_temp_path $live/proxy;
    include $live/site.conf;
}
CONF
  INTAKE_DATABASE="$live/state/intake.sqlite" INTAKE_FORMS="$PWD/Forms" INTAKE_TEMPLATES="$PWD/Templates" INTAKE_TRUST_PROXY=true \
    INTAKE_SUMMARIES=false "$intake" serve --demo --port "$app_port" > "$live/app.log" 2>&1 &
  app_pid=$!
  nginx -p "$live" -c "$live/nginx.conf" > "$live/nginx.out" 2>&1 &
  nginx_pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$app_port/health" >/dev/null 2>&1 && curl -sk -o /dev/null "https://127.0.0.1:$tls_port/" 2>/dev/null && break
    sleep 0.1
  done
  # From another local address (127.0.0.2) nginx is reached as an outside client would reach it.
  outside() { curl -sk -o /dev/null -w '%{http_code}' --path-as-is --interface 127.0.0.2 "https://127.0.0.1:$tls_port$1"; }
  inside() { curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$tls_port$1"; }
  open_page="$(outside /)"
  refused=""; let_through=""
  for path in /metrics /metrics/ /metrics/x /metrics.txt "/metrics?x=1" //metrics /%6detrics /./metrics /ready /ready/ /ready.json /ready/x; do
    code="$(outside "$path")"; [ "$code" = 403 ] && refused+="$path " || let_through+="$path=$code "
  done
  if [ "$open_page" = 200 ] && [ -z "$let_through" ]; then pass "nginx refuses /metrics and /ready by prefix from outside (403: $refused)"
  else fail "nginx lets through from outside: ${let_through:-none}; start page: $open_page" "$(tail -n 5 "$live/nginx.out" "$live/logs/error.log" "$live/app.log" 2>/dev/null)"; fi
  metrics_inside="$(inside /metrics)"; ready_inside="$(inside /ready)"
  if [ "$metrics_inside" = 200 ] && { [ "$ready_inside" = 200 ] || [ "$ready_inside" = 503 ]; }; then pass "nginx passes /metrics and /ready from localhost to the app"
  else fail "from localhost: /metrics $metrics_inside, /ready $ready_inside"; fi
  secret="Q9hemligtTOKEN0123456789abcdefXYZ"
  for path in "/losenord/aterstall/$secret" "/losenord/aterstall/$secret/" "/kvitto/$secret" "/arende/$secret" "/?t=$secret" "/losenord/aterstall/x?t=$secret"; do
    outside "$path" >/dev/null
    curl -s -o /dev/null "http://127.0.0.1:$plain_port$path"
  done
  kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null
  kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null
  log="$(cat "$live/logs/samverkan-intake.access.log" 2>/dev/null)"
  if [ -n "$log" ] && ! grep -q "$secret" <<<"$log" && grep -q "GET /losenord/aterstall/" <<<"$log" && grep -q "GET /kvitto/" <<<"$log"; then
    pass "nginx's access log keeps reset and tracking tokens and query strings out ($(wc -l <<<"$log") lines read)"
  else
    fail "nginx's access log shows a token or lacks the requests" "$(grep -n "$secret\|aterstall\|kvitto" <<<"$log" | head -n 5)"
  fi
else
  fail "nginx and curl are needed to run the site for real (scripts/setup.sh --with-test-tools)"
fi

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
before="$(ls "$state/backups" | wc -l)"
if out="$("$root/bin/intake-pre-start-backup" 2>&1)" && grep -q "skipped" <<<"$out" && [ "$(ls "$state/backups" | wc -l)" = "$before" ]; then
  pass "pre-start backup: skipped when the newest is less than 10 minutes old (a crash loop does not rotate the copies away)"
else
  fail "pre-start backup right after another" "$out"
fi
mkdir -p "$state/broken"
echo "not a database" > "$state/broken/broken.sqlite"
if INTAKE_DATABASE="$state/broken/broken.sqlite" "$root/bin/intake-pre-start-backup" >/dev/null 2>&1; then
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
