"""Kemitraan: an agent-based model of community partnerships for human development, on Mesa."""

__version__ = "0.1.0"
# Bumped whenever a change alters results, so manifests say which model produced them.
MODEL_VERSION = "3"
