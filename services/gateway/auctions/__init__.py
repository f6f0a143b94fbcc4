"""拍卖/竞价: English (open ascending, anti-sniping) and sealed-bid auctions; the winner opens a deal."""
