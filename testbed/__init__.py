"""The MediaWiki testbed: scripts that run real wikis on 127.0.0.1 (see testbed/up.sh)."""
