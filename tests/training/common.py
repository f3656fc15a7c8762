"""Helpers shared by the training tests."""

import importlib

import zoo_configs


def smoke_config(name, **overrides):
    """The `smoke` variant of `zoo_configs/<name>.py`, unlocked with overrides applied."""
    module = importlib.import_module(f"zoo_configs.{name}")
    config = module.get_config("smoke")
    with config.unlocked():
        for key, value in overrides.items():
            target = config
            *path, leaf = key.split(".")
            for part in path:
                target = target[part]
            target[leaf] = value
    return config


ALL_MODELS = zoo_configs.available()
