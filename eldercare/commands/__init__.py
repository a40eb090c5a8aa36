"""Sub-commands of ``eldercare``. Every module here defines ``register(subparsers)``.

Each sub-parser sets ``func`` to a callable taking the parsed args and returning an exit code.
Every sub-command accepts the global ``--db`` before or after its name (see ``common.add_db``).
"""
