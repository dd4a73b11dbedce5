"""The dashboard's shared view helpers: session state, cached engine calls, error display, sidebar.

Nothing here computes a figure of its own: every number comes from ``resque_core``.
"""
