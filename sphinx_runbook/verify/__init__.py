"""Verification: run runbook commands in a sandbox and check what they print.

The engine reads the command index (the same data ``runbook-index.json``
holds), so it runs the same way inside a Sphinx build, from
``sphinx-runbook verify`` and from the pytest plugin.  Nothing here imports
Sphinx: the sandboxed worker process imports these modules too, and should
start fast.
"""
