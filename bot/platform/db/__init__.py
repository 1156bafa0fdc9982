"""Database: models, engine, migrations, upserts, batched reads, the health check write."""
