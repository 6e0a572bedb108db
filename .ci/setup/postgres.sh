#!/usr/bin/env bash
# Starts the machine's PostgreSQL cluster if it is not accepting connections,
# the way the machine does (no systemd), then waits until it is ready and the
# `test` database exists. Idempotent: a running server is left alone.
set -euo pipefail
if ! pg_isready -q -h 127.0.0.1; then
  version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 1
done
pg_isready -h 127.0.0.1
# The tests connect to database `test` and create their own databases from there.
if ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -d postgres -c 'CREATE DATABASE test'
fi
