"""Domain package: AKS provisioning logic with no Azure Functions imports."""
