//! Test vectors made by Django itself, so that these tests pin compatibility with real Django
//! rather than with our own reading of it.
//!
//! `DJANGO61_*` are the published Django 6.1 vectors of docs/simplejwt.md §6.2.
//!
//! `DJANGO52_*` were made with the reference app's virtualenv (Django 5.2.19, argon2-cffi 25.1.0,
//! bcrypt 5.0.0; `reference/django/setup.sh` run from the repository root), by running each
//! script below with `.django-ref-venv/bin/python`. Every script first does
//! `import django; from django.conf import settings; settings.configure(); django.setup()`;
//! scripts 1 and 2 also asserted, before printing, that Django's `check_password` accepts each
//! hash with its password and refuses the password with a character appended (script 1 also
//! `WRONG_PASSWORD`). The salts are random, so re-running gives different, equally valid,
//! hashes.
//!
//! 1. Default-parameter hashes of [`PASSWORD`] and [`PASSWORD_UNICODE`]:
//!    ```python
//!    from django.contrib.auth.hashers import make_password, get_hasher
//!    for name in ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "scrypt"]:
//!        for pw in ["correct horse battery staple", "Zoë pässwörd ✓"]:
//!            print(make_password(pw, hasher=get_hasher(name)))
//!    pb = get_hasher("pbkdf2_sha256")
//!    for pw in ["correct horse battery staple", "Zoë pässwörd ✓"]:
//!        print(pb.encode(pw, pb.salt(), 1000))
//!    ```
//! 2. Cheap and legacy parameters, made the way Django's encoders call the libraries:
//!    ```python
//!    import argon2, bcrypt, hashlib, binascii
//!    from django.contrib.auth.hashers import get_hasher
//!    P = "correct horse battery staple"; salt = b"abcdefghijklmnopqrstuv"
//!    for typ, t, m, p in [(argon2.low_level.Type.D, 1, 256, 2),
//!                         (argon2.low_level.Type.ID, 1, 1024, 1),
//!                         (argon2.low_level.Type.I, 3, 64, 4)]:
//!        print("argon2" + argon2.low_level.hash_secret(P.encode(), salt, time_cost=t,
//!              memory_cost=m, parallelism=p, hash_len=32, type=typ).decode())
//!    hexpw = binascii.hexlify(hashlib.sha256(P.encode()).digest())
//!    print("bcrypt_sha256$" + bcrypt.hashpw(hexpw, bcrypt.gensalt(4, prefix=b"2a")).decode())
//!    print("bcrypt_sha256$" + bcrypt.hashpw(hexpw, bcrypt.gensalt(5)).decode())
//!    print(get_hasher("scrypt").encode(P, "abcdefghijklmnopqrstuv", 1024, 4, 2))
//!    print(get_hasher("pbkdf2_sha256").encode(P, "shortsalt", 1000))
//!    ```
//!    The two `DJANGO_ARGON2I_*` legacy hashes are quoted from Django's own test-suite
//!    (`tests/auth_tests/test_hashers.py`) and were checked the same way.
//! 3. Hashers Django ships but leaves out of the default `PASSWORD_HASHERS`:
//!    ```python
//!    from django.contrib.auth.hashers import BCryptPasswordHasher, MD5PasswordHasher, check_password
//!    for h in (BCryptPasswordHasher(), MD5PasswordHasher()):
//!        enc = h.encode(P, h.salt())
//!        assert h.verify(P, enc) and not check_password(P, enc)
//!        print(enc)
//!    ```
//! The expected `must_update` of each vector is what Django 5.2's `verify_password(password,
//! encoded)` returned for it (default hasher pbkdf2_sha256 at 1,000,000 iterations); this file's
//! table was re-read from this file and re-checked against Django after it was written (all 23
//! verify with the stated `must_update` and refuse `WRONG_PASSWORD`; the two hashes of
//! script 3 are refused). With `Argon2PasswordHasher` moved first in
//! `PASSWORD_HASHERS`, Django reports `must_update` False for the two default-parameter argon2
//! vectors and True for `DJANGO52_ARGON2ID_SMALL` and `DJANGO_ARGON2I_NO_VERSION`.
//!
//! The other direction, checked once by hand: hashes of "Zoë pässwörd ✓" from our
//! `make_password(pw, &HasherConfig::new(kind, 1_500_000))`, for `kind` `Pbkdf2Sha256` and
//! `Argon2`, printed by a throw-away example binary in the scratch crate this module was
//! developed in, were fed to
//! ```sh
//! .django-ref-venv/bin/python -c "import sys, django; from django.conf import settings; \
//!   settings.configure(); django.setup(); from django.contrib.auth.hashers import check_password; \
//!   pw = 'Zoë pässwörd ✓'; print([(check_password(pw, h), check_password(pw + 'x', h)) for h in sys.argv[1:]])" \
//!   'pbkdf2_sha256$1500000$9tySGQQsiEJBOywXgeN3db$c/V8U5CatJgPmDMgVeGbHN8goq1Yn2W16P7zPe11t2Q=' \
//!   'argon2$argon2id$v=19$m=102400,t=2,p=8$bkFYTWlNYzlnQ0JKVElUd1A0bTF3NA$M/pDBjefEUtjPGQ7Sem9UmnBe1SDbm6zzj0rj+JkfoY'
//! ```
//! Outcome: `[(True, False), (True, False)]`: Django accepts both and refuses a wrong password.

/// The main test password.
pub const PASSWORD: &str = "correct horse battery staple";
/// Multi-byte UTF-8, to pin that passwords are hashed as UTF-8 bytes.
pub const PASSWORD_UNICODE: &str = "Zoë pässwörd ✓";
pub const WRONG_PASSWORD: &str = "correct horse battery stapler";

/// Django 5.2's default `PBKDF2PasswordHasher.iterations`, that of the `DJANGO52_*` vectors.
pub const DJANGO52_PBKDF2_ITERATIONS: u32 = 1_000_000;

pub const DJANGO61_PBKDF2_SHA256_SECRET_ABC_1000: &str =
    "pbkdf2_sha256$1000$abc$ezAwPW/wuspSU83Z4aU2LP5+de/RqK3RFrreZbJFqEM=";
pub const DJANGO61_PBKDF2_SHA256_1500000: &str =
    "pbkdf2_sha256$1500000$abcdefghijklmnopqrstuv$9PUA+/WNAlVj7hdMfYqS6n9nnQ/+1n6XmAluTbpLOIs=";
pub const DJANGO61_PBKDF2_SHA1_SECRET_ABC_1000: &str =
    "pbkdf2_sha1$1000$abc$l2H2oogsryV2Lw9a7h1z7xkcW8k=";
/// Django 6.1's `make_password("secret", salt="abc")`.
pub const DJANGO61_MAKE_PASSWORD_SECRET_ABC: &str =
    "pbkdf2_sha256$1500000$abc$rJwFH1OJJyj+/38DauTO+U8yqj7sNcv3R+L54W3lcNU=";

pub const DJANGO52_PBKDF2_SHA256_1M_ASCII: &str =
    "pbkdf2_sha256$1000000$S1qkJjLWFjjO6rp2DPlTa4$JcUjwnTaIiB95nf4QFqHgKl0eZuIdUYr7NwUrgMYj5c=";
pub const DJANGO52_PBKDF2_SHA256_1M_UNICODE: &str =
    "pbkdf2_sha256$1000000$rnnbTYpKrg9cPi9bpQTFYU$vvtvzlyfiaFGTrqWt8cTPnhIBFOshKMiZHs7m/kektU=";
pub const DJANGO52_PBKDF2_SHA256_1000_ASCII: &str =
    "pbkdf2_sha256$1000$0QxT7T1lLD5yhCzifCKYWW$uC5DQct5iaMxqerpWIHxul9MwWS6ro6np2EIYLc04ZQ=";
pub const DJANGO52_PBKDF2_SHA256_1000_UNICODE: &str =
    "pbkdf2_sha256$1000$slktJIAVXBTuuXiN6KYqet$Gdqy5VEj/ccKAxt9DTPsPFWAoPx+N4cHOm9L5wlHbYg=";
pub const DJANGO52_PBKDF2_SHA256_SHORT_SALT: &str =
    "pbkdf2_sha256$1000$shortsalt$it+6pvf1grdMwPSLJ7qRPujK8dQNvXunEfryfOO5dBk=";
pub const DJANGO52_PBKDF2_SHA1_ASCII: &str =
    "pbkdf2_sha1$1000000$SsIHkrjuCCfeuwbyKZgJ3I$uqfhkQdOYdqMp5gbSn65TZGh7No=";
pub const DJANGO52_PBKDF2_SHA1_UNICODE: &str =
    "pbkdf2_sha1$1000000$o09Byg0b9qD2SiDBljoV8X$5YRz2KFjvFqkj7MHuwPzEfYeLFo=";
pub const DJANGO52_ARGON2_ASCII: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$N1pKWDVTaXJBVWVwdXUwWm1Nblkzcw$7xGgQ7PU77miTZGEQM4LPd/e0VsoHe2mRjauXBI1ajc";
pub const DJANGO52_ARGON2_UNICODE: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$NnFZMFc1SWhDSGpMeTFUcklMTmZMdw$N4P1X/OqJEOPt+K7x3xt+5QRC+505zfJsd7+WV3bftM";
pub const DJANGO52_ARGON2D_SMALL: &str = "argon2$argon2d$v=19$m=256,t=1,p=2$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$OBP4pFTpLb4gI8tUamRTAd5RCDPnsLQgYdAVHazkt3M";
pub const DJANGO52_ARGON2ID_SMALL: &str = "argon2$argon2id$v=19$m=1024,t=1,p=1$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$EqN4ImzbjQvZHScf0YqdECe5Wy+74Cl0TGOeb7pK3iE";
pub const DJANGO52_ARGON2I_SMALL: &str = "argon2$argon2i$v=19$m=64,t=3,p=4$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$rMVbo1+o35+8UJZvK8DZMF+K8I5ZYi6uPaZwJV909sE";
/// Password "secret"; no `v=` field, i.e. argon2 version 0x10.
pub const DJANGO_ARGON2I_NO_VERSION: &str = "argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg";
/// Password "secret".
pub const DJANGO_ARGON2I_V19: &str =
    "argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q";
pub const DJANGO52_BCRYPT_SHA256_ASCII: &str =
    "bcrypt_sha256$$2b$12$GnVTAwRFl1OEI89zgvU6VuV9bNnorkF6uATDEWL0bMeGLBYO7uYfy";
pub const DJANGO52_BCRYPT_SHA256_UNICODE: &str =
    "bcrypt_sha256$$2b$12$m7J2dfxqe/qbOA13wZS0R.VVsCfZnpMYm1S3IqQYgSqm5ZOyh6FXu";
pub const DJANGO52_BCRYPT_SHA256_2A_COST4: &str =
    "bcrypt_sha256$$2a$04$RF5anOBdJH58oiPcLTXCnOSEOjJcTrOGvA1byKhWkfIwoWiOVuhoy";
pub const DJANGO52_BCRYPT_SHA256_COST5: &str =
    "bcrypt_sha256$$2b$05$BISYIVpvjnqs43kUA3/TDOiz2WdT7Ivb9POuyCB0SoZhkGvYimiRG";
pub const DJANGO52_SCRYPT_ASCII: &str = "scrypt$16384$ixkBb1spnL51YZlTbouo0F$8$5$BdxL+ana0R/j9m5gyzdyDgf3EblTUMq7M2OZ3Pphylf3ELqeVJpZ86U98lpDcyBuFsXutG5/zLZY5R7T9a4lLA==";
pub const DJANGO52_SCRYPT_UNICODE: &str = "scrypt$16384$qUezpCZEtly1FBJhZGwDNt$8$5$IFAHNR4ArGtijdBq9O4nPjOs+04Fkk/do4w+2JXlC2xa1zY5Xs43x4Qqn/rZ+QsCh7r9IXpNsli8Ol1E4YBnIg==";
pub const DJANGO52_SCRYPT_SMALL: &str = "scrypt$1024$abcdefghijklmnopqrstuv$4$2$sqbzXF71zCYzvVDFKzGymT1LsVQowMDR0Vox6zfItExuuEmgQT7uUwjGrjcVhG/2YxRns5wtLL+WdLRskAUL+A==";

/// Genuine hashes of [`PASSWORD`] that Django nevertheless refuses by default.
pub const DJANGO52_BCRYPT_PLAIN: &str =
    "bcrypt$$2b$12$bWCKv7Mkjq0Ajuy3IIqwS.064gHn/RiXDP5/QSoTToIjva49isZYi";
pub const DJANGO52_MD5: &str = "md5$sjpfFkKcc5fakGny62CXN2$cb32401e1632914399884b88a39a383d";

#[derive(Debug, Clone, Copy)]
pub struct Vector {
    pub name: &'static str,
    pub password: &'static str,
    pub encoded: &'static str,
    /// Django 5.2's verdict with its default settings.
    pub must_update_django52: bool,
}

const fn vector(
    name: &'static str,
    password: &'static str,
    encoded: &'static str,
    must_update_django52: bool,
) -> Vector {
    Vector {
        name,
        password,
        encoded,
        must_update_django52,
    }
}

/// Every Django-made hash that Django accepts, with its password.
pub const DJANGO_VECTORS: &[Vector] = &[
    vector(
        "pbkdf2_sha256 1M",
        PASSWORD,
        DJANGO52_PBKDF2_SHA256_1M_ASCII,
        false,
    ),
    vector(
        "pbkdf2_sha256 1M unicode",
        PASSWORD_UNICODE,
        DJANGO52_PBKDF2_SHA256_1M_UNICODE,
        false,
    ),
    vector(
        "pbkdf2_sha256 1000",
        PASSWORD,
        DJANGO52_PBKDF2_SHA256_1000_ASCII,
        true,
    ),
    vector(
        "pbkdf2_sha256 1000 unicode",
        PASSWORD_UNICODE,
        DJANGO52_PBKDF2_SHA256_1000_UNICODE,
        true,
    ),
    vector(
        "pbkdf2_sha256 short salt",
        PASSWORD,
        DJANGO52_PBKDF2_SHA256_SHORT_SALT,
        true,
    ),
    vector(
        "pbkdf2_sha256 secret/abc",
        "secret",
        DJANGO61_PBKDF2_SHA256_SECRET_ABC_1000,
        true,
    ),
    vector("pbkdf2_sha1 1M", PASSWORD, DJANGO52_PBKDF2_SHA1_ASCII, true),
    vector(
        "pbkdf2_sha1 1M unicode",
        PASSWORD_UNICODE,
        DJANGO52_PBKDF2_SHA1_UNICODE,
        true,
    ),
    vector(
        "pbkdf2_sha1 secret/abc",
        "secret",
        DJANGO61_PBKDF2_SHA1_SECRET_ABC_1000,
        true,
    ),
    vector("argon2", PASSWORD, DJANGO52_ARGON2_ASCII, true),
    vector(
        "argon2 unicode",
        PASSWORD_UNICODE,
        DJANGO52_ARGON2_UNICODE,
        true,
    ),
    vector("argon2d small", PASSWORD, DJANGO52_ARGON2D_SMALL, true),
    vector("argon2id small", PASSWORD, DJANGO52_ARGON2ID_SMALL, true),
    vector("argon2i small", PASSWORD, DJANGO52_ARGON2I_SMALL, true),
    vector(
        "argon2i without version",
        "secret",
        DJANGO_ARGON2I_NO_VERSION,
        true,
    ),
    vector("argon2i v19", "secret", DJANGO_ARGON2I_V19, true),
    vector(
        "bcrypt_sha256",
        PASSWORD,
        DJANGO52_BCRYPT_SHA256_ASCII,
        true,
    ),
    vector(
        "bcrypt_sha256 unicode",
        PASSWORD_UNICODE,
        DJANGO52_BCRYPT_SHA256_UNICODE,
        true,
    ),
    vector(
        "bcrypt_sha256 2a cost 4",
        PASSWORD,
        DJANGO52_BCRYPT_SHA256_2A_COST4,
        true,
    ),
    vector(
        "bcrypt_sha256 cost 5",
        PASSWORD,
        DJANGO52_BCRYPT_SHA256_COST5,
        true,
    ),
    vector("scrypt", PASSWORD, DJANGO52_SCRYPT_ASCII, true),
    vector(
        "scrypt unicode",
        PASSWORD_UNICODE,
        DJANGO52_SCRYPT_UNICODE,
        true,
    ),
    vector("scrypt small", PASSWORD, DJANGO52_SCRYPT_SMALL, true),
];
