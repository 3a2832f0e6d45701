"""One router per resource: items, users, events, recommendations, models, health."""
