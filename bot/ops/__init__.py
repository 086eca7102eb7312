"""Running filmbot in production: health and metrics over HTTP, JSON logs. Nothing here runs at import."""
