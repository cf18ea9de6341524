"""The version reported by `GET /` and `lms --version`."""

__version__ = "0.1.0"
