#!/usr/bin/env bash
# The slow soaks npm test leaves out (SIGKILL under load, processes on one database): every CI run runs them.
set -euo pipefail
npm run test:slow
