"""Placeholder; being written."""


def emd(*args, **kwargs):
    raise NotImplementedError
