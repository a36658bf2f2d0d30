"""How much one data file may hold: a broken or hostile file is then an error with its file and line,
never a hang, a memory blow-up or a crash.

Each bound is far above what real data needs (the bundled data: largest file 92 KB, nesting 7
levels, no aliases, longest value 642 characters; ``aikg synth`` at 100,000 organisations: files of
up to 25 MB).
"""

# A file is read whole; 10x the largest synthetic file, so memory stays bounded by what a file may be.
MAX_FILE_BYTES = 256 * 2**20

# Lists and mappings inside each other. The composer recurses once per level: far below the
# interpreter's limit (1,000 frames) and the C stack.
MAX_DEPTH = 64

# Values that aliases (``*name``) add by repeating what an anchor (``&name``) holds. Nine nested
# levels of nine aliases each (1 KB of text) expand to 387 million values without this bound.
MAX_ALIAS_VALUES = 100_000

# Characters in one scalar (a quote, a title). Well below Oxigraph's 16 MiB line buffer for an
# N-Triples line, even with every character escaped.
MAX_VALUE_CHARS = 2**20
