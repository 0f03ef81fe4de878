"""A demo for new users: instrumented microservices for Argus to scrape.

``argus demo`` runs a frontend, a checkout service and a payments service (each with a
``prometheus_client`` registry on its own port) plus traffic, cycling through healthy,
slow, failing and down phases, so request rates, latency histograms, a target going
down and circuit breakers opening and closing all show up within a few minutes.
"""

from argus.demo.runner import DEFAULT_PORTS, Demo, DemoOptions
from argus.demo.schedule import DEFAULT_CYCLE_S, Phase, Schedule

__all__ = ["DEFAULT_CYCLE_S", "DEFAULT_PORTS", "Demo", "DemoOptions", "Phase", "Schedule"]
