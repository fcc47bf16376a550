# One-command set-up on a fresh Debian/Ubuntu machine, as root.
#   make demo   installs everything and renders the bundled example post to out/distill-demo.pdf
#   make test   installs everything and runs the test suite (what CI runs)
#   make bench  installs everything and runs the benchmark against pandoc (bench/README.md)
PYTHON ?= python3
APT_PACKAGES := texlive-xetex texlive-latex-extra texlive-latex-recommended texlive-fonts-recommended \
                texlive-bibtex-extra texlive-plain-generic biber latexmk poppler-utils librsvg2-bin \
                chromium fonts-liberation

# node and npm for the Astro integration's test (tests/test_astro_integration.py installs the
# fixture site from npm). Installed only when npm is missing: a NodeSource nodejs, which carries
# its own npm, conflicts with Debian's npm package.
NODE_PACKAGES := nodejs npm

.PHONY: setup system-packages node python-packages tectonic figures demo test bench

setup: system-packages node python-packages tectonic figures

system-packages:
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES)

node:
	command -v npm >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(NODE_PACKAGES)

python-packages:
	$(PYTHON) -m pip install -q --disable-pip-version-check -e '.[test]'
	# bytecode now, as a regular (non-editable) install does: with PYTHONDONTWRITEBYTECODE
	# set, every run would otherwise compile the sources again
	$(PYTHON) -m compileall -q distill_pdf

tectonic:
	tools/install-tectonic

# diagrams and interactive figures: the pinned JavaScript libraries, fetched with npm into
# the cache folder (chromium comes from APT_PACKAGES, npm from the node step)
figures: node python-packages
	$(PYTHON) -m distill_pdf figures install

demo: setup
	distill-pdf examples/distill-demo/post.md -o out/distill-demo.pdf

test: setup
	$(PYTHON) -m pytest -q

bench: setup
	$(PYTHON) bench/bench.py
