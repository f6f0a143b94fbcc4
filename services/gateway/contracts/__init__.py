"""技术合同登记: contract records of closed deals, export (JSON Lines, CSV) and statistics."""
