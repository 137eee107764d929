"""The persona most persona tests start from: two goals and a pain, written by marketing."""

import pytest

from personas import services

GOALS = "Cut costs\nHit 99.5% accuracy\nOnboard staff fast\n"


@pytest.fixture
def persona(marketer):
    return services.create_persona(
        by=marketer, name="Ops Director", goals=GOALS, pains="Mis-picks\n"
    )
