#!/bin/bash
# make demo: boots the test VM once and runs tests/demo/demo.sh in it (the
# reference document's example organization, built from the gateway and org
# configs alone), then prints what the demo showed. Exit status: the demo's.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
start=$(date +%s)
tests/vm/run.sh -t 300 tests/demo/demo.sh > build/demo-vm.log 2>&1
rc=$?
run=$(ls -td build/vm/run-* 2>/dev/null | head -n 1)
out=$(ls -d "$run"/*-demo/out 2>/dev/null | head -n 1)
if [ -n "$out" ] && [ -f "$out/demo.txt" ]; then
	cat "$out/demo.txt"
else
	cat build/demo-vm.log
fi
if [ -n "$out" ] && [ -s "$out/status-page.png" ]; then
	mkdir -p build/demo && cp "$out/status-page.png" build/demo/status-page.png
	echo
	echo "The registry's VPN status page: build/demo/status-page.png"
fi
echo
echo "make demo: $( [ $rc = 0 ] && echo PASSED || echo FAILED ) in $(($(date +%s) - start)) s" \
	"(VM log: build/demo-vm.log, artifacts: ${out:-none})"
exit $rc
