#!/usr/bin/env bash
# Installs what the notebooks need, idempotently, on a fresh Debian machine
# of this project's kind (Go already installed):
#   - Jupyter (nbconvert + client) from Debian packages, used as /usr/bin/jupyter;
#   - KaTeX (libjs-katex, fonts-katex), which scripts/nbhtml inlines into the
#     HTML exports so that their math is typeset offline, anywhere; and
#     fonts-liberation, the font the figures' text is laid out for;
#   - GoNB v0.11.4 and goimports v0.52.0 from tools/gonb (a tools module),
#     gopls v0.23.0 from tools/gopls, into $(go env GOPATH)/bin;
#   - the GoNB kernel registration (raw errors, so compile errors read well in logs).
# Quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
gobin=$(go env GOPATH)/bin
export PATH="$(go env GOROOT)/bin:$gobin:$PATH"

if ! /usr/bin/jupyter nbconvert --version >/dev/null 2>&1; then
	echo "setup: installing Jupyter (Debian packages jupyter-nbconvert, jupyter-client)"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends jupyter-nbconvert jupyter-client >/dev/null
fi
if [ ! -f /usr/share/javascript/katex/katex.min.js ] || [ ! -f /usr/share/fonts/truetype/katex/KaTeX_Main-Regular.woff2 ] \
	|| [ ! -d /usr/share/fonts/truetype/liberation ]; then
	echo "setup: installing KaTeX and Liberation fonts (Debian packages libjs-katex, fonts-katex, fonts-liberation)"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends libjs-katex fonts-katex fonts-liberation >/dev/null
fi

want_gonb=v0.11.4
have_gonb=$(go version -m "$gobin/gonb" 2>/dev/null | awk '$1=="mod"{print $3}' || true)
if [ "$have_gonb" != "$want_gonb" ] || [ ! -x "$gobin/goimports" ]; then
	echo "setup: installing GoNB $want_gonb and goimports (tools/gonb)"
	(cd "$root/tools/gonb" && go install tool)
fi
if [ ! -x "$gobin/gopls" ]; then
	echo "setup: installing gopls (tools/gopls)"
	(cd "$root/tools/gopls" && go install tool)
fi

if ! /usr/bin/jupyter kernelspec list 2>/dev/null | grep -q '^ *gonb '; then
	echo "setup: registering the GoNB kernel"
	"$gobin/gonb" --install --raw_error >/dev/null
fi
