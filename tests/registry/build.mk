# tests/registry: integration tests of autovpn-registry with simulated
# gateways (avpn-gwsim) on loopback: two registries, the reference document's
# example organization. Needs curl and jq (tests/deps.sh).

CHECK_SUITES += check-registry
CHECK_BUILD += $(B)/autovpn-registry $(B)/avpn-gwsim
.PHONY: check-registry
check-registry: $(B)/autovpn-registry $(B)/avpn-gwsim
	@tests/registry/run.sh $(RESULTS)/check-registry.res

# make bench-registry (tests/bench/registry.sh): registry vs. a bare UDP echo
# server (tests/bench/udp_echo.c), 100,000 simulated gateways, one core each.
$(B)/bench/udp_echo: tests/bench/udp_echo.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

BENCH += bench-registry
.PHONY: bench-registry
bench-registry: $(B)/autovpn-registry $(B)/avpn-gwsim $(B)/bench/udp_echo
	B=$(B) tests/bench/registry.sh
