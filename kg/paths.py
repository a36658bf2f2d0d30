"""Where the repository's bundled folders are."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = REPO / "ontology"
QUERY_DIR = REPO / "queries"
DEFAULT_DATA = REPO / "data"
DEFAULT_OUT = Path("out")
SEED_DIR = REPO.parent / "shared" / "sources" / "seeds"  # the seed articles, cited by file name, never copied
