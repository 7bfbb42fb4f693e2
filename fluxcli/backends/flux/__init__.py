"""The Flux backend: jobs on a real Flux instance through flux-core's Python bindings."""
