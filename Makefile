# memli: two commands do everything.  `make demo`  and  `make test`.
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
APT_PACKAGES := ngspice libngspice0-dev gcc
STAMP := .setup.stamp

.PHONY: setup demo test bench clean

# Idempotent: system packages are installed only when missing, the Python
# package only when pyproject.toml changed since the last set-up.
setup: $(STAMP)

$(STAMP): pyproject.toml
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi
	$(PIP) install --quiet --disable-pip-version-check -e '.[dev]'
	@$(PYTHON) -c "import memli.simulators as s; s.check_tools()"
	@touch $(STAMP)

demo: setup
	$(PYTHON) -m memli.demo --out out/demo --force

test: setup
	$(PYTHON) -m pytest -q -p no:cacheprovider --durations=25 --nbmake tests notebooks

bench: setup
	$(PYTHON) -m bench

clean:
	rm -rf out build $(STAMP) .pytest_cache
