"""Password hashes for the web UI: scrypt (RFC 7914) from the standard library.

scrypt is memory-hard, like argon2id, and `hashlib.scrypt` (OpenSSL) needs no new dependency
(argon2 would need argon2-cffi, a compiled package, for one login check). Parameters follow
OWASP's password storage cheat sheet (its scrypt row N=2^15, r=8, p=3: 32 MiB, the same work as
N=2^17, p=1 in a quarter of the memory); they are stored in the hash, so they can be raised
later without invalidating older hashes. One check took 1.0 s on the project's shared 2-core
machine; logins are rare, and the web app checks one password at a time.

Format: `scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

LOG2_N, R, P = 15, 8, 3
SALT_BYTES, KEY_BYTES = 16, 32
_MAX_LOG2_N = 20  # a stored hash asking for more memory than 1 GiB is refused, not run


class PasswordHashError(ValueError):
    """A stored hash that is not one of ours (the message says what is wrong)."""


def hash_password(password: str, *, log2_n: int = LOG2_N, r: int = R, p: int = P) -> str:
    salt = os.urandom(SALT_BYTES)
    key = _scrypt(password, salt, log2_n, r, p)
    return "$".join(["scrypt", str(log2_n), str(r), str(p), _b64(salt), _b64(key)])


def check_hash(stored: str) -> None:
    """Raises PasswordHashError when `stored` is not a hash `hash_password` could have made."""
    _parse(stored)


def verify_password(password: str, stored: str) -> bool:
    log2_n, r, p, salt, key = _parse(stored)
    return hmac.compare_digest(_scrypt(password, salt, log2_n, r, p), key)


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise PasswordHashError("not a scrypt hash (make one with `monitor web --hash-password`)")
    try:
        log2_n, r, p = (int(x) for x in parts[1:4])
        salt, key = base64.b64decode(parts[4], validate=True), \
            base64.b64decode(parts[5], validate=True)
    except ValueError:
        raise PasswordHashError("a malformed scrypt hash (make one with "
                                "`monitor web --hash-password`)") from None
    if not (10 <= log2_n <= _MAX_LOG2_N and 1 <= r <= 32 and 1 <= p <= 16) or \
            len(salt) < 8 or len(key) < 16:
        raise PasswordHashError("scrypt parameters out of range")
    return log2_n, r, p, salt, key


def _scrypt(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    n = 1 << log2_n
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * n * r + (1 << 20), dklen=KEY_BYTES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
