# tests/bench: `make bench` (not part of `make check`). One VM boot runs the
# datapath benchmark (tests/bench/datapath.sh): veth / av0 / WireGuard / ESP
# in interleaved rounds plus tcrypt; the BENCH lines land in $(B)/bench.txt.
BENCH += bench-datapath
.PHONY: bench-datapath
bench-datapath: module userspace
	@mkdir -p $(B)
	@: > $(B)/bench.txt
	tests/vm/run.sh -t 900 -b $(B)/bench.txt tests/bench/datapath.sh
	@echo "bench results: $(B)/bench.txt"
