"""dayone: recommendations that are useful from a user's or an item's first moment."""

__version__ = "0.1.0"
