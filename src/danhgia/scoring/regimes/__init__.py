"""Bundled regime data files (`<regime id>.toml`), read with importlib.resources."""
