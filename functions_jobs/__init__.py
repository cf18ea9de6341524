"""Queue triggers (one module per queue: its trigger and its table of handlers) and timer
triggers (schedules.py); each module exposes `bp`."""
