#!/usr/bin/env bash
# Serves the reference site with gunicorn, in the foreground, on HOST:PORT (default
# 127.0.0.1:8100; port 0 picks a free one, logged as "Listening at: …").
# gthread, 2 workers x 8 threads, the app loaded once before forking (--preload): the setup
# bench/run compares tokenpair against. DJANGO_REF_VENV as for setup.sh.
set -euo pipefail
VENV=${DJANGO_REF_VENV:-$PWD/.django-ref-venv}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONDONTWRITEBYTECODE=1
exec "$VENV/bin/gunicorn" --pythonpath "$HERE" --bind "${1:-127.0.0.1:8100}" \
  --worker-class gthread --workers 2 --threads 8 --preload --no-control-socket \
  refsite.wsgi:application
