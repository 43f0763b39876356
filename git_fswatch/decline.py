"""Decline: the one way to say "this is not ours to answer; ask git".

Raised wherever a computation meets something it cannot honour exactly (a
setting, a repository state, an option), and caught once per entry point:
`git fswatch-status` then runs the real `git status`, the helper's daemon
answers its warm client "unsupported" (the client then computes cold).

*code* is a short, stable name of what declined (``submodule``,
``core.autocrlf``, ``sparse-checkout``): the trace's ``status.decline``
event carries it, and the man page's CAVEATS list them.  *detail* says, for
people, which path or value and why.
"""


class Decline(Exception):
    def __init__(self, code, detail=None):
        Exception.__init__(self, code if detail is None else "%s: %s" % (code, detail))
        self.code = code
        self.detail = detail
