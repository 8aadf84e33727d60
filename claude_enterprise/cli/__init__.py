"""Command-line interface: typer apps, each command a thin function over the layers."""
