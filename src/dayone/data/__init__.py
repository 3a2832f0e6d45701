"""Data in: catalogues, user profiles and interactions, validated on the way in."""

from dayone.data.catalog import Catalog
from dayone.data.errors import DataError
from dayone.data.interactions import empty_interactions, normalise_interactions, preference
from dayone.data.loaders import (
    InteractionMapping,
    ItemMapping,
    UserMapping,
    interactions_from_records,
    items_from_records,
    load_interactions,
    load_items,
    load_users,
    read_records,
)
from dayone.data.users import UserProfile, UserTable

__all__ = [
    "Catalog",
    "DataError",
    "InteractionMapping",
    "ItemMapping",
    "UserMapping",
    "UserProfile",
    "UserTable",
    "empty_interactions",
    "interactions_from_records",
    "items_from_records",
    "load_interactions",
    "load_items",
    "load_users",
    "normalise_interactions",
    "preference",
    "read_records",
]
