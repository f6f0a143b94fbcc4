"""Broker workspace (技术经纪人): engagements, shortlists, introductions and deals."""
