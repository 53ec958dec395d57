#!/usr/bin/env bash
# This crate beside Twilio's official SDKs on many webhooks: does it accept exactly the
# signatures they accept, sign as they sign, and read the same parameters?
#
# 1. agree_cases.py writes COUNT (600) invented webhooks from a fixed SEED, each with
#    twilio-python's RequestValidator.validate verdict, its compute_signature at the URL and
#    the parameters urllib.parse.parse_qsl reads (.cache/compare/agree-cases.json);
# 2. agree.js adds twilio-node's validateRequest verdict and getExpectedTwilioSignature;
# 3. `cargo test --test sdk_agreement -- --ignored` checks the crate against both, webhook
#    by webhook (tests/sdk_agreement.rs says how), prints
#    `600 webhooks: whatsapp-connector agrees with twilio-python on …, twilio-node on …`
#    and fails on any disagreement.
#
# It installs the SDKs under .cache/compare/ (sdks.sh) and exits non-zero on any
# disagreement. A debug build is enough: the checks take well under a second.
#
#   benches/compare/agree.sh
#   COUNT=2000 SEED=7 benches/compare/agree.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/benches/compare"
count=${COUNT:-600}
seed=${SEED:-20260417}
command -v cargo >/dev/null || { echo "error: cargo is required" >&2; exit 1; }
start=$(date +%s%N)

# --- the SDKs (sdks.sh sets cache, python, modules and the versions) ----------------------
source "$here/sdks.sh"

# --- the webhooks and both SDKs' verdicts -------------------------------------------------
cases="$cache/agree-cases.json"
"$python" "$here/agree_cases.py" "$cases" "$count" "$seed"
node "$here/agree.js" "$modules" "$cases"

# --- the crate ----------------------------------------------------------------------------
cd "$root"
SDK_CASES="$cases" cargo test --quiet --test sdk_agreement -- --ignored --nocapture
ms=$((($(date +%s%N) - start) / 1000000))
printf 'agree.sh: done in %d.%03d s\n' $((ms / 1000)) $((ms % 1000)) >&2
