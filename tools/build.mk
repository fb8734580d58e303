# tools/: the `autovpn` command-line tool ($(B)/autovpn): its main.c plus
# $(B)/libtool.a, the rest of tools/, which the tool's unit tests link
# (tests/unit/test_tool_*.c; suites check-tool and check-tool-asan). The tool
# against the module: tests/net/tool_cli.sh (VM).

TOOL_SRCS := $(sort $(wildcard tools/*.c))
TOOL_LIB_SRCS := $(filter-out tools/main.c,$(TOOL_SRCS))
$(eval $(call archives,tool,$(TOOL_LIB_SRCS)))

BINS += $(B)/autovpn

$(B)/autovpn: $(B)/tools/main.o $(B)/libtool.a $(B)/libavpn.a
	$(CC) $(CFLAGS) -Wl,--as-needed -o $@ $^ $(LDLIBS)

TOOL_UNIT_SRCS := $(sort $(wildcard tests/unit/test_tool_*.c))
CHECK_SUITES += check-tool check-tool-asan
CHECK_BUILD += $(TOOL_UNIT_SRCS:tests/unit/%.c=$(B)/unit/%) \
	$(TOOL_UNIT_SRCS:tests/unit/%.c=$(B)/unit-asan/%)
.PHONY: check-tool check-tool-asan
check-tool: $(TOOL_UNIT_SRCS:tests/unit/%.c=$(B)/unit/%)
	@tests/unit/run.sh $(RESULTS)/check-tool.res $^
check-tool-asan: $(TOOL_UNIT_SRCS:tests/unit/%.c=$(B)/unit-asan/%)
	@tests/unit/run.sh $(RESULTS)/check-tool-asan.res $^

-include $(B)/tools/main.d
