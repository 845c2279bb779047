"""Database layer: typed models, engine/session factory, upserts and the queries the app calls."""
