"""Task descriptions of items and users, rendered from template files."""

from dayone.descriptions.describer import DOMAINS, LANGUAGES, Describer, Template, load_template

__all__ = ["DOMAINS", "LANGUAGES", "Describer", "Template", "load_template"]
