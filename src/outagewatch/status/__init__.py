"""A service's status as people read it: the read model behind every page, API answer,
live stream, feed and badge. Framework-free: a narrow storage protocol in, values out."""
