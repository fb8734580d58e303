# tests/sim: avpn-gwsim, simulated gateways on loopback for the registry's
# integration tests and benchmark (uses the real protocol code in libavpn.a).

GWSIM_SRCS := $(sort $(wildcard tests/sim/*.c))
GWSIM_OBJS := $(GWSIM_SRCS:%.c=$(B)/%.o)
BINS += $(B)/avpn-gwsim

$(B)/avpn-gwsim: $(GWSIM_OBJS) $(B)/libavpn.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

-include $(GWSIM_OBJS:.o=.d)
