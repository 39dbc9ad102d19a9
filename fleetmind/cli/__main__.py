"""`python -m fleetmind.cli`."""

from . import main

main()
