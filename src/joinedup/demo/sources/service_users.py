"""Who uses a service that should stop when its user dies (a blue badge, a care package)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from joinedup.demo import dates as dt
from joinedup.demo.population import RESIDENT
from joinedup.demo.sources.deaths import deceased
from joinedup.demo.world import World


@dataclass(frozen=True)
class ServiceUsers:
    """A service's users, the living first, then the dead."""

    person: np.ndarray
    seen_on: np.ndarray  # the day each user is seen from: today, or the day they died
    dod: np.ndarray  # the dead users' dates of death

    @property
    def dead(self) -> int:
        return len(self.dod)

    def end_dates(self, of_dead: np.ndarray) -> np.ndarray:
        """One end date a user: none for the living (still served), `of_dead` for the dead."""
        living = np.full(len(self.person) - self.dead, dt.NAT)
        return np.concatenate([living, of_dead]).astype("datetime64[D]")


def service_users(
    world: World,
    rng: np.random.Generator,
    share_65_plus: float,
    share_adult: float,
    share_dead: float,
) -> ServiceUsers:
    """Residents who use the service today (adults, by age band), then adults who died in the
    deaths window and used it when they died (at `share_dead`)."""
    p = world.pop.people
    today = world.pop.as_of
    age = p["age"].to_numpy()
    living = np.flatnonzero(p["status"].to_numpy() == RESIDENT)
    share = np.where(age[living] >= 65, share_65_plus, share_adult)
    share = np.where(age[living] >= 18, share, 0.0)
    alive = living[rng.random(len(living)) < share]
    dead = deceased(world)
    dod = dt.as_days(p["dod"].to_numpy()[dead])
    adult = dt.age_on(p["dob"].to_numpy()[dead], today) >= 18
    pick = adult & (rng.random(len(dead)) < share_dead)
    return ServiceUsers(
        person=np.concatenate([alive, dead[pick]]),
        seen_on=np.concatenate([np.full(len(alive), today), dod[pick]]),
        dod=dod[pick],
    )
