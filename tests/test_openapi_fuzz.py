"""Schemathesis against the committed ``docs/openapi.json`` and a live uvicorn server.

Every operation of the document gets generated requests (valid and invalid query parameters)
with a bearer token of a region user; every answer must be free of server errors (5xx), carry a
documented status code and content type, and have a body that matches the documented schema.
Examples are bounded (``MAX_EXAMPLES`` per operation) so the module runs in about a minute.
"""

from __future__ import annotations

import collections
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from live import TIMEOUT, flat_routes, serve  # noqa: E402
from regiekamer.facade import Regiekamer  # noqa: E402
from regiekamer.faces.web.app import create_app  # noqa: E402
from regiekamer.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
MAX_EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_path(ROOT / "docs" / "openapi.json")
CALLS: collections.Counter = collections.Counter()  # (method, path) -> generated requests sent


@pytest.fixture(scope="module")
def live(region_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The app on loopback over a copy of the synthetic region, and a region user's token."""
    store = tmp_path_factory.mktemp("fuzz") / "regio.duckdb"
    shutil.copy(region_store, store)
    rk = Regiekamer(Settings(store=store, key="test-key", workers=1))
    rk.add_user("fuzz", "regio", "een-lang-wachtwoord-2025")
    token = rk.new_token("fuzz")
    app = create_app(rk.settings)
    with serve(app) as url:
        yield {"url": url, "headers": {"Authorization": f"Bearer {token}"}}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_conforms_to_the_committed_schema(case, live: dict) -> None:
    case.call_and_validate(
        base_url=live["url"], headers=live["headers"], checks=CHECKS, timeout=TIMEOUT
    )
    CALLS[(case.method.upper(), case.path)] += 1


def test_the_fuzzed_schema_has_every_api_route_and_each_was_called(figures: list[str]) -> None:
    """Every /api/ route of the app is an operation of the committed document (so schemathesis
    reaches it), and every operation got generated requests above without a server error."""
    app = create_app(Settings(store=ROOT / "niet-gebruikt.duckdb", key="k"), openapi_only=True)
    routes = {
        (method, route.path)
        for route in flat_routes(app.routes)
        if route.path.startswith("/api/")
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }
    documented = {
        (method.upper(), path) for path, ops in schema.raw_schema["paths"].items() for method in ops
    }
    assert routes == documented
    # Every operation was called (schemathesis also tries undocumented methods on each path).
    assert documented <= set(CALLS), CALLS
    figures.append(
        f"schemathesis: {len(documented)} API-operaties, {sum(CALLS.values())} verzoeken "
        f"({ {f'{m} {p}': n for (m, p), n in sorted(CALLS.items()) if (m, p) in documented} } "
        f"+ andere methoden), 0 serverfouten"
    )
