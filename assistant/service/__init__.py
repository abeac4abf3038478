"""The voice-loop service: the daemon's states (`daemon`), its parts put together from the
config (`assembly`), the shelf it answers from (`live_shelf`), systemd notification and
journal logging."""
