# tools/: the `autovpn` command-line tool ($(B)/autovpn) and its unit tests.
#
# The pure parts (argument parsing, key files, number/word parsing) are also
# linked into a Check program, $(B)/unit/tool_test_cli_parse, run by the
# suites check-tool and check-tool-asan (plain and under ASan/UBSan). The
# test file is named tool_test_*.c so that tests/unit/build.mk's test_*.c
# wildcard, which links against libavpn.a only, does not pick it up. The
# tool against the module: tests/net/tool_cli.sh (VM).

TOOL_SRCS := $(sort $(wildcard tools/*.c))
TOOL_OBJS := $(TOOL_SRCS:%.c=$(B)/%.o)
# What the unit test needs: no netlink, no printing.
TOOL_PURE := tools/setreq.c tools/datakey.c tools/word.c
TOOL_PURE_OBJS := $(TOOL_PURE:%.c=$(B)/%.o)
TOOL_PURE_ASAN_OBJS := $(TOOL_PURE:%.c=$(B)/asan/%.o)

BINS += $(B)/autovpn

$(B)/autovpn: $(TOOL_OBJS) $(B)/libavpn.a
	$(CC) $(CFLAGS) -Wl,--as-needed -o $@ $^ $(LDLIBS)

$(B)/unit/tool_test_cli_parse: tests/unit/tool_test_cli_parse.c $(TOOL_PURE_OBJS) $(B)/libavpn.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

$(B)/unit-asan/tool_test_cli_parse: tests/unit/tool_test_cli_parse.c $(TOOL_PURE_ASAN_OBJS) \
		$(B)/asan/libavpn.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $^ $(LDLIBS) $(CHECK_LIBS)

CHECK_SUITES += check-tool check-tool-asan
.PHONY: check-tool check-tool-asan
check-tool: $(B)/unit/tool_test_cli_parse
	@tests/unit/run.sh $(RESULTS)/check-tool.res $^
check-tool-asan: $(B)/unit-asan/tool_test_cli_parse
	@tests/unit/run.sh $(RESULTS)/check-tool-asan.res $^

-include $(TOOL_OBJS:.o=.d) $(TOOL_PURE_ASAN_OBJS:.o=.d)
