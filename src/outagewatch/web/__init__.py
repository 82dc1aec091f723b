"""Server-rendered HTML pages, templates, static files and SVG charts."""
