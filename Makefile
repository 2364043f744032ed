# hardened.relay — developer entry points. Run as root on a Debian/Ubuntu host.
#   make demo   deploy a relay into containers and show who it relays for
#   make test   lint, sanity, unit tests and every Molecule scenario on Debian 12 and 13
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV        := $(CURDIR)/.venv
BUILD       := $(CURDIR)/.build
COLLECTIONS := $(BUILD)/collections
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# Molecule reads the scenarios from the top-level molecule/ directory (see hack/molecule.sh).
SCENARIOS   := $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))
# Scenarios run side by side (their container names and networks are disjoint); two fit the
# 2-core machines CI runs on. Each scenario's output is printed whole when it ends.
MOLECULE_JOBS ?= 2

.PHONY: help setup demo demo-clean test lint sanity units molecule $(addprefix molecule-,$(SCENARIOS)) build bench clean

help:
	@echo "make setup       install Docker, base images, the pinned venv (idempotent)"
	@echo "make demo        deploy a relay in containers and show who it relays for"
	@echo "make demo-clean  remove the demo containers and networks"
	@echo "make test        lint + sanity + units + Molecule ($(SCENARIOS)) on Debian 12 and 13"
	@echo "make build       build the collection tarball into .build/"
	@echo "make bench       postmap module vs raw postmap on 1k/100k/1M entries"

setup:
	@bash hack/setup.sh

demo: setup
	@bash hack/demo.sh up

demo-clean:
	@bash hack/demo.sh clean

test: setup
	@bash hack/timed.sh "lint" $(MAKE) --no-print-directory lint
	@bash hack/timed.sh "sanity" $(MAKE) --no-print-directory sanity
	@bash hack/timed.sh "units" $(MAKE) --no-print-directory units
	@bash hack/timed.sh "molecule" $(MAKE) --no-print-directory -j$(MOLECULE_JOBS) --output-sync=target molecule

lint:
	yamllint --strict .
	ansible-lint --profile production
	antsibull-changelog lint
	python hack/role_readme.py --check

sanity:
	@bash hack/sanity.sh

# Action plugins run on the controller, whose Ansible code changes how the modules' own code
# behaves once imported (warnings, JSON); modules never share a process with it, so neither do their tests.
units:
	PYTHONPATH=$(COLLECTIONS) python -m pytest -q tests/unit --ignore=tests/unit/plugins/action
	PYTHONPATH=$(COLLECTIONS) python -m pytest -q tests/unit/plugins/action

molecule: $(addprefix molecule-,$(SCENARIOS))

$(addprefix molecule-,$(SCENARIOS)): molecule-%:
	@bash hack/timed.sh "molecule $*" bash hack/molecule.sh test -s $*

# Benchmarks measure speed goals; they are not part of `make test`.
# Both benchmarks run even when the first misses a goal; make bench fails if either did.
bench: setup
	status=0; python bench/postmap_bench.py || status=1; python bench/role_idempotence_bench.py || status=1; python bench/big_table_overhead_bench.py || status=1; exit $$status

build:
	ansible-galaxy collection build --force --output-path $(BUILD)

clean: demo-clean
	rm -rf $(BUILD)
