"""Suite-wide settings."""
from hypothesis import settings

# Property tests check results, never speed: on a loaded machine a single example can take longer
# than hypothesis's default 200 ms deadline, which would report a correct property as flaky.
settings.register_profile("autograd-lab", deadline=None)
settings.load_profile("autograd-lab")
