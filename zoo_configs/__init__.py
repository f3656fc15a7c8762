"""Zoo configs: one `get_config(arg=None)` per zoo entry (file stem = model name)."""

import os

CONFIG_DIR = os.path.dirname(os.path.abspath(__file__))


def available():
    """Names of the zoo entries that have a config file here, sorted."""
    return sorted(f[:-3] for f in os.listdir(CONFIG_DIR)
                  if f.endswith(".py") and not f.startswith("_"))


def config_path(name):
    return os.path.join(CONFIG_DIR, f"{name}.py")
