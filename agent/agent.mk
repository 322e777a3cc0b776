# trex parses trexd's HTTP answers with llhttp (the parser trexd uses too).
# Listed after the Makefile's own prerequisites of $(BUILD)/trex and of
# its installed copy, so the archive comes after libagent.a on the link line.
$(BUILD)/trex $(BUILD)/inst/trex: $(BUILD)/libllhttp.a
