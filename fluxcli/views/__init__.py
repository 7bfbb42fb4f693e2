"""What commands show people: the stderr terminal, displays, event lines, output, progress, tables.

Views never talk to a backend; commands hand them typed records
(``JobEvent``, ``OutputChunk``). rich is imported only by a live display.
"""
