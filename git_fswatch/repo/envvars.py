"""The environment variables that change which repository git reads, or what
it computes from it: one list for everyone who must know.

Set in a caller's environment, any of these means that a daemon serving one
worktree cannot answer for that caller from what it watches (the warm
client and the warm host decline), and that a daemon must not inherit it
from the process that started it (client/connect.py gives the daemon an
environment of its own).

Imports nothing: the warm client and the hook read it at start-up.
"""

REPOSITORY = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
    "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_REPLACE_REF_BASE", "GIT_NO_REPLACE_OBJECTS", "GIT_GRAFT_FILE",
    "GIT_SHALLOW_FILE", "GIT_OPTIONAL_LOCKS",
)

# Paths among them that git resolves against its working directory when
# relative (they can also hold a colon-separated list).
PATHS = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
         "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM")


def foreign(env):
    """The first of REPOSITORY set in *env* (a mapping with str or bytes
    keys, os.environb included), or None."""
    keys = {k.decode("latin-1") if isinstance(k, bytes) else k for k in env}
    for name in REPOSITORY:
        if name in keys:
            return name
    return None
