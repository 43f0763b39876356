"""The status engine and its formatters.

model.py is the contract between them: the engine (engine.py) computes a
Status; the formatters turn one into the bytes `git status` prints.
"""
