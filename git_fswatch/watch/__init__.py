"""The watch layer: inotify, the watch tree, the stat cache and the journal.

Nothing here knows git: it turns kernel events into changed paths.
"""
