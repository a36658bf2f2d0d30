import sys
from pathlib import Path

# Test helpers (tests/minidata.py, …) import as plain modules.
sys.path.insert(0, str(Path(__file__).parent))
