"""Notify me: accounts, follows, the outbox and the channels that deliver it."""
