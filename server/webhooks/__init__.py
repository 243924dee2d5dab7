"""Webhook infrastructure: secrets and signatures, and the HTTP delivery that connects to the
address the outbound guard checked."""
