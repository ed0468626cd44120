"""``python -m cli``: the ``campaigns`` command."""

from cli import main

if __name__ == "__main__":
    main()
