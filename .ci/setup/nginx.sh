#!/usr/bin/env bash
# nginx for apps/receiver/test/process/behind-nginx.test.ts, which starts its own nginx process
# (its own config, port and temp dirs); the system's nginx service is never started.
set -euo pipefail
command -v nginx >/dev/null || (apt-get update && apt-get install -y nginx)
