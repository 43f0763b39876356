"""The helper's daemon: its loop, cookie sync, request handlers and the warm
status host."""
