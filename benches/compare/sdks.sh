# Twilio's official SDKs for the scripts beside this file, installed once under
# $cache (.cache/compare/ by default): a Python virtualenv with twilio-python and an npm folder
# with twilio-node. Sourced, not run: it sets
#
#   cache           the folder (created)
#   twilio_python   the Python SDK's version (TWILIO_PYTHON_VERSION, default 9.13.0)
#   twilio_node     the Node SDK's version (TWILIO_NODE_VERSION, default 6.2.0)
#   python          the virtualenv's python, with twilio importable
#   modules         the node_modules folder holding twilio
#
# and installs a version only when the one present differs. Needs `root` set to the checkout.

cache="$root/.cache/compare"
twilio_python=${TWILIO_PYTHON_VERSION:-9.13.0}
twilio_node=${TWILIO_NODE_VERSION:-6.2.0}

for tool in python3 node npm; do
    command -v "$tool" >/dev/null || { echo "error: $tool is required" >&2; exit 1; }
done

mkdir -p "$cache"
python="$cache/venv/bin/python"
if ! "$python" -c "import twilio, sys; sys.exit(twilio.__version__ != '$twilio_python')" 2>/dev/null; then
    echo "installing twilio==$twilio_python (Python) into $cache/venv" >&2
    python3 -m venv "$cache/venv"
    "$cache/venv/bin/pip" install --quiet --disable-pip-version-check "twilio==$twilio_python"
fi
if [ "$(node -p "try{require('$cache/node/node_modules/twilio/package.json').version}catch(e){''}")" != "$twilio_node" ]; then
    echo "installing twilio@$twilio_node (Node) into $cache/node" >&2
    mkdir -p "$cache/node"
    npm install --silent --no-audit --no-fund --prefix "$cache/node" "twilio@$twilio_node" >/dev/null
fi
modules="$cache/node/node_modules"
