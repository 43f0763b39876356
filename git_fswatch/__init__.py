"""git-fswatch: make `git status` fast on large Linux working trees.

The public API lives in :mod:`git_fswatch.client.api` (what changed since a token);
importing this package imports nothing heavy, so that thin clients such as the
core.fsmonitor hook stay fast.
"""

__version__ = "0.1.0"
