"""Git facts: where a repository is, its configuration, refs and index, and
the one way git commands are run."""
