#!/usr/bin/env bash
# Time from starting `mamori demo` to its first 200 from /healthz.
# Usage: tools/demo-startup.sh [SCALE] [DATABASE_URL]   (after `cargo build --release`)
set -u
bin=${MAMORI_BIN:-target/release/mamori}
scale=${1:-1}
url=${2:-sqlite:///tmp/mamori-startup-demo.db}
port=18181
start=$(date +%s%N)
"$bin" demo --database-url "$url" --listen 127.0.0.1:$port --scale "$scale" > /dev/null 2>&1 &
pid=$!
until curl -sf -o /dev/null http://127.0.0.1:$port/healthz; do sleep 0.01; done
end=$(date +%s%N)
kill $pid
wait $pid 2>/dev/null
echo "scale $scale: $(( (end - start) / 1000000 )) ms to first 200"
