# `make analyze`: cppcheck (tests/analyze/cppcheck.t, also a suite of
# `make check`) and clang's static analyzer (tests/analyze/clang.sh, too
# slow for `make check`: tens of minutes on two cores), each over every C
# file of the tree. Fails when either reports a finding.
.PHONY: analyze
analyze:
	@mkdir -p $(BUILD)
	@TREX_ROOT=$(CURDIR) sh tests/analyze/cppcheck.t | tee $(BUILD)/analyze-cppcheck.tap; \
	! grep -q '^not ok' $(BUILD)/analyze-cppcheck.tap
	@TREX_ROOT=$(CURDIR) sh tests/analyze/clang.sh | tee $(BUILD)/analyze-clang.tap; \
	! grep -q '^not ok' $(BUILD)/analyze-clang.tap
