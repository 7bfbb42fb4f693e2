"""The local instance: the daemon behind the local backend (runs in its own process).

server (socket, requests) → manager (job states, events) → scheduler/resources
→ execution (a job shell per job: launcher, jobshell) → store (SQLite). Nothing
here is imported by the commands; the client side is one level up.
"""
