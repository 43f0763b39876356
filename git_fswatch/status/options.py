"""How a Status is to be printed: what the command line and config asked for.

The formatters read only this and the Status; they never look at argv or
config themselves.
"""

from dataclasses import dataclass
from typing import Optional


@dataclass
class Output:
    prefix: bytes = b""          # the cwd below the top, b"" or b"dir/sub/"
    relative_paths: bool = True  # status.relativePaths
    quote_path: bool = True      # core.quotePath
    nul: bool = False            # -z
    branch: bool = False         # -b / status.branch (short and porcelain)
    show_stash: bool = False     # --show-stash / status.showStash
    ahead_behind: bool = True    # --[no-]ahead-behind / status.aheadBehind
    untracked: str = "normal"    # no, normal, all
    ignored: str = "no"          # no, traditional, matching
    hints: bool = True           # advice.statusHints
    comment_prefix: bool = False  # status.displayCommentPrefix
    comment_char: bytes = b"#"   # core.commentChar
    color: Optional[object] = None  # a color.Palette when coloring, else None

    def path_prefix(self):
        """The prefix paths are printed relative to (none with -z)."""
        if self.nul or not self.relative_paths:
            return b""
        return self.prefix
