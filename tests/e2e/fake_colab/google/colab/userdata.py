"""``userdata.get()``: Colab's secrets, here the JSON object in ``CATDOG_FAKE_SECRETS`` (none without it)."""
import json
import os


class SecretNotFoundError(Exception):
    def __init__(self, key):
        super().__init__(f"Secret {key} does not exist.")


def get(key):
    secrets = json.loads(os.environ.get("CATDOG_FAKE_SECRETS") or "{}")
    if key not in secrets:
        raise SecretNotFoundError(key)
    return secrets[key]
