"""The embedded local instance: a per-user job manager process with SQLite state."""
