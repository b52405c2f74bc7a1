"""Settings of the reference site: Django's startproject defaults (DEBUG off), plus DRF with
simplejwt's JWTAuthentication as the default class and simplejwt's blacklist app, as in the
tutorial. What differs between runs comes from the environment (env.py, README.md)."""
import os

from . import env

SECRET_KEY = env.required('SECRET_KEY')
# Off: the differential tests compare production answers (no debug pages on errors).
DEBUG = False
# A local comparison target reached as 127.0.0.1:<any port>.
ALLOWED_HOSTS = ['*']

INSTALLED_APPS = [
    'django.contrib.admin',
    'django.contrib.auth',
    'django.contrib.contenttypes',
    'django.contrib.sessions',
    'django.contrib.messages',
    'django.contrib.staticfiles',
    'rest_framework',
    'rest_framework_simplejwt',
    'rest_framework_simplejwt.token_blacklist',
]

MIDDLEWARE = [
    'django.middleware.security.SecurityMiddleware',
    'django.contrib.sessions.middleware.SessionMiddleware',
    'django.middleware.common.CommonMiddleware',
    'django.middleware.csrf.CsrfViewMiddleware',
    'django.contrib.auth.middleware.AuthenticationMiddleware',
    'django.contrib.messages.middleware.MessageMiddleware',
    'django.middleware.clickjacking.XFrameOptionsMiddleware',
]

ROOT_URLCONF = 'refsite.urls'
WSGI_APPLICATION = 'refsite.wsgi.application'

TEMPLATES = [
    {
        'BACKEND': 'django.template.backends.django.DjangoTemplates',
        'DIRS': [],
        'APP_DIRS': True,
        'OPTIONS': {
            'context_processors': [
                'django.template.context_processors.request',
                'django.contrib.auth.context_processors.auth',
                'django.contrib.messages.context_processors.messages',
            ],
        },
    },
]

# Django's default is 0 (a connection per request); the benchmark sets 60, which is kinder
# to Django.
DATABASES = {'default': env.database(int(os.environ.get('DJANGO_CONN_MAX_AGE', '0')))}

AUTH_PASSWORD_VALIDATORS = [
    {'NAME': f'django.contrib.auth.password_validation.{name}'}
    for name in (
        'UserAttributeSimilarityValidator',
        'MinimumLengthValidator',
        'CommonPasswordValidator',
        'NumericPasswordValidator',
    )
]

LANGUAGE_CODE = 'en-us'
TIME_ZONE = 'UTC'
USE_I18N = True
USE_TZ = True
STATIC_URL = 'static/'
DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'

REST_FRAMEWORK = {
    'DEFAULT_AUTHENTICATION_CLASSES': [
        # protected-service's equivalent is JWTStatelessUserAuthentication: the tests and the
        # benchmark pick it for /protected/ with DRF_AUTH_CLASS
        os.environ.get(
            'DRF_AUTH_CLASS', 'rest_framework_simplejwt.authentication.JWTAuthentication'
        ),
    ],
}

# simplejwt's defaults, except what SIMPLE_JWT__<SETTING> variables set.
SIMPLE_JWT = env.simple_jwt()

# With DEBUG off, Django's default logging drops the tracebacks of 500s; print them to stderr,
# where the tests and the benchmark collect gunicorn's output.
LOGGING = {
    'version': 1,
    'disable_existing_loggers': False,
    'handlers': {'stderr': {'class': 'logging.StreamHandler'}},
    'loggers': {'django.request': {'handlers': ['stderr'], 'level': 'ERROR'}},
}
