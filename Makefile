# git-fswatch
#
#   make install   install for the current user (private venv + links in ~/.local/bin)
#   make test      install what the tests need (a venv in .venv), run t/ and pytest
#   make doc       render the man pages and HTML in Documentation/
#   make perf      run the benchmarks in t/perf
#   make soak      a randomised differential soak of many minutes (not in make test)
#   make clean     remove what the build and the tests made

PYTHON ?= python3
prefix ?= $(HOME)/.local
bindir ?= $(prefix)/bin
mandir ?= $(prefix)/share/man
datadir ?= $(prefix)/share/git-fswatch
INSTALL_VENV ?= $(datadir)/venv
TEST_VENV = .venv
PROVE_OPTS ?= -j2
SHELL_TESTS = $(sort $(wildcard t/t[0-9][0-9][0-9][0-9]-*.sh))
RUNTIME_DEPS = inotify_simple pygit2
TEST_DEPS = pytest hypothesis

.PHONY: all install uninstall test shell-test unit-test doc perf clean venv-check

all:
	@echo "make install | make test | make doc | make perf | make clean"

# A distribution's python may refuse `pip install` outside a venv (PEP 668)
# and may lack the venv module (Debian's python3-venv): install it if we can.
define make_venv
	if ! $(PYTHON) -m venv "$(1)" 2>/dev/null; then \
		rm -rf "$(1)"; \
		echo "python's venv module is missing; installing python3-venv" >&2; \
		if test "$$(id -u)" = 0 && command -v apt-get >/dev/null; then \
			(apt-get install -y python3-venv || \
			 { apt-get update && apt-get install -y python3-venv; }) >&2 || exit 1; \
		elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
			sudo apt-get install -y python3-venv >&2 || exit 1; \
		else \
			echo "error: '$(PYTHON) -m venv' fails; install your distribution's python3-venv" >&2; \
			exit 1; \
		fi; \
		$(PYTHON) -m venv "$(1)" || exit 1; \
	fi
endef

$(TEST_VENV)/.stamp: setup.cfg
	rm -rf $(TEST_VENV)
	$(call make_venv,$(TEST_VENV))
	$(TEST_VENV)/bin/python -m pip install -q --disable-pip-version-check $(RUNTIME_DEPS) $(TEST_DEPS)
	touch $@

test: $(TEST_VENV)/.stamp
	$(MAKE) shell-test unit-test

shell-test: $(TEST_VENV)/.stamp
	@cd t && if command -v prove >/dev/null; then \
		prove $(PROVE_OPTS) --timer --exec 'timeout 600 sh' $(SHELL_TESTS:t/%=%); \
	else \
		failed=; for s in $(SHELL_TESTS:t/%=%); do \
			echo "*** $$s"; timeout 600 sh "$$s" || failed="$$failed $$s"; \
		done; \
		if test -n "$$failed"; then echo "failed:$$failed"; exit 1; fi; \
	fi

unit-test: $(TEST_VENV)/.stamp
	$(TEST_VENV)/bin/python -m pytest

install:
	rm -rf "$(INSTALL_VENV)"
	mkdir -p "$(datadir)" "$(bindir)"
	$(call make_venv,$(INSTALL_VENV))
	"$(INSTALL_VENV)/bin/python" -m pip install -q --disable-pip-version-check .
	ln -sf "$(INSTALL_VENV)/bin/git-fswatch-notify" "$(bindir)/git-fswatch-notify"
	ln -sf "$(INSTALL_VENV)/bin/git-fswatch-status" "$(bindir)/git-fswatch-status"
	@# The man pages, rendered (asciidoctor installed on demand) where that
	@# can be done; without them the commands still work.
	@$(MAKE) -s -C Documentation toolchain man >/dev/null 2>&1 || true
	@if test -n "$$(ls Documentation/*.1 2>/dev/null)"; then \
		mkdir -p "$(mandir)/man1" && cp Documentation/*.1 "$(mandir)/man1/" && \
		echo "man pages:    $(mandir)/man1"; \
	else \
		echo "note: no man pages installed: asciidoctor could not be had; 'make doc' says why"; \
	fi
	@echo "installed:    $(INSTALL_VENV)"
	@echo "commands:     $(bindir)/git-fswatch-notify, $(bindir)/git-fswatch-status"
	@case ":$$PATH:" in *":$(bindir):"*) ;; *) \
		echo "note: $(bindir) is not on your PATH; add it so that git finds 'git fswatch-status'";; \
	esac

uninstall:
	rm -f "$(bindir)/git-fswatch-notify" "$(bindir)/git-fswatch-status"
	rm -f "$(mandir)/man1/git-fswatch-notify.1" "$(mandir)/man1/git-fswatch-status.1"
	rm -rf "$(datadir)"

doc:
	$(MAKE) -C Documentation

# The Watchman comparison runs when Debian's watchman can be had; without it
# the table says it was skipped and why.
perf: $(TEST_VENV)/.stamp
	@command -v watchman >/dev/null || test "$$(id -u)" != 0 || \
		apt-get install -y watchman >/dev/null 2>&1 || \
		echo "note: could not install watchman; its row will be skipped" >&2
	sh t/perf/run $(PERF_ARGS)

# The helper, the warm engine and the hook under random changes, kills and
# overflows, compared with git status after every round: SOAK_SECONDS long,
# SOAK_SEED replays a run.  Not part of `make test`.
SOAK_SECONDS ?= 600
.PHONY: soak
soak: $(TEST_VENV)/.stamp
	$(TEST_VENV)/bin/python t/soak.py --seconds $(SOAK_SECONDS) $(if $(SOAK_SEED),--seed $(SOAK_SEED))

clean:
	rm -rf build *.egg-info $(TEST_VENV) t/trash\ directory.* t/test-results .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	-$(MAKE) -C Documentation clean
