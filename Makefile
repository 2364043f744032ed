# hardened.relay — developer entry points. setup, demo, molecule* and test need root and Docker
# on a Debian/Ubuntu host; venv, lint, units, sanity, matrix and galaxy-checks need only Python.
#   make demo   deploy a relay into containers and show who it relays for
#   make test   every check side by side (lint, sanity, units, Galaxy, Molecule), then a timing table
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV        := $(CURDIR)/.venv
BUILD       := $(CURDIR)/.build
COLLECTIONS := $(BUILD)/collections
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# Molecule reads the scenarios from the top-level molecule/ directory (see hack/molecule.sh).
# compat runs with the oldest and the newest supported ansible-core (molecule-compat), the
# others with the development pin.
SCENARIOS   := $(filter-out compat,$(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))))
# Scenarios run side by side (their container names and networks are disjoint). Each one's
# output is printed whole when it ends.
MOLECULE_JOBS ?= 2
# make test runs this many checks at once on the 2-core machines CI runs on: the scenarios
# spend much of their time waiting on SMTP conversations and timeouts, not on the CPU.
TEST_JOBS   ?= 3
TIMINGS     := $(BUILD)/test-timings.tsv
# The longest scenarios first (measured: default, policy, modules), then every other one, so
# that a new scenario is never left out. With the base images built, the scenarios start at
# once and the static checks fill the gaps; without, the two longest static checks run while
# the engine and the images are made (make images), and the scenarios wait for them.
LONGEST     := default policy modules
MOLECULE_PARTS := $(addprefix molecule-,$(filter $(SCENARIOS),$(LONGEST)) compat $(filter-out $(LONGEST),$(SCENARIOS)))
ifeq ($(shell bash hack/images_ready.sh),yes)
IMAGES      :=
TEST_PARTS  := $(MOLECULE_PARTS) sanity galaxy-checks units lint
else
IMAGES      := images
TEST_PARTS  := sanity galaxy-checks $(MOLECULE_PARTS) units lint
endif

.PHONY: help setup images venv demo demo-clean test test-parts lint sanity units matrix molecule molecule-compat $(addprefix molecule-,$(SCENARIOS)) build galaxy-checks bench clean

help:
	@echo "make setup       (root) install Docker, base images, then make venv (idempotent)"
	@echo "make images      (root) Docker and the base images only"
	@echo "make venv        the pinned venv and what lint/units/sanity need; no root, no Docker"
	@echo "make lint        yamllint, ansible-lint, antsibull-changelog, role READMEs (no root)"
	@echo "make units       unit tests (no root)"
	@echo "make sanity      ansible-test sanity: dev pin, oldest and newest core (no root)"
	@echo "make matrix      ansible-test sanity on every core and Python in hack/cores.txt (no root)"
	@echo "make demo        deploy a relay in containers and show who it relays for"
	@echo "make demo-clean  remove the demo containers and networks"
	@echo "make test        (root) all of the checks, $(TEST_JOBS) at a time, then a timing table"
	@echo "make molecule    (root) Molecule ($(SCENARIOS)) on Debian 12 and 13, and compat"
	@echo "make molecule-compat  (root) the compat scenario with the oldest and the newest ansible-core"
	@echo "make build       build the collection tarball into .build/"
	@echo "make galaxy-checks  galaxy-importer (Automation Hub rules), antsibull-docs lint, EE introspect (no root)"
	@echo "make bench       postmap module vs raw postmap on 1k/100k/1M entries"

setup:
	@bash hack/setup.sh

# The engine and the base images only (what the scenarios need beyond the venv).
images:
	@bash hack/timed.sh "engine and images" bash hack/setup.sh --no-venv

demo: setup
	@bash hack/demo.sh up

demo-clean:
	@bash hack/demo.sh clean

# Every check once, side by side; a failing one does not stop the others (-k). Sanity must run
# every pair it is asked (no skipped Python).
test:
	@mkdir -p $(BUILD) && rm -f $(TIMINGS)
	@HR_TIMINGS=$(TIMINGS) bash hack/timed.sh "venv" $(MAKE) --no-print-directory venv
	@status=0; HR_TIMINGS=$(TIMINGS) HR_SANITY_STRICT=1 $(MAKE) --no-print-directory -k -j$(TEST_JOBS) \
		--output-sync=target test-parts || status=$$?; python3 hack/timing_table.py $(TIMINGS) $(TEST_PARTS); exit $$status

test-parts: $(TEST_PARTS)

venv:
	@bash hack/venv.sh

lint: venv
	@bash hack/timed.sh "lint" bash hack/lint.sh

sanity: venv
	@bash hack/timed.sh "sanity" bash hack/sanity.sh

matrix: venv
	@bash hack/sanity.sh --matrix

units: venv
	@bash hack/timed.sh "units" bash hack/units.sh

molecule: $(addprefix molecule-,$(SCENARIOS)) molecule-compat

molecule-compat: $(IMAGES) venv
	@bash hack/molecule_cores.sh compat

$(addprefix molecule-,$(SCENARIOS)): molecule-%: $(IMAGES) venv
	@bash hack/timed.sh "molecule $*" bash hack/molecule.sh test -s $*

# Benchmarks measure speed goals; they are not part of `make test`.
# Both benchmarks run even when the first misses a goal; make bench fails if either did.
bench: setup
	status=0; python bench/postmap_bench.py || status=1; python bench/role_idempotence_bench.py || status=1; python bench/big_table_overhead_bench.py || status=1; exit $$status

build:
	ansible-galaxy collection build --force --output-path $(BUILD)

# What Galaxy and Automation Hub check on upload (tools in their own venv, .build/venv-galaxy).
galaxy-checks: venv
	@bash hack/timed.sh "galaxy-checks" bash hack/galaxy_checks.sh

clean: demo-clean
	rm -rf $(BUILD)
