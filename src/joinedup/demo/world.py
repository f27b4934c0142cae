"""The synthetic district as one object: places, people, administrative facts.

Sources are functions of a `World`; they never change it, so each source can be built (and
tested) on its own and adding a source never changes the others' files.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

from joinedup.demo.admin import Admin, build_admin
from joinedup.demo.places import Places, build_places
from joinedup.demo.population import Population, build_population
from joinedup.demo.rates import WORLD, WorldRates
from joinedup.demo.text import AddressParts


@dataclass
class World:
    seed: int
    as_of: date
    places: Places
    pop: Population
    admin: Admin
    rates: WorldRates = field(default_factory=WorldRates)

    @cached_property
    def addresses(self) -> AddressParts:
        return AddressParts(self.places)

    def rng(self, purpose: str) -> np.random.Generator:
        """A random stream of its own for each purpose (a source, a stage), fixed by the seed."""
        return stream(self.seed, purpose)


def stream(seed: int, purpose: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(purpose.encode())]))


def build_world(people: int, seed: int, as_of: date, rates: WorldRates = WORLD) -> World:
    dwellings = max(int(round(people / rates.people_per_dwelling)), 20)
    places = build_places(dwellings, stream(seed, "places"))
    pop = build_population(places, people, as_of, rates, stream(seed, "population"))
    admin = build_admin(pop, rates, stream(seed, "admin"))
    return World(seed=seed, as_of=as_of, places=places, pop=pop, admin=admin, rates=rates)
