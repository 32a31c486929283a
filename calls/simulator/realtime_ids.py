"""Server-generated ids in OpenAI's shape: a prefix, an underscore and 21 random letters/digits."""

import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """Return a fresh id such as `event_C9G5RJeJ2gF77mV7f2B1j` (prefix: event, sess, item, ...)."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(21))
