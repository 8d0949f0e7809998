"""`python -m hplearn …` is the same as the `hplearn` command."""

from hplearn.cli import main

main()
