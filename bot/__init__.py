"""filmbot core: film store, fuzzy search, movie nights and admin commands, shared by every adapter.

Nothing in this package imports discord or telegram, and nothing here has import-time side effects.
"""
