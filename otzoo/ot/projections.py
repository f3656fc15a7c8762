"""Placeholder; being written."""


def project(*args, **kwargs):
    raise NotImplementedError


def random_directions(*args, **kwargs):
    raise NotImplementedError
