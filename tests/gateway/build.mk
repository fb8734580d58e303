# tests/gateway: autovpnd on the host, where no kernel is needed: its command
# line and `--check` (the config's errors as file:line, exit status). The
# daemon against the module and other gateways: tests/net/gw_*.sh (VM).

CHECK_SUITES += check-gateway
CHECK_BUILD += $(B)/autovpnd $(B)/autovpn
.PHONY: check-gateway
check-gateway: $(B)/autovpnd $(B)/autovpn
	@mkdir -p $(RESULTS)
	@B=$(B) tests/gateway/cli.sh > $(RESULTS)/check-gateway.log 2>&1; \
	cat $(RESULTS)/check-gateway.log; \
	sed -n 's/^RESULT \(PASS\|FAIL\) /\1 gateway./p' $(RESULTS)/check-gateway.log \
		> $(RESULTS)/check-gateway.res
