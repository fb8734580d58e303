# tests/bench: `make bench` (not part of `make check`). One VM boot runs the
# datapath benchmark (tests/bench/datapath.sh): veth / av0 / the 10,000-peer
# hub / WireGuard / ESP with 1 and 8 flows in interleaved rounds plus
# tcrypt; the BENCH lines land in $(B)/bench.txt, with the host's load
# average during the run (tests/bench/hostload.sh). The VM does not inherit
# the environment: the BENCH_* and SCALE_* settings go in through
# $(B)/bench/datapath.env, e.g. `make bench-datapath BENCH_MODPARAMS=parallel=1`.
BENCH_VARS := BENCH_ROUNDS BENCH_SECS BENCH_FLOWS BENCH_MODES BENCH_MODPARAMS BENCH_TCRYPT BENCH_PROFILE \
	BENCH_PROFILE_CALLERS BENCH_PROFILE_FLOWS BENCH_TCP_ECN BENCH_NSTAT_ALL BENCH_LAN_RPS \
	SCALE_PEERS SCALE_ROUTES
BENCH += bench-datapath
.PHONY: bench-datapath
bench-datapath: module userspace
	@mkdir -p $(B)/bench
	@: > $(B)/bench.txt
	@: > $(B)/bench/datapath.env
	@$(foreach v,$(BENCH_VARS),$(if $($(v)),printf "%s='%s'\n" $(v) '$($(v))' >> $(B)/bench/datapath.env;))
	tests/bench/hostload.sh $(B)/bench.txt tests/vm/run.sh -t 3600 -b $(B)/bench.txt tests/bench/datapath.sh
	@echo "bench results: $(B)/bench.txt"

# Handshakes per CPU-second of a responder (issue 6): host, one core.
BENCH += bench-handshake
.PHONY: bench-handshake
$(B)/bench/hs_bench: tests/bench/hs_bench.c $(B)/libavpn.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
bench-handshake: $(B)/bench/hs_bench
	taskset -c 0 $(B)/bench/hs_bench 20 | tee -a $(B)/bench.txt

# A hub programming 1,000 peers x 10 subnets from a registry answer (VM).
BENCH += bench-gateway
.PHONY: bench-gateway
bench-gateway: module userspace
	@mkdir -p $(B)
	tests/vm/run.sh -t 600 -b $(B)/bench.txt tests/bench/gw_scale.sh

# Handshakes per CPU-second of a responder over UDP, autovpn side by side
# with the kernel's WireGuard, measured the same way (VM; without AVX, whose
# emulation would make libsodium's X25519 40 times slower than natively:
# see tests/bench/hs_side.sh).
BENCH += bench-handshake-side
.PHONY: bench-handshake-side
$(B)/bench/hs_udp: tests/bench/hs_udp.c $(B)/libavpn.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
bench-handshake-side: $(B)/bench/hs_udp
	AVPN_VM_CPU=max,-avx,-avx2 tests/vm/run.sh -t 900 -b $(B)/bench.txt tests/bench/hs_side.sh
