"""Fixtures for the ARM simulator: one real simulator per session and a real SDK client."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from local.arm_simulator.process import (
    arm_simulator_base_url,
    certificate_path,
    start_arm_simulator,
)
from local.processes import ChildProcess, free_port

if TYPE_CHECKING:
    from azure.mgmt.authorization import AuthorizationManagementClient
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.containerservice import ContainerServiceClient
    from azure.mgmt.resource.resources import ResourceManagementClient
    from azure.mgmt.resource.subscriptions import SubscriptionClient

SIMULATOR_SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
SIMULATOR_TEST_ENV = {
    "ARM_SIMULATOR_CREATE_SECONDS": "2",
    "ARM_SIMULATOR_DELETE_SECONDS": "1",
    "ARM_SIMULATOR_SLOW_SECONDS": "600",
    # The session simulator holds hundreds of test clusters, most in eastus: limits far above
    # the defaults (48 / 96) keep preflight's quota check about the request, not the session.
    # Quota failures are tested with 100 x Standard_D16s_v5 (1600 vCPUs), still over them.
    "ARM_SIMULATOR_FAMILY_VCPU_LIMIT": "1500",
    "ARM_SIMULATOR_REGIONAL_VCPU_LIMIT": "3000",
}
LRO_POLLING_INTERVAL = 0.2
SIMULATOR_RESOURCE_GROUP = "rg-simulator-tests"


def managed_cluster_body(
    vm_size: str = "Standard_D2s_v3",
    count: int = 3,
    location: str = "eastus",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A minimal managedCluster PUT body like the product sends."""
    body: dict[str, Any] = {
        "location": location,
        "properties": {
            "dnsPrefix": "simtest",
            "kubernetesVersion": "1.32.6",
            "agentPoolProfiles": [
                {"name": "system", "count": count, "vmSize": vm_size, "mode": "System"}
            ],
        },
    }
    if tags is not None:
        body["tags"] = tags
    return body


@dataclass(frozen=True)
class ArmSimulator:
    """Where the session's ARM simulator listens and the certificate to trust."""

    base_url: str
    cert_path: Path
    port: int
    data_dir: Path


def make_arm_client(simulator: ArmSimulator) -> ContainerServiceClient:
    """A real ContainerServiceClient pointed at the simulator, trusting its certificate."""
    from azure.mgmt.containerservice import ContainerServiceClient

    from provisioning.arm_credentials import SimulatorCredential

    return ContainerServiceClient(
        SimulatorCredential(),
        SIMULATOR_SUBSCRIPTION_ID,
        base_url=simulator.base_url,
        connection_verify=str(simulator.cert_path),
        polling_interval=LRO_POLLING_INTERVAL,
    )


def _simulator_client_options(simulator: ArmSimulator) -> dict[str, Any]:
    """Keyword arguments that point any azure-mgmt client at the simulator."""
    return {
        "base_url": simulator.base_url,
        "connection_verify": str(simulator.cert_path),
        "polling_interval": LRO_POLLING_INTERVAL,
    }


def make_subscription_client(simulator: ArmSimulator) -> SubscriptionClient:
    """A real SubscriptionClient (azure-mgmt-resource-subscriptions) against the simulator."""
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    from provisioning.arm_credentials import SimulatorCredential

    return SubscriptionClient(SimulatorCredential(), **_simulator_client_options(simulator))


def make_resource_client(simulator: ArmSimulator) -> ResourceManagementClient:
    """A real ResourceManagementClient (azure-mgmt-resource) against the simulator."""
    from azure.mgmt.resource.resources import ResourceManagementClient

    from provisioning.arm_credentials import SimulatorCredential

    return ResourceManagementClient(
        SimulatorCredential(), SIMULATOR_SUBSCRIPTION_ID, **_simulator_client_options(simulator)
    )


def make_compute_client(simulator: ArmSimulator) -> ComputeManagementClient:
    """A real ComputeManagementClient against the simulator."""
    from azure.mgmt.compute import ComputeManagementClient

    from provisioning.arm_credentials import SimulatorCredential

    return ComputeManagementClient(
        SimulatorCredential(), SIMULATOR_SUBSCRIPTION_ID, **_simulator_client_options(simulator)
    )


def make_authorization_client(simulator: ArmSimulator) -> AuthorizationManagementClient:
    """A real AuthorizationManagementClient against the simulator."""
    from azure.mgmt.authorization import AuthorizationManagementClient

    from provisioning.arm_credentials import SimulatorCredential

    return AuthorizationManagementClient(
        SimulatorCredential(), SIMULATOR_SUBSCRIPTION_ID, **_simulator_client_options(simulator)
    )


@pytest.fixture(scope="session")
def arm_simulator_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session simulator's data dir (certificate, state.json, log)."""
    return tmp_path_factory.mktemp("arm-simulator")


@pytest.fixture(scope="session")
def arm_simulator_process(arm_simulator_data_dir: Path) -> Iterator[ChildProcess]:
    """A private ARM simulator for this test session (never the `make run` one)."""
    child = start_arm_simulator(
        arm_simulator_data_dir,
        free_port(),
        log_path=arm_simulator_data_dir / "arm-simulator.log",
        env=SIMULATOR_TEST_ENV,
    )
    yield child
    child.stop()


@pytest.fixture(scope="session")
def arm_simulator(
    arm_simulator_process: ChildProcess, arm_simulator_data_dir: Path
) -> ArmSimulator:
    """Endpoint, certificate and data dir of the session's ARM simulator."""
    data_dir = arm_simulator_data_dir.resolve()
    return ArmSimulator(
        base_url=arm_simulator_base_url(arm_simulator_process.port),
        cert_path=certificate_path(data_dir),
        port=arm_simulator_process.port,
        data_dir=data_dir,
    )


@pytest.fixture
def arm_client(arm_simulator: ArmSimulator) -> Iterator[ContainerServiceClient]:
    """A real ContainerServiceClient against the session's simulator."""
    client = make_arm_client(arm_simulator)
    yield client
    client.close()


@pytest.fixture
def unique_cluster_name() -> Callable[[str], str]:
    """Names unique per test, so scenario memory (flaky-, failonce-) never leaks between tests."""
    return lambda prefix: f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture
def subscription_client(arm_simulator: ArmSimulator) -> Iterator[SubscriptionClient]:
    """A real SubscriptionClient against the session's simulator."""
    client = make_subscription_client(arm_simulator)
    yield client
    client.close()


@pytest.fixture
def resource_client(arm_simulator: ArmSimulator) -> Iterator[ResourceManagementClient]:
    """A real ResourceManagementClient against the session's simulator."""
    client = make_resource_client(arm_simulator)
    yield client
    client.close()


@pytest.fixture
def compute_client(arm_simulator: ArmSimulator) -> Iterator[ComputeManagementClient]:
    """A real ComputeManagementClient against the session's simulator."""
    client = make_compute_client(arm_simulator)
    yield client
    client.close()


@pytest.fixture
def authorization_client(arm_simulator: ArmSimulator) -> Iterator[AuthorizationManagementClient]:
    """A real AuthorizationManagementClient against the session's simulator."""
    client = make_authorization_client(arm_simulator)
    yield client
    client.close()
