"""招标: a buyer's tender with sealed offers opened together at the deadline, weighted scoring, award to a deal."""
