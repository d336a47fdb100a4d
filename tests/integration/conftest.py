"""The fixtures of test_transfer.py (a temp folder checked empty, a configuration for the testbed, new
source files) for the other integration modules too: they began with the transfer tests."""

from test_transfer import one_file, sunset, temp_dir, write_config  # noqa: F401
