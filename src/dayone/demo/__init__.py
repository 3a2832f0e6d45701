"""The embedded demo: MovieLens latest-small, shipped under its own licence (data/README.txt)."""

from dayone.demo.catalog import DEMO_DATA, build_demo_recommender, load_demo_catalog

__all__ = ["DEMO_DATA", "build_demo_recommender", "load_demo_catalog"]
