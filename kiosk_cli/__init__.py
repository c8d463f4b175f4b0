"""The `kiosk` command: the composition root.

It builds the parts from configuration and starts the window, the mock backend and the
tools. It is the only package that may import every other one (ARCHITECTURE.md, "Parts
and arrows"); nothing imports it. Each subject registers its own subcommands, so a new
command touches one module. Qt, FastAPI and uvicorn are imported only inside the commands
that need them: `kiosk card read` on a kiosk must not pay for a GUI toolkit.
"""
