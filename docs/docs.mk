# Diagrams of the documentation: each docs/design/NAME.dot (the source, kept
# readable as text) is rendered by graphviz's dot to docs/design/NAME.svg,
# which is committed so that readers need no graphviz. `make diagrams` after
# editing a .dot; graphviz is in scripts/deps.sh.
DIAGRAMS := $(patsubst %.dot,%.svg,$(wildcard docs/design/*.dot))

.PHONY: diagrams
diagrams: $(DIAGRAMS)

docs/design/%.svg: docs/design/%.dot
	dot -Tsvg $< -o $@.tmp && mv $@.tmp $@
