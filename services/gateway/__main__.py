from services.gateway.cli import cli

cli()
