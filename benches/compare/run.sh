#!/usr/bin/env bash
# Builds the comparison (release, one compile job at a time so that a 2-core machine
# stays usable) and runs it. Arguments go to the runner, e.g.:
#   bash benches/compare/run.sh                  # timing table, 5 interleaved rounds
#   bash benches/compare/run.sh --quick          # 3 rounds, a tenth of the calls
#   bash benches/compare/run.sh --callgrind      # instructions per call (valgrind)
#   bash benches/compare/run.sh --plot           # then draw results.png
# Results: benches/compare/target/results/{results,instructions}.json;
# callgrind profiles: benches/compare/target/results/callgrind/.
set -euo pipefail
cd "$(dirname "$0")"
plot=0
args=()
for a in "$@"; do
    if [ "$a" = "--plot" ]; then plot=1; else args+=("$a"); fi
done
CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}" cargo build --release --quiet
./target/release/compare "${args[@]}"
if [ "$plot" = 1 ]; then
    # matplotlib from Debian (python3-matplotlib) lives with /usr/bin/python3.
    py=python3
    if ! "$py" -c 'import matplotlib' 2>/dev/null && [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; fi
    "$py" plot.py target/results/results.json results.png
fi
