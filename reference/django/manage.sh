#!/usr/bin/env bash
# Django's manage.py of the reference site, run by the virtualenv's Python:
#   reference/django/manage.sh migrate
#   DJANGO_SUPERUSER_PASSWORD=… reference/django/manage.sh createsuperuser --noinput --username kyoko --email k@example.com
# DJANGO_REF_VENV as for setup.sh. Runs in the current directory (the default SQLite file is
# ./db.sqlite3 there) and writes no bytecode beside the sources.
set -euo pipefail
VENV=${DJANGO_REF_VENV:-$PWD/.django-ref-venv}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PYTHONDONTWRITEBYTECODE=1
exec "$VENV/bin/python" "$HERE/manage.py" "$@"
