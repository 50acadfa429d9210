"""``python -m shotline``: the CLI."""

from shotline.cli import main

main()
