#!/usr/bin/env bash
# After the unit tests (.ci/run): what a user installs from npm works as the READMEs say
# (scripts/consumer-test.mjs: pack, install the tarballs in a fresh project, type-check every
# README block, load every entry point, receiver + emitter from the tarballs, publint, attw),
# then the API reference builds with its links checked (typedoc.json: warnings are errors).
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run test:consumer
npm run docs
