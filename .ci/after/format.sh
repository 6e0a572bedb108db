#!/usr/bin/env bash
# The tree is formatted with Prettier (.prettierrc.json): CI fails on any file written otherwise.
set -euo pipefail
npm run format:check
