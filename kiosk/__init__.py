"""Time-clock kiosk: face punching, offline punch queue, missed clock-out claims."""
