"""The Durable Functions extension's side, played locally: webhook API and orchestration runner."""
