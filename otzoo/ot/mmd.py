"""Placeholder; being written."""


def mmd(*args, **kwargs):
    raise NotImplementedError
