# The pipeline, driven by make: `make setup` once, then `make`. `make help` lists every target.
# `make` runs the corpus through the corpus runner (`pipeline batch`: worker processes that keep their
# resources loaded, each document's stages rerun only when their inputs changed). One document's
# outputs can also be made file by file, one process per stage: `make outputs/<doc>/report.html`, and
# `make -j2 documents` does that for every document. Document names (corpus/<doc>.fi.txt) may have
# only letters, digits, '-', '_' and '.': other names are left out here and refused by the runner.

PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
PY := $(VENV)/bin/python
UV := .tools/bin/uv
STAMP := $(VENV)/.installed
CORPUS ?= corpus
OUT ?= outputs
SHARED ?= ../shared

# Only names of safe characters become make targets (the runner reports the others).
DOCS := $(shell ls -- '$(CORPUS)' 2>/dev/null | sed -n 's/^\([A-Za-z0-9_][A-Za-z0-9._-]*\)\.fi\.txt$$/\1/p')
PIPELINE_SRC := pyproject.toml $(wildcard pipeline/*.py pipeline/*/*.py)
SEGMENTS := $(DOCS:%=$(OUT)/%/segments.jsonl)
ISSUES := $(DOCS:%=$(OUT)/%/issues.jsonl)
CLEANED := $(DOCS:%=$(OUT)/%/cleaned.fi.txt)
RECHECKED := $(DOCS:%=$(OUT)/%/issues.cleaned.jsonl)
# Only documents with a comparison schema (corpus/<doc>.schema.yaml) get the role-attribute tables.
SCHEMA_DOCS := $(patsubst $(CORPUS)/%.schema.yaml,%,$(wildcard $(CORPUS)/*.schema.yaml))
ATTRIBUTES := $(foreach d,$(filter $(DOCS),$(SCHEMA_DOCS)),$(OUT)/$(d)/role_attributes.csv)
ISSUES_EN := $(DOCS:%=$(OUT)/%/issues.en.jsonl)
ALIGNED := $(DOCS:%=$(OUT)/%/aligned.jsonl)
TRANSLATIONS := $(DOCS:%=$(OUT)/%/translations.jsonl)
REPORTS := $(DOCS:%=$(OUT)/%/report.html)
INDEX := $(OUT)/index.html
REPORT_SRC := $(wildcard pipeline/templates/*)
PUBLISHED := $(foreach d,$(DOCS),$(OUT)/$(d)/publish/$(d).fi.txt)
# Argos's package directory, as Argos resolves it (unless its settings.json says otherwise):
# translations are redone when a package is installed or removed there.
ARGOS_PACKAGES_DIR ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)/argos-translate/packages
ARGOS_MODELS ?=
TRANSLATE_FLAGS ?=

# Without the virtual environment, every target that needs it stops with one clear line.
ifeq ($(wildcard $(STAMP)),)
NEED_VENV := check-venv
endif

.DEFAULT_GOAL := all
# No .DELETE_ON_ERROR: the pipeline writes every output atomically, so a stage that fails leaves its
# earlier outputs as they were, and make must not delete them (a bad review file used to cost the
# document its changes.jsonl and review.jsonl). Recipes quote every path they pass to the shell.
.PHONY: all documents setup venv system-packages languagetool models test lint format bench bench-segment bench-check \
	bench-align bench-languagetool bench-translate bench-report bench-inflect bench-corpus clean help lock check-venv \
	lexicon

# The runner's settings: WORKERS worker processes (default one per CPU), or SCHEDULER, the address of a
# running Dask cluster.
WORKERS ?=
SCHEDULER ?=
BATCH_FLAGS := $(if $(WORKERS),--workers $(WORKERS)) $(if $(SCHEDULER),--scheduler '$(SCHEDULER)')

all: | $(NEED_VENV) ## Run the whole pipeline on every corpus/*.fi.txt into outputs/<doc>/ with the corpus runner (the default)
	$(PY) -m pipeline batch '$(CORPUS)' --out-dir '$(OUT)' $(BATCH_FLAGS)

documents: $(SEGMENTS) $(ISSUES) $(CLEANED) $(RECHECKED) $(TRANSLATIONS) $(ISSUES_EN) $(ALIGNED) $(ATTRIBUTES) $(PUBLISHED) $(REPORTS) $(INDEX) ## The same with one process per stage and document (make's own incremental build; -j2 runs two)

$(OUT)/%/segments.jsonl: $(CORPUS)/%.fi.txt $(PIPELINE_SRC) | $(NEED_VENV)
	$(PY) -m pipeline -q segment '$<' -o '$@'

$(OUT)/%/issues.jsonl: $(OUT)/%/segments.jsonl $(PIPELINE_SRC) | $(NEED_VENV)
	$(PY) -m pipeline -q check '$<' -o '$@'

# Optional inputs (a reviewer's decisions, an English reference, a schema) are found with
# $$(wildcard $(CORPUS)/$$*...) in the prerequisites, which needs the second expansion.
.SECONDEXPANSION:

# Not -q: a reviewer's decision that is stale or in conflict is a warning worth seeing. The cleaned text
# is checked again (issues.cleaned.jsonl); a pattern rule's targets are made together by one run.
$(OUT)/%/cleaned.fi.txt $(OUT)/%/changes.jsonl $(OUT)/%/review.jsonl $(OUT)/%/issues.cleaned.jsonl: \
		$(CORPUS)/%.fi.txt $(OUT)/%/segments.jsonl \
		$(OUT)/%/issues.jsonl $(wildcard $(CORPUS)/glossary.tsv) $$(wildcard $(CORPUS)/$$*.review.yaml) \
		$(PIPELINE_SRC) | $(NEED_VENV)
	$(PY) -m pipeline run '$<' --out-dir '$(@D)' --stage clean

# Not -q: a missing model is a warning worth seeing, and a terminal shows a progress bar.
$(OUT)/%/translations.jsonl: $(OUT)/%/segments.jsonl $(PIPELINE_SRC) $(wildcard $(ARGOS_PACKAGES_DIR)) | $(NEED_VENV)
	$(PY) -m pipeline translate '$<' -o '$@' $(TRANSLATE_FLAGS)

# English checks on the translate stage's output (empty outputs and a warning when it was skipped) and
# on the English reference corpus/<doc>.en.txt, when there is one (issues.ref.jsonl).
$(OUT)/%/issues.en.jsonl $(OUT)/%/cleaned.en.txt $(OUT)/%/changes.en.jsonl $(OUT)/%/issues.ref.jsonl: \
		$(OUT)/%/translations.jsonl $$(wildcard $(CORPUS)/$$*.en.txt) $(PIPELINE_SRC) | $(NEED_VENV)
	$(PY) -m pipeline -q run '$(CORPUS)/$*.fi.txt' --out-dir '$(@D)' --stage check-en

# The bilingual dataset; an English reference corpus/<doc>.en.txt, when there is one, is aligned too
# (its beads: reference.jsonl).
$(OUT)/%/aligned.jsonl $(OUT)/%/aligned.csv $(OUT)/%/aligned.parquet $(OUT)/%/aligned.tmx $(OUT)/%/aligned.xlf \
		$(OUT)/%/reference.jsonl: \
		$(OUT)/%/segments.jsonl $(OUT)/%/issues.jsonl $(OUT)/%/changes.jsonl $(OUT)/%/translations.jsonl \
		$$(wildcard $(CORPUS)/$$*.en.txt) pipeline/triage.toml $(PIPELINE_SRC) | $(NEED_VENV)
	$(PY) -m pipeline -q run '$(CORPUS)/$*.fi.txt' --out-dir '$(@D)' --stage align

$(OUT)/%/role_attributes.csv $(OUT)/%/role_attributes.parquet $(OUT)/%/comparison.csv $(OUT)/%/comparison.md: \
		$(CORPUS)/%.schema.yaml $(OUT)/%/segments.jsonl $(OUT)/%/changes.jsonl $(OUT)/%/translations.jsonl \
		$(OUT)/%/aligned.jsonl $(PIPELINE_SRC) | $(NEED_VENV)
	$(PY) -m pipeline -q run '$(CORPUS)/$*.fi.txt' --out-dir '$(@D)' --stage attributes

# The publisher's copy: the cleaned text as .fi.txt and .md, segments triaged "reject" marked. The file
# names repeat the document name, which a pattern rule cannot say: one explicit rule per document.
define PUBLISH_RULE
$(OUT)/$(1)/publish/$(1).fi.txt $(OUT)/$(1)/publish/$(1).md &: $(CORPUS)/$(1).fi.txt $(OUT)/$(1)/segments.jsonl \
		$(OUT)/$(1)/issues.jsonl $(OUT)/$(1)/changes.jsonl $(OUT)/$(1)/cleaned.fi.txt $(OUT)/$(1)/issues.cleaned.jsonl \
		$(OUT)/$(1)/aligned.jsonl $(PIPELINE_SRC) | $(NEED_VENV)
	$$(PY) -m pipeline -q run '$$<' --out-dir '$(OUT)/$(1)' --stage publish
endef
$(foreach d,$(DOCS),$(eval $(call PUBLISH_RULE,$(d))))

# The reviewer's report: every output above (the comparison table only where there is a schema) and the
# config files its signature hashes.
$(OUT)/%/report.html: $(OUT)/%/segments.jsonl $(OUT)/%/issues.jsonl $(OUT)/%/changes.jsonl \
		$(OUT)/%/cleaned.fi.txt $(OUT)/%/issues.cleaned.jsonl $(OUT)/%/review.jsonl $(OUT)/%/translations.jsonl \
		$(OUT)/%/issues.en.jsonl \
		$(OUT)/%/aligned.jsonl \
		$$(if $$(wildcard $(CORPUS)/$$*.en.txt),$(OUT)/$$*/reference.jsonl $(OUT)/$$*/issues.ref.jsonl) \
		$$(if $$(wildcard $(CORPUS)/$$*.schema.yaml),$(OUT)/$$*/comparison.csv $(CORPUS)/$$*.schema.yaml) \
		$$(wildcard $(CORPUS)/$$*.review.yaml $(CORPUS)/glossary.tsv) pipeline/triage.toml \
		$(REPORT_SRC) $(PIPELINE_SRC) | $(NEED_VENV)
	$(PY) -m pipeline -q run '$(CORPUS)/$*.fi.txt' --out-dir '$(@D)' --stage report

# The corpus directory is a prerequisite: a document removed from it leaves the index.
$(INDEX): $(REPORTS) $(CORPUS) $(REPORT_SRC) $(PIPELINE_SRC) | $(NEED_VENV)
	$(PY) -m pipeline -q report-index '$(OUT)' --corpus '$(CORPUS)'

check-venv:
	@test -x $(PY) -a -f $(STAMP) || { echo "make: $(VENV) is missing or incomplete: run 'make setup' first" >&2; exit 1; }

setup: system-packages venv languagetool ## Install everything a fresh Debian 12 machine needs (safe to rerun)
	@$(PY) -m pipeline models install $(ARGOS_MODELS) || echo "setup: no Argos translation model could be" \
		"installed (see above); setup goes on, and the translate stage records 'skipped' until 'make models' succeeds" >&2

models: check-venv ## Install the fi→en and en→fi Argos packages: from the package index, or ARGOS_MODELS="a.argosmodel b.argosmodel"
	$(PY) -m pipeline models install $(ARGOS_MODELS)

system-packages: ## Install the Debian packages (Voikko, its Finnish dictionary, python3-venv, Java, Maven, Chromium)
	tools/setup-system.sh

venv: $(STAMP) ## Create .venv with the locked dependencies (requirements.lock) and the package

languagetool: $(STAMP) ## Install LanguageTool for the English checks (its download, else Maven); safe to rerun
	$(PY) tools/languagetool/provision.py

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): requirements.lock pyproject.toml | $(UV)
	test -x $(PY) || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	VIRTUAL_ENV=$(VENV) $(UV) pip sync --quiet requirements.lock
	VIRTUAL_ENV=$(VENV) $(UV) pip install --quiet --no-deps --editable .
	touch $@

lock: | $(UV) ## Re-resolve requirements.lock from pyproject.toml (then commit it)
	$(UV) pip compile pyproject.toml tools/argos/requirements.in --excludes tools/argos/excludes.txt \
		--extra dev --generate-hashes --universal --python-version 3.11 --quiet -o requirements.lock

test: check-venv ## Run the test suite (real Voikko; nothing is downloaded)
	$(PY) -m pytest

lint: check-venv ## ruff (lint and format check) and mypy (strict)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

format: check-venv ## Apply ruff's formatter and safe fixes
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: bench-segment bench-check bench-align bench-translate bench-languagetool bench-report bench-inflect bench-corpus ## Run every benchmark and print its figures

bench-segment: check-venv ## Segmentation accuracy (TDT dev) and throughput beside Voikko's splitter
	$(PY) bench/bench_segment.py --shared $(SHARED)

bench-check: check-venv ## Finnish checks: MT-artifact recall and false alarms beside plain Voikko, and time
	$(PY) bench/bench_check.py --shared $(SHARED)

bench-align: check-venv ## Reference alignment (align-ref) on the PUD set beside Gale-Church
	$(PY) bench/bench_align.py --shared $(SHARED)

bench-languagetool: check-venv ## LanguageTool start-up time; checks per second per paragraph vs per sentence
	$(PY) bench/bench_languagetool.py --shared $(SHARED)

bench-translate: check-venv ## Batched translation vs an Argos-style per-paragraph loop (tiny test package), warm cache
	$(PY) bench/bench_translate.py --shared $(SHARED)

bench-report: check-venv ## Time and size of the report stage for a 1,000-sentence document (tiny test package)
	$(PY) bench/bench_report.py --shared $(SHARED)

bench-inflect: check-venv ## Inflector: treebank forms regenerated from lemma, case and number (TDT+PUD tuned, FTB held out)
	$(PY) bench/bench_inflect.py --shared $(SHARED)

bench-corpus: check-venv ## 200 short documents: per-process make -j2 beside the corpus runner, docs/s and marginal cost
	$(PY) bench/bench_corpus.py

# The syntax checks' data (pipeline/data/): text from Debian's Finnish documentation and the FTB treebank;
# the lexicon first, since the case model's features read it. TDT and PUD are held out: the development
# sets of bench-check are built from them.
LEXICON_WORK ?= .tools/lexicon
lexicon: check-venv ## Rebuild the valency lexicon and the case model (pipeline/data/) from parsed Finnish (slow)
	mkdir -p $(LEXICON_WORK)
	$(PY) tools/finnish_text.py $(LEXICON_WORK)/finnish.txt
	$(PY) tools/build_valency.py pipeline/data/valency.tsv --conllu $(SHARED)/data/fi_ftb-ud-dev.conllu \
		--text $(LEXICON_WORK)/finnish.txt
	$(PY) tools/build_casemodel.py pipeline/data/casemodel.tsv --conllu $(SHARED)/data/fi_ftb-ud-dev.conllu \
		--text $(LEXICON_WORK)/finnish.txt --passes 3 --parses $(LEXICON_WORK)/parses.jsonl

clean: ## Remove generated outputs (outputs/ keeps its README)
	find $(OUT) -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | awk -F'\t' '{printf "  %-19s %s\n", $$1, $$2}'
