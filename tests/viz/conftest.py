from __future__ import annotations

import pytest

from support.examples import involved_example


@pytest.fixture
def involved():
    """The seed's "more involved example", before backward."""
    return involved_example()
