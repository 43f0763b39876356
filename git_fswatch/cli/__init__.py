"""Command-line front ends: argument parsing only, no logic of their own."""
