"""The environment variables the reference site reads, in tokenpair's syntax, so that one
environment configures both (see README.md)."""
import json
import os
from datetime import timedelta
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

PREFIX = 'SIMPLE_JWT__'

# simplejwt settings that are not strings, by the type their value has in SIMPLE_JWT
DURATIONS = {
    'ACCESS_TOKEN_LIFETIME',
    'REFRESH_TOKEN_LIFETIME',
    'SLIDING_TOKEN_LIFETIME',
    'SLIDING_TOKEN_REFRESH_LIFETIME',
}
BOOLEANS = {
    'ROTATE_REFRESH_TOKENS',
    'BLACKLIST_AFTER_ROTATION',
    'UPDATE_LAST_LOGIN',
    'CHECK_REVOKE_TOKEN',
    'CHECK_USER_IS_ACTIVE',
}
LISTS = {'AUTH_HEADER_TYPES', 'AUTH_TOKEN_CLASSES'}
NUMBERS = {'LEEWAY'}


def required(name):
    value = os.environ.get(name, '')
    if not value:
        raise ImproperlyConfigured(f'{name} must be set (as for tokenpair)')
    return value


def database(conn_max_age):
    """DATABASES['default'] from DATABASE_URL: postgres://… or postgresql://…, or
    sqlite://PATH; unset, SQLite at ./db.sqlite3 (tokenpair's default too)."""
    url = os.environ.get('DATABASE_URL', '') or 'sqlite://db.sqlite3'
    if url.startswith('sqlite://'):
        return {
            'ENGINE': 'django.db.backends.sqlite3',
            'NAME': url[len('sqlite://'):],
        }
    parts = urlsplit(url)
    if parts.scheme not in ('postgres', 'postgresql'):
        raise ImproperlyConfigured(
            f'DATABASE_URL: expected postgres://, postgresql:// or sqlite://, got {url!r}'
        )
    return {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': unquote(parts.path.lstrip('/')),
        'USER': unquote(parts.username or ''),
        'PASSWORD': unquote(parts.password or ''),
        'HOST': parts.hostname or '',
        'PORT': str(parts.port or ''),
        # query parameters (sslmode=…) are libpq options
        'OPTIONS': dict(parse_qsl(parts.query)),
        'CONN_MAX_AGE': conn_max_age,
    }


def simple_jwt_value(name, raw):
    """One SIMPLE_JWT__<name> value: durations and LEEWAY in seconds, booleans true/false,
    lists comma-separated or a JSON array, `null` for None, anything else a string."""
    text = raw.strip()
    if text == 'null':
        return None
    try:
        if name in DURATIONS:
            return timedelta(seconds=int(text))
        if name in NUMBERS:
            return float(text) if '.' in text else int(text)
        if name in BOOLEANS:
            if text not in ('true', 'false'):
                raise ValueError('expected true or false')
            return text == 'true'
        if name in LISTS:
            if text.startswith('['):
                return tuple(json.loads(text))
            return tuple(item.strip() for item in text.split(',') if item.strip())
    except ValueError as error:
        raise ImproperlyConfigured(f'{PREFIX}{name}={raw!r}: {error}') from error
    # strings keep their spaces: a PEM key ends with a newline
    return raw


def simple_jwt():
    """Every SIMPLE_JWT__<SETTING> of the environment, as SIMPLE_JWT entries."""
    return {
        key[len(PREFIX):]: simple_jwt_value(key[len(PREFIX):], value)
        for key, value in os.environ.items()
        if key.startswith(PREFIX)
    }
