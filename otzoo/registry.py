"""A flat name -> object registry with helpful errors on unknown names.

Usage::

        MODELS = Registry("model")

        @MODELS.register("wgan_gp")
        class WGANGP(keras.Model): ...

        MODELS.get("wgan_gp")      # -> WGANGP
        MODELS.get("nope")         # KeyError: unknown model 'nope'; known: gan, wgan_gp
"""


class UnknownNameError(KeyError):
    """Raised for a name that is not registered; the message lists the known names."""

    def __str__(self):  # KeyError quotes its message; show it plainly.
        return str(self.args[0])


class Registry:
    """Maps names to objects; `register` is a decorator."""

    def __init__(self, kind):
        self.kind = kind
        self._entries = {}

    def register(self, name):
        def decorator(obj):
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = obj
            return obj

        return decorator

    def get(self, name):
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError(
                    f"unknown {self.kind} {name!r}; known: {', '.join(self.names())}"
            ) from None

    def names(self):
        return sorted(self._entries)

    def __contains__(self, name):
        return name in self._entries
