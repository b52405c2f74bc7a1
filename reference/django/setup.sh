#!/usr/bin/env bash
# Makes (or updates) the reference site's virtualenv with the pinned packages; prints its path.
#   DJANGO_REF_VENV  where it goes (default: .django-ref-venv in the current directory;
#                    the tests and bench/run look for it at the repository root)
# Writes nothing in this directory.
set -euo pipefail
VENV=${DJANGO_REF_VENV:-$PWD/.django-ref-venv}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
echo "$VENV"
