"""Tenant isolation at volume: ten thousand seeded random requests, every route, many tenants.

The route matrix and its checks are those of tests/test_isolation.py (``ROUTES``: how to ask
each route for other tenants' objects and how to spot them in the answer); here they run as
``REGIEKAMER_ISOLATIE_N`` (10 000) requests in a seeded random order, over users of every
kind: a gemeente user of each municipality, aanbieder users of several providers (with and
without findings), the region, an accountant and a beheerder, against one live uvicorn server.
Every answer is checked for foreign rows; the expected answers (KPI tables computed without the
server) are computed once per question and tenant.

The routes of objects that the world of test_isolation seeds for one gemeente and one aanbieder
(scenarios, a foreign contract, agreements, actions, signals: ``SEEDED``) are
asked by every user but the other gemeenten and aanbieders, for whom the checks do not know
which of those objects are their own; every other route is asked by every user.
"""

from __future__ import annotations

import collections
import functools
import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import test_isolation as I
from live import TIMEOUT, serve
from regiekamer.facade import Regiekamer
from regiekamer.faces.web.app import create_app

N = int(os.environ.get("REGIEKAMER_ISOLATIE_N", "10000"))
SEEDED = ("/prognose", "/contracten", "/afspraken", "/acties", "/signalen",
          "/evaluatie", "/api/v1/signalen")  # fmt: skip
SEED = int(os.environ.get("REGIEKAMER_ISOLATIE_SEED", "20261202"))


class CachedKpi:
    """The facade, with ``kpi`` answered once per question: the checks ask the same few KPI
    tables thousands of times, and the answer does not change while nothing is ingested."""

    def __init__(self, kamer: Regiekamer) -> None:
        self._kamer = kamer

    def __getattr__(self, name: str) -> object:
        return getattr(self._kamer, name)

    def kpi(self, **kw: object) -> object:
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kw.items()))
        return self._kpi(key)

    @functools.cache  # noqa: B019 - one instance per module run
    def _kpi(self, key: tuple) -> object:
        return self._kamer.kpi(**{k: list(v) if isinstance(v, tuple) else v for k, v in key})


@pytest.fixture(scope="module")
def server(region_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    store = tmp_path_factory.mktemp("isolatie-schaal") / "regio.duckdb"
    shutil.copy(region_store, store)
    rk = Regiekamer(I.world_settings(store))
    gemeenten, aanbieders = I.tenants(rk)
    primary = I.seed(rk, gemeenten, aanbieders)
    users: dict[str, tuple[str, str | None]] = {}  # name -> (kind, own code)
    for g in gemeenten:
        users[f"gemeente-{g}"] = ("gemeente", g)
    for a in sorted({primary, *aanbieders[:2]}):
        users[f"aanbieder-{a}"] = ("aanbieder", a)
    users.update(regio=("regio", None), accountant=("accountant", None))
    users["beheerder"] = ("beheerder", None)
    for naam, (kind, code) in users.items():
        rk.add_user(naam, f"{kind}:{code}" if code else kind, I.PASSWORD)
    app = create_app(rk.settings)
    with serve(app) as url:
        yield {
            "url": url,
            "app": app,
            "kamer": CachedKpi(app.state.kamer),
            "users": users,
            "gemeenten": gemeenten,
            "aanbieders": aanbieders,
            "primary": {("gemeente", gemeenten[0]), ("aanbieder", primary)},
        }


def _world(server: dict, kind: str, code: str | None) -> I.World:
    """The World of test_isolation for one user: its checks speak of 'gemeente'/'aanbieder'."""
    gemeente = code if kind == "gemeente" else server["gemeenten"][0]
    aanbieder = code if kind == "aanbieder" else server["aanbieders"][0]
    return I.World(
        server["url"],
        server["kamer"],
        server["app"],
        gemeente,
        aanbieder,
        server["gemeenten"],
        server["aanbieders"],
    )


def _client(server: dict, naam: str, auth: str) -> httpx.Client:
    if auth == "token":
        token = server["kamer"].new_token(naam)
        return httpx.Client(
            timeout=TIMEOUT, base_url=server["url"], headers={"Authorization": f"Bearer {token}"}
        )
    client = httpx.Client(timeout=TIMEOUT, base_url=server["url"], follow_redirects=False)
    r = client.post("/inloggen", data={"naam": naam, "wachtwoord": I.PASSWORD})
    assert r.status_code == 303, r.text
    return client


@pytest.mark.slow
def test_ten_thousand_random_requests_show_no_foreign_rows(
    server: dict, figures: list[str]
) -> None:
    # Every route is in the matrix (test_isolation checks that too; here it is the premise).
    assert I._app_routes(server["app"]) == set(I.ROUTES)
    questions = [
        (method, path, url, params, probe)
        for (method, path), probe in sorted(I.ROUTES.items())
        for url in probe.urls or (path,)
        for params in probe.params
    ]
    users = sorted(server["users"])

    def askable(naam: str, q: int) -> bool:
        kind, code = server["users"][naam]
        tenant = kind in ("gemeente", "aanbieder")
        other = tenant and (kind, code) not in server["primary"]
        return not (other and questions[q][1].startswith(SEEDED))

    rng = random.Random(SEED)
    # Every askable (user, question) pair once, then random ones up to N.
    plan = [(u, q) for u in users for q in range(len(questions)) if askable(u, q)]
    while len(plan) < N:
        u, q = rng.choice(users), rng.randrange(len(questions))
        if askable(u, q):
            plan.append((u, q))
    rng.shuffle(plan)
    clients: dict[tuple[str, str], httpx.Client] = {}
    per_route: collections.Counter = collections.Counter()
    per_kind: collections.Counter = collections.Counter()
    try:
        for naam, q in plan:
            method, path, url, params, probe = questions[q]
            kind, code = server["users"][naam]
            key = (naam, probe.auth)
            if key not in clients:
                clients[key] = _client(server, naam, probe.auth)
            r = clients[key].request(method, url, params=params, data=probe.data)
            # The checks of test_isolation name the user by kind (gemeente, aanbieder, ...).
            probe.check(_world(server, kind, code), kind, params, r)
            per_route[(method, path)] += 1
            per_kind[kind] += 1
    finally:
        for c in clients.values():
            c.close()
    assert sum(per_route.values()) == len(plan) >= N
    assert set(per_route) == set(I.ROUTES)
    figures.append(
        f"isolatie: {len(plan)} verzoeken, {len(users)} gebruikers "
        f"({dict(sorted(per_kind.items()))}), {len(per_route)} routes, 0 vreemde rijen"
    )
