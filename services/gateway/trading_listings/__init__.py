"""挂牌公示: a holder lists a published technology with a price and a public notice period; objections; outcome."""
