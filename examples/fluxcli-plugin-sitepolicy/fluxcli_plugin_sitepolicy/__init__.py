"""Example fluxcli plugins."""
