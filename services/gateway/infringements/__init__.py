"""Infringement records (侵权行为信息记录) through the gateway: who records, who answers, who may read."""
