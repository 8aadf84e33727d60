"""boto3 clients for the admin commands, built in one place so tests can point them at a moto server."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import boto3


class Clients(NamedTuple):
    cloudformation: Any
    iam: Any
    cognito_identity: Any
    logs: Any
    cost_explorer: Any  # cost-allocation tags (a global service, answered from us-east-1)


def clients(region: str, endpoint_url: str | None = None) -> Clients:
    """Clients for `region`; `endpoint_url` (else `AWS_ENDPOINT_URL`) redirects them, e.g. to moto."""
    url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    session = boto3.session.Session(region_name=region)

    def make(service: str) -> Any:
        return session.client(service, endpoint_url=url)

    return Clients(make("cloudformation"), make("iam"), make("cognito-identity"), make("logs"), make("ce"))
