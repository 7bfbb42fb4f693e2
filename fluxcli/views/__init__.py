"""Renderers of what commands show people: progress bars and tables (stderr or stdout).

Views never talk to a backend; commands hand them data.
"""
