"""Saved interests and notifications: a follower of the registry feed matches every newly published technology."""
