#!/usr/bin/env bash
# The project's test command: prepares the machine (test/setup/setup.sh, idempotent), then runs
# `npm test` = type check, lint, unit tests, integration tests (real containerd in its own
# network namespace, real kernel tables in namespaces the tests create). Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash test/setup/setup.sh
echo "== npm test"
npm test
