"""Suite-wide settings."""
from collections.abc import Iterator

import pytest
from hypothesis import settings

from autograd_lab._numpy_warnings import ignore_numpy_warnings_from_the_package

# Property tests check results, never speed: on a loaded machine a single example can take longer
# than hypothesis's default 200 ms deadline, which would report a correct property as flaky.
settings.register_profile("autograd-lab", deadline=None)
settings.load_profile("autograd-lab")


@pytest.fixture(autouse=True)
def _package_warning_filter() -> Iterator[None]:
    """The filter importing autograd_lab adds, as a notebook has it: pytest restores the warning filters it
    saw before collecting, which imported the package."""
    ignore_numpy_warnings_from_the_package()
    yield
