"""Placeholder; being written."""


def distributional_sliced_wasserstein(*args, **kwargs):
    raise NotImplementedError
