"""What operators see: Prometheus metrics, structured request logs and the readiness probe."""
