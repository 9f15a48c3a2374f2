"""``python -m zhiliang`` runs the CLI."""

from zhiliang.cli import main

main()
