"""Command-line commands. Modules here import nothing heavy at module level."""
