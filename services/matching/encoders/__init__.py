"""Encoder backends; `services.matching.encoder.load_encoder(model, backend)` picks one by name."""
