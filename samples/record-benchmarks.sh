#!/usr/bin/env bash
# Re-measures docs/PERFORMANCE.md: every benchmark of the probe jar, with the
# forks and iterations the record quotes, one after the other on this machine.
# Run it on a quiet machine (nothing else busy), as root if the Dovecot rows are
# wanted (the testkit harness starts Dovecot; without /usr/sbin/dovecot those
# benchmarks fail and the rest go on).
#
#   samples/record-benchmarks.sh [OLD_COMMIT]
#
# OLD_COMMIT (optional): also build the probe jar of that commit and run the
# benchmarks it has, right after the new jar's, for the record's old/new columns.
# Output: target/bench/<jar>-<benchmark>.txt (JMH's text) and .json.
set -uo pipefail
cd "$(dirname "$0")/.."
out="$(pwd)/target/bench"
mkdir -p "$out"

mvn -B -q -DskipTests -Dmaven.javadoc.skip -pl samples -am package
cp samples/target/repgroup-probe.jar "$out/new.jar"
jars=(new)
if [ $# -ge 1 ]; then
  old="$out/old-src"
  rm -rf "$old"
  git worktree add -f -q --detach "$old" "$1"
  (cd "$old" && mvn -B -q -DskipTests -Dmaven.javadoc.skip -pl samples -am package)
  cp "$old/samples/target/repgroup-probe.jar" "$out/old.jar"
  git worktree remove --force "$old"
  jars+=(old)
fi

# name | JMH arguments
runs=(
  "engine|EngineOverheadBenchmark -f 3 -wi 3 -w 2s -i 5 -r 2s -prof gc"
  "imap-login|ImapLoginBenchmark -f 2 -wi 3 -w 2s -i 5 -r 2s -prof gc"
  "lmtp|LmtpThroughputBenchmark -f 2 -wi 3 -w 2s -i 5 -r 2s -prof gc"
  "black-hole|BlackHoleBenchmark"
  "stampede|StampedeBenchmark"
  "affinity-cache|AffinityCacheBenchmark -f 2"
  "concurrent-login-repgroup|ConcurrentLoginBenchmark.repgroupLogin -f 1"
  "concurrent-login-raw|ConcurrentLoginBenchmark.rawAngusLoginSharedSession -f 1 -p staggerMillis=0"
  "dovecot-login|DovecotLoginBenchmark -f 1"
  "adaptive-stagger|AdaptiveStaggerBenchmark -f 1"
  "footprint|FootprintBenchmark -f 3 -i 1 -wi 0"
)
for jar in "${jars[@]}"; do
  for run in "${runs[@]}"; do
    name="${run%%|*}"
    args="${run#*|}"
    bench="${args%% *}"
    if ! java -cp "$out/$jar.jar" org.openjdk.jmh.Main -l 2>/dev/null | grep -q "\.$bench"; then
      echo "$jar: $bench is not in this jar, skipped"
      continue
    fi
    echo "$jar: $name ($(date +%H:%M:%S))"
    # shellcheck disable=SC2086
    java -cp "$out/$jar.jar" org.openjdk.jmh.Main $args -rf json -rff "$out/$jar-$name.json" \
      >"$out/$jar-$name.txt" 2>&1 || echo "    failed: see $out/$jar-$name.txt"
  done
done
echo "results in $out"
