"""Transaction commissions (交易佣金): configurable tiered rules, computed in fen, split between brokers."""
