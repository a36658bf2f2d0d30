"""Where the repository's bundled folders are."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = REPO / "ontology"
QUERY_DIR = REPO / "queries"
DEFAULT_DATA = REPO / "data"
DEFAULT_OUT = Path("out")
# The seed articles that sources with a `seed_file` cite, beside the repository (not shipped in it).
DEFAULT_SEEDS = REPO.parent / "shared" / "sources" / "seeds"
SEEDS_ENV = "AIKG_SEEDS"


def seeds_folder() -> Path:
    """The seed articles' folder: ``$AIKG_SEEDS`` if set, else :data:`DEFAULT_SEEDS`."""
    return Path(os.environ.get(SEEDS_ENV) or DEFAULT_SEEDS)
