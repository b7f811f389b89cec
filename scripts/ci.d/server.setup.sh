# The runtime server's tests need a real redis-server (two processes sharing one Redis) and,
# for the web chat page, headless Chromium driven by playwright-core. Sourced by
# scripts/test before `cargo test`; exports CSFLOW_TEST_REDIS_URL and CSFLOW_TEST_CHROMIUM.
need_apt redis-server chromium
server_tmp="$(mktemp -d)"
redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$server_tmp" \
  >"$server_tmp/redis.log" 2>&1 &
redis_pid=$!
on_exit "kill $redis_pid; rm -rf '$server_tmp'"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
redis-cli -p "$redis_port" ping | grep -q PONG
export CSFLOW_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
export CSFLOW_TEST_CHROMIUM=/usr/bin/chromium
# playwright-core only (it never downloads a browser); installed once under server/tests/web.
if [ ! -d server/tests/web/node_modules/playwright-core ]; then
  (cd server/tests/web && npm install --no-audit --no-fund --silent >/dev/null)
fi
export CSFLOW_TEST_PLAYWRIGHT="$ROOT/server/tests/web"
