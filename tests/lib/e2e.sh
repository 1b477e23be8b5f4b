# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the process-level tests: a scratch folder removed at exit, processes started with
# e2e_bg killed by PID at exit, the sanitizer runtimes a preloaded library needs, and check /
# e2e_finish for "ok/FAIL" lines and the closing "N passed, N failed".

e2e_tmp=$(mktemp -d)
# For DPDK's --file-prefix: two runs at once (two build folders, two people) must not share one.
export e2e_id=${e2e_tmp##*.}
e2e_pids=()
e2e_cases=0
e2e_fails=0
trap 'for p in "${e2e_pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$e2e_tmp"' EXIT

# Remembers the last background process, to be killed at exit if still running.
e2e_bg() {
	e2e_pids+=("$!")
}

# The sanitizer runtimes (asan, ubsan) a library links, to preload before it: in a sanitizer
# build they must come first. Prints nothing for a normal build.
e2e_sanitizer_preload() {
	ldd "$1" | awk '/lib(asan|ubsan)\.so/ {printf "%s ", $3}'
}

# check NAME STATUS: one result line; STATUS 0 is a pass.
check() {
	e2e_cases=$((e2e_cases + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		e2e_fails=$((e2e_fails + 1))
	fi
}

# e2e_finish [LOG...]: the closing line; on failure the tails of the given logs first.
e2e_finish() {
	if [ "$e2e_fails" -ne 0 ]; then
		for f in "$@"; do
			echo "--- $f"
			grep -vE "read message|reply|VHOST_CONFIG" "$f" 2>/dev/null | tail -20
		done
	fi
	echo "$((e2e_cases - e2e_fails)) passed, $e2e_fails failed"
	[ "$e2e_fails" -eq 0 ]
}
