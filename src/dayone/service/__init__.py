"""The real-time HTTP service: FastAPI app over an online engine and a durable store."""

from dayone.service.app import create_app
from dayone.service.settings import Settings, load_settings

__all__ = ["Settings", "create_app", "load_settings"]
