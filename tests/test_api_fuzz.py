"""Property-based fuzzing of the OpenAPI schema (schemathesis): no input may cause a 5xx."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error

from api.app import create_app
from api.settings import DEV_ADMIN_KEY, Settings
from insight.config import Config

from .conftest import writable_copy

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))  # per operation; raise it by hand


@pytest.fixture(scope="module")
def fuzz_app(fitted_demo: Config, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    return create_app(
        Settings(
            config=writable_copy(fitted_demo, folder),
            max_page_size=50,
            requests_per_minute=1_000_000,  # fuzz the endpoints, not the rate limit
        )
    )


def test_no_request_causes_a_server_error(fuzz_app: FastAPI) -> None:
    """Every operation, with schema-valid and schema-violating requests, as an admin."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for operation, mode in itertools.product(operations, modes):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers={"X-API-Key": DEV_ADMIN_KEY}, checks=[not_a_server_error]
            )

        try:
            fuzz()
        except Unsatisfiable:
            # an operation without parameters or body (GET /health) has no invalid form
            assert mode is schemathesis.GenerationMode.NEGATIVE
            assert not operation.query and not operation.path_parameters and not operation.body
