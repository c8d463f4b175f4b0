"""PySide6 screens of the kiosk. The only package that imports Qt."""
