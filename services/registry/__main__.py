from services.registry.cli import app

app(prog_name="python -m services.registry")
