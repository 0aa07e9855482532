#!/usr/bin/env bash
# Installs the two real RocketMQ clients the interop tests drive, from their
# package registries, into the directory given as $1 (idempotent):
#   - PyPI rocketmq==0.4.4: Python bindings bundling the Apache C++ client
#   - npm ali-ons@3.12.0: a pure JavaScript client
set -euo pipefail
dest=${1:?usage: setup.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dest"
cd "$dest"
if [ ! -e .python-done ]; then
    rm -rf venv
    python3 -m venv venv
    venv/bin/pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    touch .python-done
fi
if [ ! -e .node-done ]; then
    cp "$here/package.json" "$here/package-lock.json" .
    # The lock file pins every package below ali-ons too.
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    touch .node-done
fi
cp "$here/peer_cpp.py" "$here/peer_alions.js" .
