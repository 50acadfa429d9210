"""Settings for the whole suite."""

from hypothesis import settings

# Examples are checked for what they compute, never for how fast: on a loaded machine (CI shares
# two cores) hypothesis' default 200 ms deadline fails correct code.
settings.register_profile("shotline", deadline=None)
settings.load_profile("shotline")
