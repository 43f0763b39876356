"""The wire layer: the record format and the helper's socket."""
