"""`python -m monitor` → cli.main_entry."""

from monitor.cli import main_entry

main_entry()
