"""wikifile-transfer: move media files between MediaWiki wikis with every version and every credit."""

__version__ = "0.1.0"
