"""Pure time-clock rules: punches, corrections, sessions, breaks, overtime, undertime, missed clock-outs.

Nothing here does I/O or imports anything else of the kiosk; every function is deterministic in its arguments.
"""
