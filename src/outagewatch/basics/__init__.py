"""Plain values every layer shares: services, status words, minute keys.

The bottom of the house: it imports nothing of ours, so storage, the domains and the faces
can all use these types without importing each other.
"""
