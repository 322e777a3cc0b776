# Escape suite (tests/escape/escape.t): the multi-call attack binary that
# performs one ATTACKS.md attempt per run, in the control and in the sandbox.
ESC_ATTACK_SRCS := $(sort $(wildcard tests/escape/attacks/*.c))
ESC_ATTACK_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(ESC_ATTACK_SRCS))

$(BUILD)/tests/escape/attack: $(ESC_ATTACK_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS_BASE) -o $@ $^ -lpthread

TEST_BINS += $(BUILD)/tests/escape/attack
