"""Placeholder; being written."""


def generalized_sliced_wasserstein(*args, **kwargs):
    raise NotImplementedError


def max_generalized_sliced_wasserstein(*args, **kwargs):
    raise NotImplementedError
